
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts.models import User
from accounts.selectors import program_admin_contacts
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
from core.csvexport import csv_response
from core.forms import add_service_errors, posted_int, safe_next
from core.fragments import Deferred
from core.hours import hours_minutes
from courses.models import Cohort, Enrolment, TrainerAssignment

from . import services
from .forms import DisputeForm, GroupSessionForm, SessionForm
from .models import ConsultationSession, HoursExport
from .permissions import sessions_visible_to
from .selectors import (
    group_session_already_logged,
    hours_progress,
    hours_requirements,
    hours_requirements_for,
    minutes_for,
    my_hours_keys,
)


def _enrolment_of(user) -> Enrolment:
    enrolment = (
        Enrolment.objects.active().for_trainee(user).select_related("cohort__program")
        .order_by("-enrolled_on", "-pk").first()
    )
    if enrolment is None:
        raise Http404("You have no active enrolment.")
    return enrolment


def _trainers(enrolment):
    """The trainee's trainers in this cohort; current consultants first, so the form
    starts on the trainer a trainee usually consults."""
    assignments = TrainerAssignment.objects.filter(
        trainee_id=enrolment.trainee_id, cohort_id=enrolment.cohort_id
    ).exclude(trainer_id=enrolment.trainee_id)
    consults = assignments.current().filter(
        trainer_id=OuterRef("pk"), role=TrainerAssignment.Role.CONSULTANT
    )
    return (
        User.objects.filter(pk__in=assignments.values("trainer_id"))
        .annotate(consults=Exists(consults))
        .order_by("-consults", "full_name", "email")
    )


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


# Notes and case references never reach error reports (Django's filtered POST data).
_PRIVATE_FIELDS = ("notes", "case_reference")


