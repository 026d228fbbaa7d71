from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from cms.models import LessonPage
from consultation.models import ConsultationSession
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
from core.forms import add_service_errors, posted_int, safe_next
from core.fragments import Deferred
from core.paging import window
from courses.models import Enrolment, LessonProgress, Reflection
from courses.permissions import enrolments_visible_to
from courses.selectors import enrolment_detail

from . import services
from .forms import DecisionForm, EvidenceEditForm, EvidenceForm, ReviewRequestForm
from .models import EvidenceItem, Outcome, SignOffRequest
from .permissions import evidence_visible_to, requests_for_trainer
from .selectors import lessons_to_complete, outcome_record, outcome_records_for
from .selectors.fragments import my_outcomes_key, trainee_outcome_enrolments
from .selectors.trainer import trainer_record


@access(TRAINEE)
def my_outcomes(request):
    # The records are read only when their cached fragment is not found (a repeat view
    # with nothing changed reads the enrolments and the key's stamps alone).
    enrolments = trainee_outcome_enrolments(request.user)
    records = Deferred(lambda: list(outcome_records_for([e.pk for e in enrolments]).values()))
    return render(request, "competencies/my_outcomes.html", {
        "records": records, "records_key": my_outcomes_key(enrolments),
    })


def _own_choices(enrolment):
    done = LessonProgress.objects.completed().filter(enrolment=enrolment).values_list("lesson_id", flat=True)
    lessons = LessonPage.objects.filter(pk__in=list(done)).order_by("path").values_list("pk", "title")
    reflections = [
        (r.pk, r.prompt[:80]) for r in Reflection.objects.filter(enrolment=enrolment).order_by("created_at")
    ]
    return list(lessons), reflections


@access(TRAINEE, methods=GET_POST)
def my_outcome(request, enrolment_id: int, code: str):
    enrolment = get_visible_or_404(
        request, Enrolment.objects.for_trainee(request.user).select_related("cohort__program"),
        pk=enrolment_id,
    )
    record = outcome_record(enrolment)
    item = record.get(code)
    if item is None:
        raise Http404("No such outcome.")
    lessons, reflections = _own_choices(enrolment)
    evidence_form = EvidenceForm(lessons=lessons, reflections=reflections)
    review_form = ReviewRequestForm(evidence=item.evidence)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "evidence":
                evidence_form = EvidenceForm(request.POST, request.FILES, lessons=lessons, reflections=reflections)
                if evidence_form.is_valid():
                    data = evidence_form.cleaned_data
                    services.evidence_add(
                        actor=request.user, enrolment=enrolment, outcome_code=code,
                        kind=data["kind"], title=data["title"], text=data["text"],
                        upload=data["file"], lesson_id=data["lesson"], reflection_id=data["reflection"],
                    )
                    messages.success(request, "Evidence added.")
                    return redirect(request.path)
            elif request.POST.get("action") == "request":
                review_form = ReviewRequestForm(request.POST, evidence=item.evidence)
                if review_form.is_valid():
                    services.signoff_request(
                        actor=request.user, enrolment=enrolment, outcome_code=code,
                        message=review_form.cleaned_data["message"],
                        evidence_ids=review_form.cleaned_data["evidence"],
                    )
                    messages.success(request, "Your trainers have been asked to review this outcome.")
                    return redirect(request.path)
            else:
                messages.error(request, "Choose whether to add evidence or ask for review.")
        except ValidationError as error:
            add_service_errors(evidence_form if request.POST.get("action") == "evidence" else review_form, error)
    return render(
        request, "competencies/my_outcome.html",
        {"enrolment": enrolment, "item": item, "evidence_form": evidence_form, "review_form": review_form,
         "lessons_left": (lessons_to_complete(enrolment=enrolment, code=item.code)
                          if item.coursework and not item.coursework.complete else [])},
    )


