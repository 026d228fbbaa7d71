"""Consultation notes and lesson reflections stay between the trainee (and, for shared
notes, their trainer): a marker typed into each is searched for everywhere else after a
whole journey — every log line at DEBUG, every e-mail, every audit event, every
background job's arguments, every export, the pages admins read, and the error report
Django would mail if the notes' own save failed."""

import logging

import pytest
from django.core import mail
from django.test import Client
from django.views.debug import ExceptionReporter

from journey import run_journey

pytestmark = pytest.mark.django_db

NOTES = "NOTES-MARKER-7Q2ZK"
REFLECTION = "REFLECTION-MARKER-9XW4P"


def test_notes_and_reflections_appear_nowhere_but_their_own_pages(
    complete, client, caplog, django_capture_on_commit_callbacks, settings, tmp_path, request
):
    from audit.models import AuditEvent
    from jobs.models import Job

    settings.MEDIA_ROOT = str(tmp_path)
    world = complete
    caplog.set_level(logging.DEBUG)  # the root logger: every logger propagates to it
    with django_capture_on_commit_callbacks(execute=True):  # e-mails go out after commit
        journey = run_journey(world, client, django_capture_on_commit_callbacks,
                              notes=NOTES, reflection=REFLECTION, text="Client B, session 3")
    journey.mails = list(mail.outbox)
    # The trainee can read both back: the markers did reach the database.
    client.force_login(world.trainee_a)
    assert NOTES in client.get(f"/hours/{journey.session.pk}/").content.decode()

    places: dict[str, str] = {}
    places["log records"] = "\n".join(
        f"{r.name} {r.getMessage()} {getattr(r, 'args', '')}" for r in caplog.records
    )
    for i, message in enumerate(journey.mails):
        alternatives = " ".join(body for body, _ in getattr(message, "alternatives", []))
        places[f"e-mail {i} to {message.to}"] = f"{message.subject}\n{message.body}\n{alternatives}"
    for event in AuditEvent.objects.all():
        places[f"audit event {event.pk} {event.verb}"] = f"{event.details} {event.target_repr}"
    for job in Job.objects.all():
        places[f"job {job.pk} {job.name}"] = f"{job.kwargs} {job.last_error}"
    for name, content in journey.downloads.items():
        places[f"download {name}"] = (
            journey.pdf_text(name) if name.endswith(".pdf") else content.decode("utf-8", "replace")
        )
    client.force_login(world.admin)
    for url in (f"/manage/records/{world.enrolment_a.pk}/", f"/manage/cohorts/{world.cohort.pk}/",
                "/manage/", f"/manage/certificates/{journey.certificate.pk}/",
                "/admin/audit_auditevent/", "/manage/jobs/"):
        places[f"admin page {url}"] = client.get(url).content.decode()
    for event in AuditEvent.objects.all()[:40]:
        url = f"/admin/audit_auditevent/inspect/{event.pk}/"
        places[f"admin page {url}"] = client.get(url).content.decode()
    places["error reports (notes, reflection)"] = _error_reports(world, caplog)

    leaks = [where for where, text in places.items() if NOTES in text or REFLECTION in text]
    request.config.kapstone_privacy_report = len(places)
    assert not leaks, f"private text found in: {leaks}"
    assert len(journey.mails) >= 3 and len(places) > 40


def _error_report(caplog, client, url: str, data: dict, failing: str) -> str:
    """The text of the e-mail Django sends admins about a 500 from ``url``; the failure
    strikes deep in the save (``failing`` is patched to raise), with the private text in
    the local variables of every frame on the way."""
    from unittest import mock

    caplog.clear()
    with mock.patch(failing, side_effect=RuntimeError("disk full")):
        response = client.post(url, data)
    assert response.status_code == 500
    record = next(r for r in caplog.records if r.name == "django.request" and r.exc_info)
    reporter = ExceptionReporter(record.request, *record.exc_info, is_email=True)
    text = reporter.get_traceback_text() + reporter.get_traceback_html()
    assert "disk full" in text  # the report is real
    return text + "\n".join(r.getMessage() for r in caplog.records)


def _error_reports(world, caplog) -> str:
    import datetime

    from django.utils import timezone

    from cms.models import LessonPage

    client = Client(raise_request_exception=False)
    client.force_login(world.trainee_a)
    notes = _error_report(caplog, client, "/trainee/hours/", {
        "trainer": world.trainer_a.pk, "date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "start_time": "07:13", "minutes": 30, "category": "E1", "format": "individual",
        "modality": "video", "case_reference": "", "notes": NOTES + " again",
    }, "consultation.services.audit_record")
    lesson = next(p for p in LessonPage.objects.live().specific() if p.reflection_prompts())
    prompt_id = next(iter(lesson.reflection_prompts()))
    reflection = _error_report(
        caplog, client, f"/learn/lessons/{lesson.pk}/reflections/{prompt_id}/",
        {"text": REFLECTION + " again"}, "courses.services.learning.Reflection.objects.update_or_create",
    )
    return notes + reflection