@access(TRAINEE, methods=GET_POST)
@never_cache
@sensitive_post_parameters(*_PRIVATE_FIELDS)
def my_hours(request):
    enrolment = _enrolment_of(request.user)
    requirements = hours_requirements(enrolment)
    form = SessionForm(request.POST or None, trainers=_trainers(enrolment), requirements=requirements)
    # Read through the field, whose rows the select reuses: no query of its own.
    has_trainer = bool(form.fields["trainer"].queryset)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_log(actor=request.user, enrolment=enrolment, **form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Session logged. Your trainer has been asked to confirm it.")
            # To the log, where the new entry is (and the message above it).
            return redirect(reverse("consultation:my_hours") + "#log")
    # Read only if their cached fragments are not found (a queryset is read when the
    # template iterates it).
    sessions = (
        ConsultationSession.objects.filter(enrolment=enrolment).visible_columns()
        .select_related("trainer").order_by("-date", "-start_time", "-id")
    )
    exports = HoursExport.objects.filter(enrolment=enrolment).order_by("-requested_at")[:3]
    return _no_store(render(request, "consultation/my_hours.html", {
        "enrolment": enrolment, "form": form, "sessions": sessions,
        "progress": Deferred(lambda: hours_progress(enrolment, requirements)),
        "exports": exports, "fragment_keys": my_hours_keys(enrolment, requirements),
        "has_trainer": has_trainer,
        # Only when the form cannot be used: whom to ask for a trainer.
        "admin_contacts": [] if has_trainer else program_admin_contacts(),
    }))


@access(SIGNED_IN, methods=GET_POST)
@never_cache
@sensitive_post_parameters(*_PRIVATE_FIELDS)
def session_detail(request, session_id: int):
    session = get_visible_or_404(request, sessions_visible_to(request.user), pk=session_id)
    is_trainee = request.user.pk == session.enrolment.trainee_id
    form = None
    if is_trainee and not session.is_reversal and session.status != ConsultationSession.Status.WITHDRAWN:
        editable = session.status in (ConsultationSession.Status.PENDING, ConsultationSession.Status.DISPUTED)
        correctable = (session.status == ConsultationSession.Status.CONFIRMED
                       and not hasattr(session, "reversal"))
        if editable or correctable:
            initial = {f: getattr(session, f) for f in (
                "trainer", "date", "start_time", "minutes", "category", "format", "modality",
                "case_reference", "notes", "share_notes_with_trainer")}
            form = SessionForm(request.POST or None, initial=initial, trainers=_trainers(session.enrolment),
                               requirements=hours_requirements(session.enrolment))
            if request.method == "POST" and form.is_valid():
                try:
                    if editable:
                        services.session_update(actor=request.user, session=session,
                                                revision=posted_int(request.POST, "revision", 0), **form.values())
                        messages.success(request, "Entry updated and sent back to your trainer.")
                    else:
                        services.session_correct(actor=request.user, original=session, **form.values())
                        messages.success(request, "Correction sent to your trainer. Once confirmed it replaces this entry.")
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    return redirect("consultation:my_hours")
    return _no_store(render(request, "consultation/session_detail.html", {
        "session": session, "form": form, "is_trainee": is_trainee,
        "notes_visible": session.notes_readable_by(request.user),
        "history": sessions_visible_to(request.user).filter(
            Q(pk=session.corrects_id) | Q(corrects=session) | Q(reverses=session) | Q(pk=session.reverses_id)
        ).defer("notes").exclude(pk=session.pk),
        "dispute_form": DisputeForm(initial={"revision": session.revision}),
    }))


@access(TRAINEE, methods=POST)
def session_withdraw(request, session_id: int):
    session = get_visible_or_404(request, ConsultationSession.objects.filter(enrolment__trainee=request.user), pk=session_id)
    try:
        services.session_withdraw(actor=request.user, session=session)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Entry withdrawn.")
    return redirect("consultation:my_hours")


def _trainer_session(request, session_id):
    return get_visible_or_404(
        request,
        ConsultationSession.objects.filter(trainer=request.user, enrolment__in=Enrolment.objects.for_trainer(request.user)),
        pk=session_id,
    )


def _back(request):
    return redirect(safe_next(request, "competencies:trainer_queue"))


@access(TRAINER, methods=POST)
def session_confirm(request, session_id: int):
    session = _trainer_session(request, session_id)
    try:
        services.session_confirm(trainer=request.user, session=session,
                                 revision=posted_int(request.POST, "revision", 0))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Confirmed {session.minutes} minutes of {session.category} for {session.enrolment.trainee}.")
    return _back(request)


@access(TRAINER, methods=POST)
def session_dispute(request, session_id: int):
    session = _trainer_session(request, session_id)
    form = DisputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say what is wrong so the trainee can correct it.")
        return _back(request)
    try:
        services.session_dispute(trainer=request.user, session=session,
                                 revision=form.cleaned_data["revision"], comment=form.cleaned_data["comment"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Disputed; {session.enrolment.trainee} has been told why.")
    return _back(request)


@access(TRAINER, methods=GET_POST)
def group_session(request):
    """Two steps: the trainer fills in the session and sees who would get an entry (a
    trainee already logged for that session is marked and left out); nothing is saved
    until they confirm that preview."""
    enrolments = Enrolment.objects.for_trainer(request.user).active().select_related("trainee", "cohort")
    by_code = {}
    for requirements in hours_requirements_for(list(enrolments.values_list("pk", flat=True))).values():
        for requirement in requirements:
            by_code.setdefault(requirement.code, requirement)
    editing = request.method == "POST" and "change" in request.POST
    form = GroupSessionForm(request.POST if request.method == "POST" else None,
                            enrolments=enrolments, requirements=list(by_code.values()))
    if request.method == "POST" and not editing and form.is_valid():
        data = dict(form.cleaned_data)
        chosen = list(data.pop("trainees"))
        if request.POST.get("step") == "confirm":
            try:
                created = services.group_session_log(
                    trainer=request.user, enrolments=chosen, skip_logged=True, **data,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                left_out = len(chosen) - len(created)
                messages.success(request, f"Group session recorded for {len(created)} trainees"
                                 + (f"; {left_out} already logged for that session left as they were." if left_out
                                    else "."))
                return redirect("courses:trainer_home")
        else:
            logged = group_session_already_logged(
                trainer=request.user, enrolment_ids=[e.pk for e in chosen], date=data["date"],
                start_time=data["start_time"], category=data["category"],
            )
            rows = [{"enrolment": e, "logged": e.pk in logged} for e in chosen]
            return render(request, "consultation/group_session_preview.html", {
                "form": form, "rows": rows, "to_save": sum(not r["logged"] for r in rows),
                "category": by_code.get(data["category"]), "data": data,
                "posted": [(name, value) for name in form.fields for value in request.POST.getlist(name)],
            })
    # Back from the preview ("Change"), the form comes again with what was entered.
    return render(request, "consultation/group_session.html", {"form": form})


@access(TRAINEE)
def export_csv(request):
    enrolment = _enrolment_of(request.user)
    sessions = (
        ConsultationSession.objects.filter(enrolment=enrolment).visible_columns()
        .select_related("trainer").order_by("date", "start_time", "id")
    )
    # Notes are never exported.
    return csv_response(
        "consultation-hours.csv",
        ["date", "start", "minutes", "category", "format", "modality", "trainer", "case reference", "status", "corrects entry", "reverses entry"],
        ([s.date.isoformat(), s.start_time.isoformat() if s.start_time else "", s.minutes, s.category,
          s.format, s.modality, str(s.trainer), s.case_reference, s.status, s.corrects_id or "", s.reverses_id or ""]
         for s in sessions),
    )


@access(PROGRAM_ADMIN)
def cohort_summary_csv(request, cohort_id: int):
    cohort = get_object_or_404(Cohort.objects.select_related("program"), pk=cohort_id)
    enrolments = list(cohort.enrolments.select_related("trainee").order_by("trainee__email"))
    totals = minutes_for([e.pk for e in enrolments])
    requirements = hours_requirements_for([e.pk for e in enrolments])
    # One column group per experience outcome any trainee of the cohort has, in the
    # framework's order; a trainee on a version without it leaves the cells empty.
    codes = list(dict.fromkeys(r.code for e in enrolments for r in requirements[e.pk]))

    def cells(enrolment) -> list:
        needed = {r.code: r.hours_required for r in requirements[enrolment.pk]}
        row = []
        for code in codes:
            if code not in needed:
                row += ["", "", ""]
                continue
            logged = totals[enrolment.pk].get(code, {})
            row += [hours_minutes(logged.get("confirmed", 0)), hours_minutes(logged.get("pending", 0)),
                    hours_minutes(int(needed[code] * 60))]
        return row

    return csv_response(
        f"cohort-{cohort.pk}-hours.csv",
        ["trainee", "email", "status",
         *(f"{code} {column}" for code in codes
           for column in ("confirmed hours", "pending hours", "required"))],
        ([str(e.trainee), e.trainee.email, e.status, *cells(e)] for e in enrolments),
    )


@access(TRAINEE, methods=POST)
def export_pdf(request):
    services.hours_export_request(actor=request.user, enrolment=_enrolment_of(request.user))
    messages.success(request, "Your printable log is being prepared; it appears below in a moment.")
    return redirect("consultation:my_hours")


@access(TRAINEE)
def export_download(request, export_id: int):
    from django.http import FileResponse

    export = get_visible_or_404(
        request, HoursExport.objects.filter(enrolment__trainee=request.user, completed_at__isnull=False),
        pk=export_id,
    )
    response = FileResponse(export.file.open("rb"), as_attachment=True,
                            filename=f"consultation-hours-{export.requested_at:%Y-%m-%d}.pdf",
                            content_type="application/pdf")
    response["Cache-Control"] = "private, no-store"
    return response
