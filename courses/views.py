from django.shortcuts import render

from audit.models import AuditEvent
from config.access import PROGRAM_ADMIN, TRAINEE, TRAINER, access, get_visible_or_404

from . import selectors
from .permissions import enrolments_visible_to


@access(TRAINEE)
def trainee_home(request):
    enrolments = selectors.trainee_enrolments(trainee=request.user)
    return render(request, "courses/trainee_home.html", {"enrolments": enrolments})


@access(TRAINER)
def trainer_home(request):
    caseload = selectors.trainer_caseload(trainer=request.user)
    return render(request, "courses/trainer_home.html", {"caseload": caseload})


@access(TRAINER)
def trainer_trainee(request, enrolment_id: int):
    # Only through the trainer's own scope: an unassigned trainer gets a 404 at once.
    scope = enrolments_visible_to(request.user).for_trainer(request.user).with_people()
    enrolment = get_visible_or_404(request, scope, pk=enrolment_id)
    return render(
        request,
        "courses/trainer_trainee.html",
        {"enrolment": selectors.enrolment_detail(enrolment=enrolment)},
    )


@access(PROGRAM_ADMIN)
def admin_home(request):
    return render(
        request,
        "courses/admin_home.html",
        {
            "cohorts": selectors.cohort_overview(),
            "recent_events": AuditEvent.objects.order_by("-occurred_at", "-id")[:10],
        },
    )
