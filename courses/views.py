from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters

from audit.models import AuditEvent
from cms.models import LessonPage
from core.access import (
    GET_POST,
    POST,
    PROGRAM_ADMIN,
    SIGNED_IN,
    TRAINEE,
    TRAINER,
    access,
    get_visible_or_404,
)
from core.forms import add_service_errors

from . import selectors, services
from .hooks import trainee_progress
from .learning_forms import ApplicationForm, DecisionForm, GrantAttemptForm, ReflectionForm
from .models import Application, Program
from .permissions import can_read_curriculum, enrolments_grantable_by


@access(TRAINEE)
def trainee_home(request):
    enrolments = selectors.trainee_enrolments(trainee=request.user)
    progress = {
        p["enrolment"].pk: p["curriculum"]
        for p in selectors.program_progress(trainee=request.user, enrolments=enrolments)
    }
    for enrolment in enrolments:
        enrolment.curriculum = progress.get(enrolment.pk)
    return render(request, "courses/trainee_home.html", {"enrolments": enrolments})


@access(TRAINER)
def trainer_home(request):
    caseload = selectors.trainer_caseload(trainer=request.user)
    progress = trainee_progress([row["enrolment"].pk for group in caseload for row in group["rows"]])
    for group in caseload:
        for row in group["rows"]:
            row["progress"] = progress.get(row["enrolment"].pk)
    return render(request, "courses/trainer_home.html", {"caseload": caseload})


@access(PROGRAM_ADMIN)
def admin_home(request):
    return render(
        request,
        "courses/admin_home.html",
        {
            "cohorts": selectors.cohort_overview(),
            "recent_events": AuditEvent.objects.order_by("-occurred_at", "-id")[:10],
            "pending_applications": Application.objects.filter(status="pending").count(),
        },
    )


# --- Curriculum actions (trainees) ---------------------------------------------


def _lesson_for_trainee(request, lesson_id: int):
    """The live lesson and the trainee's active enrolment in its program, or a 404."""
    lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
    if lesson is None or not can_read_curriculum(request.user, lesson.program_id):
        raise Http404("No such lesson.")
    enrolment = selectors.active_enrolment(user=request.user, program_id=lesson.program_id)
    if enrolment is None:
        raise Http404("You are not enrolled in this lesson's program.")
    return lesson, enrolment


def _back_to(lesson, request, anchor: str = ""):
    return redirect(lesson.get_url(request) + (f"#{anchor}" if anchor else ""))


@access(TRAINEE, methods=POST)
def lesson_read(request, lesson_id: int):
    lesson, enrolment = _lesson_for_trainee(request, lesson_id)
    progress = services.lesson_mark_read(enrolment=enrolment, lesson=lesson)
    if progress.completed_at:
        messages.success(request, f"“{lesson.title}” is complete.")
    else:
        messages.info(request, "Pass the knowledge check to complete the lesson.")
    return _back_to(lesson, request, "lesson-status")


@access(TRAINEE, methods=POST)
def check_submit(request, lesson_id: int, check_id: str):
    lesson, enrolment = _lesson_for_trainee(request, lesson_id)
    answers = {
        key[2:]: request.POST.getlist(key) for key in request.POST if key.startswith("q-")
    }
    try:
        attempt = services.knowledge_check_submit(
            enrolment=enrolment, lesson=lesson, check_id=check_id,
            token=request.POST.get("token", ""), answers=answers,
        )
    except ValidationError as error:
        # At the top of the page, where the message is.
        messages.error(request, " ".join(error.messages))
        return _back_to(lesson, request)
    # The result stands beside the check (cms/lesson/knowledge_check.html), where the
    # page lands and focus goes (assets/js/focus-target.js): no message at the top.
    return _back_to(lesson, request, f"check-result-{attempt.check_id}")