def _withdrawn_note(request, withdrawn) -> None:
    if withdrawn:
        codes = ", ".join(sorted({r.outcome_code for r in withdrawn}))
        messages.warning(request, f"Your review request for {codes} used this evidence, so it has been "
                                  "withdrawn. Ask for review again when your evidence is ready.")


def _own_evidence(request, evidence_id: int):
    return get_visible_or_404(
        request, EvidenceItem.objects.filter(enrolment__trainee=request.user).select_related("enrolment"),
        pk=evidence_id,
    )


@access(TRAINEE, methods=GET_POST)
def evidence_edit(request, evidence_id: int):
    item = _own_evidence(request, evidence_id)
    back = reverse("competencies:my_outcome", args=[item.enrolment_id, item.outcome_code])
    form = EvidenceEditForm(request.POST or None, item=item)
    if request.method == "POST" and form.is_valid():
        try:
            _, withdrawn = services.evidence_update(actor=request.user, item=item, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Evidence updated.")
            _withdrawn_note(request, withdrawn)
            return redirect(back + "#evidence")
    return render(request, "competencies/evidence_edit.html", {
        "item": item, "form": form, "back": back,
        "pending": item.requests.filter(closed_at__isnull=True).exists(),
    })


@access(TRAINEE, methods=POST)
def evidence_remove(request, evidence_id: int):
    item = _own_evidence(request, evidence_id)
    back = reverse("competencies:my_outcome", args=[item.enrolment_id, item.outcome_code])
    try:
        withdrawn = services.evidence_remove(actor=request.user, item=item)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"“{item.title}” removed.")
        _withdrawn_note(request, withdrawn)
    return redirect(back + "#evidence")