@access(SIGNED_IN, methods=GET_POST)
def check_attempts(request, enrolment_id: int):
    """A trainer's or program admin's list of the trainee's knowledge checks that ran
    out of attempts, each with a button to grant one more."""
    enrolment = get_visible_or_404(
        request, enrolments_grantable_by(request.user).select_related("trainee", "cohort"), pk=enrolment_id
    )
    if request.method == "POST":
        form = GrantAttemptForm(request.POST)
        lesson = (LessonPage.objects.filter(pk=form.cleaned_data["lesson"]).first()
                  if form.is_valid() else None)
        try:
            if lesson is None:
                raise ValidationError("This lesson no longer exists.")
            services.knowledge_check_grant(actor=request.user, enrolment=enrolment, lesson=lesson,
                                           check_id=form.cleaned_data["check"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{enrolment.trainee} has another attempt at “{lesson.title}” "
                                      "and has been told by e-mail.")
        return redirect("courses:check_attempts", enrolment_id=enrolment.pk)
    return render(request, "courses/check_attempts.html", {
        "enrolment": enrolment, "rows": selectors.checks_out_of_attempts(enrolment=enrolment),
    })


@access(TRAINEE, methods=POST)
@sensitive_post_parameters("text")  # reflections never reach error reports
def reflection_save(request, lesson_id: int, prompt_id: str):
    lesson, enrolment = _lesson_for_trainee(request, lesson_id)
    form = ReflectionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(
                [e for errors in form.errors.values() for e in errors] or ["Write your reflection."]
            )
        services.reflection_save(
            enrolment=enrolment, lesson=lesson, prompt_id=prompt_id, text=form.cleaned_data["text"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Your reflection is saved. Only you can read it.")
    return _back_to(lesson, request, f"reflection-{prompt_id}")


# --- Admission -----------------------------------------------------------------


@access(SIGNED_IN, methods=GET_POST)
def apply(request, program_slug: str):
    program = get_object_or_404(Program, slug=program_slug)
    state = selectors.application_state(user=request.user, program=program)
    if not state["can_apply"]:
        return render(request, "courses/apply_closed.html", {"program": program, "state": state})
    form = ApplicationForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        cohort = data.pop("cohort")
        try:
            services.application_submit(applicant=request.user, cohort=cohort, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                "Your application is in. A program admin will check your license and e-mail you the decision.",
            )
            return redirect("courses:my_applications")
    return render(request, "courses/apply.html", {"program": program, "form": form})




@access(SIGNED_IN)
def my_applications(request):
    """An applicant's own applications and where each stands: under review, approved
    (with the way to their program) or declined (with the admin's reason)."""
    rows = (
        Application.objects.filter(applicant=request.user)
        .select_related("program", "cohort").order_by("-submitted_at")
    )
    return render(request, "courses/my_applications.html", {"applications": rows})


@access(PROGRAM_ADMIN)
def applications(request):
    status = request.GET.get("status", "pending")
    if status not in Application.Status.values:
        status = "pending"
    rows = (
        Application.objects.filter(status=status)
        .select_related("applicant", "cohort__program", "decided_by")
        .order_by("submitted_at")
    )
    return render(
        request, "courses/applications.html",
        {"applications": rows, "status": status, "statuses": Application.Status.choices},
    )


@access(PROGRAM_ADMIN, methods=GET_POST)
def application_decide(request, application_id: int):
    application = get_object_or_404(
        Application.objects.select_related("applicant", "cohort__program"), pk=application_id
    )
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and application.status != Application.Status.PENDING:
        messages.error(request, "This application has already been decided.")
        return redirect("courses:applications")
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                enrolment = services.application_approve(actor=request.user, application=application)
                messages.success(request, f"{application.applicant} is enrolled in {application.cohort}. "
                                          "Now assign their trainers.")
                # Straight on to the next step: an enrolment without trainers cannot
                # ask for review or log hours.
                return redirect(
                    f"{reverse('courses_trainerassignment:add')}?"
                    + urlencode({"trainee": enrolment.trainee_id, "cohort": enrolment.cohort_id})
                )
            else:
                services.application_decline(
                    actor=request.user, application=application, reason=form.cleaned_data["reason"]
                )
                messages.success(request, f"The application from {application.applicant} was declined.")
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("courses:applications")
    return render(
        request, "courses/application_decide.html", {"application": application, "form": form}
    )