@access(TRAINEE, methods=POST)
def request_withdraw(request, request_id: int):
    signoff_request = get_visible_or_404(
        request, SignOffRequest.objects.filter(enrolment__trainee=request.user), pk=request_id)
    try:
        services.signoff_request_withdraw(actor=request.user, request=signoff_request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Your review request for {signoff_request.outcome_code} is withdrawn.")
    return redirect("competencies:my_outcome", enrolment_id=signoff_request.enrolment_id,
                    code=signoff_request.outcome_code)


# A trainer decides from the top of the queue; each list shows this many at a time. A
# trainee asks for review of up to 21 outcomes at once: one trainee's whole set, and a
# request asked again after a "not yet", fit on one page.
QUEUE_REQUESTS_PER_PAGE = 25
QUEUE_ENTRIES_PER_PAGE = 25


def _trainer_scope(user):
    # Only through the trainer's own scope: an unassigned trainer gets a 404 at once.
    return enrolments_visible_to(user).for_trainer(user).with_people()


def _trainer_record_page(request, enrolment, *, decision=None):
    """The trainee's record as their trainer sees it; ``decision`` is a refused decision
    (its outcome code and bound form), shown again with what the trainer chose."""
    return render(
        request,
        "competencies/trainer_trainee.html",
        {
            "enrolment": enrolment_detail(enrolment=enrolment),
            "view": trainer_record(enrolment=enrolment, trainer=request.user),
            "decision": decision,
            "next": safe_next(request, "") or reverse("competencies:trainer_trainee", args=[enrolment.pk]),
        },
    )


@access(TRAINER)
def trainer_trainee(request, enrolment_id: int):
    enrolment = get_visible_or_404(request, _trainer_scope(request.user), pk=enrolment_id)
    return _trainer_record_page(request, enrolment)


@access(TRAINER)
def trainer_queue(request):
    requests = window(
        requests_for_trainer(request.user)
        .select_related("enrolment__trainee", "enrolment__cohort")
        .prefetch_related("evidence")
        .order_by("requested_at", "id"),
        request, param="requests", per_page=QUEUE_REQUESTS_PER_PAGE,
    )
    statements = {
        (version_id, code): statement
        for version_id, code, statement in Outcome.objects.filter(
            version_id__in={r.enrolment.framework_version_id for r in requests.rows}
        ).values_list("version_id", "code", "statement")
    }
    for row in requests.rows:
        row.statement = statements.get((row.enrolment.framework_version_id, row.outcome_code), "")
    sessions = window(
        ConsultationSession.objects.pending()
        .filter(trainer=request.user, enrolment__in=Enrolment.objects.for_trainer(request.user))
        .visible_columns()
        .select_related("enrolment__trainee")
        .order_by("created_at", "id"),
        request, param="entries", per_page=QUEUE_ENTRIES_PER_PAGE,
    )
    return render(request, "competencies/queue.html",
                  {"requests": requests, "sessions": sessions, "form": DecisionForm()})


@access(TRAINER, methods=POST)
def trainer_decide(request, enrolment_id: int, code: str):
    enrolment = get_visible_or_404(request, _trainer_scope(request.user), pk=enrolment_id)
    form = DecisionForm(request.POST)
    back = safe_next(request, "competencies:trainer_queue")
    if form.is_valid():
        data = form.cleaned_data
        pending = None
        if data["request_id"]:
            pending = requests_for_trainer(request.user).filter(pk=data["request_id"]).first()
            if pending is None:
                messages.error(request, "This request has already been decided or is not yours to decide.")
                return redirect(back)
        try:
            signoff = services.signoff_decide(
                trainer=request.user, enrolment=enrolment, outcome_code=code,
                decision=data["decision"], comment=data["comment"], request=pending,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"{code} for {enrolment.trainee}: {signoff.get_decision_display().lower()}."
            )
            return redirect(back)
    # Shown again on the trainee's record, beside the outcome, with the choice kept.
    return _trainer_record_page(request, enrolment, decision={"code": code, "form": form})


@access(PROGRAM_ADMIN)
def admin_record(request, enrolment_id: int):
    enrolment = get_visible_or_404(request, Enrolment.objects.all(), pk=enrolment_id)
    return render(request, "competencies/admin_record.html", {"record": outcome_record(enrolment)})


@access(SIGNED_IN)
def evidence_file(request, evidence_id: int):
    item = get_visible_or_404(
        request, evidence_visible_to(request.user).exclude(file=""), pk=evidence_id
    )
    response = FileResponse(
        item.file.open("rb"), as_attachment=True, filename=item.original_name or "evidence",
        content_type=item.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response




@access(PROGRAM_ADMIN, methods=GET_POST)
def admin_move_version(request, enrolment_id: int):
    """Move an enrolment to a newer published version, mapping each old outcome."""
    from .models import FrameworkVersion

    enrolment = get_visible_or_404(
        request, Enrolment.objects.select_related("trainee", "framework_version__framework"),
        pk=enrolment_id,
    )
    current = enrolment.framework_version
    newer = (
        FrameworkVersion.objects.published()
        .filter(framework_id=current.framework_id, number__gt=current.number)
        .order_by("-number")
        if current else FrameworkVersion.objects.none()
    )
    wanted = posted_int(request.POST, "version") or posted_int(request.GET, "version")
    target = (newer.filter(pk=wanted).first() if wanted else None) or newer.first()
    old = list(current.outcomes.order_by("position")) if current else []
    new_codes = list(target.outcomes.order_by("position").values_list("code", flat=True)) if target else []
    if request.method == "POST" and target is not None:
        mapping = {o.code: request.POST.get(f"map-{o.code}", "") for o in old}
        try:
            services.enrolment_move_version(actor=request.user, enrolment=enrolment, version=target, mapping=mapping)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{enrolment.trainee} now follows {target}.")
            return redirect("competencies:admin_record", enrolment.pk)
    rows = [{"outcome": o, "default": o.code if o.code in new_codes else ""} for o in old]
    return render(request, "competencies/admin_move_version.html", {
        "enrolment": enrolment, "versions": newer, "target": target, "rows": rows, "new_codes": new_codes,
    })
