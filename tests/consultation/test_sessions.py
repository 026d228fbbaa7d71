"""Consultation hours: validation, confirmation, corrections, confidentiality."""

import datetime

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from competencies.selectors import outcome_record
from competencies.standing import records_changed
from consultation import services
from consultation.models import ConsultationSession
from consultation.selectors import minutes_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _log(world, **overrides):
    values = dict(trainer=world.trainer_a, date=TODAY() - datetime.timedelta(days=1), minutes=60,
                  category="E1", case_reference="Client B, session 3", notes="Explored the integration plan.")
    values.update(overrides)
    return services.session_log(actor=world.trainee_a, enrolment=world.enrolment_a, **values)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"minutes": 10}, "between 15 and 480 minutes"),
        ({"minutes": 481}, "between 15 and 480 minutes"),
        ({"date": TODAY() + datetime.timedelta(days=1)}, "cannot be in the future"),
        ({"date": TODAY() - datetime.timedelta(days=400)}, "before your enrolment began"),
        ({"category": "E3"}, "Choose one of your framework's experience outcomes: E1 \\(about cases the trainee conducted\\); E2"),
        ({"trainer": "unassigned"}, "was not assigned to you"),
    ],
)
def test_validation_refuses_clearly_and_saves_nothing(world, overrides, message):
    if overrides.get("trainer") == "unassigned":
        overrides["trainer"] = world.trainer_unassigned
    with pytest.raises(ValidationError, match=message):
        _log(world, **overrides)
    assert not ConsultationSession.objects.exists()
    assert not AuditEvent.objects.filter(verb="consultation.logged").exists()


def test_exact_duplicates_are_refused(world):
    _log(world, start_time=datetime.time(10, 0))
    with pytest.raises(ValidationError, match="already in your log"):
        _log(world, start_time=datetime.time(10, 0))
    _log(world, start_time=datetime.time(14, 0))
    assert ConsultationSession.objects.count() == 2


def test_program_range_is_a_setting(world):
    program = world.cohort.program
    program.session_min_minutes, program.session_max_minutes = 30, 90
    program.save()
    with pytest.raises(ValidationError, match="between 30 and 90"):
        _log(world, minutes=20)


def test_only_confirmed_minutes_count_and_the_hours_rule_reads_them(world, curriculum):
    world.enrolment_a.refresh_from_db()
    first = _log(world, minutes=300)
    second = _log(world, minutes=300, start_time=datetime.time(9, 0))
    _log(world, minutes=45, category="E2")
    assert minutes_for([world.enrolment_a.pk])[world.enrolment_a.pk]["E1"] == {"confirmed": 0, "pending": 600}
    services.session_confirm(trainer=world.trainer_a, session=first, revision=1)
    e1 = outcome_record(world.enrolment_a).get("E1")
    # Half confirmed, the other half waiting on the trainer: not met, and said so.
    assert (e1.status, e1.minutes_confirmed, e1.minutes_pending) == ("awaiting_review", 300, 300)
    services.session_confirm(trainer=world.trainer_a, session=second, revision=1)
    e1 = outcome_record(world.enrolment_a).get("E1")
    assert e1.met and e1.minutes_confirmed == 600
    assert outcome_record(world.enrolment_a).get("E2").status == "awaiting_review"  # 45 min logged


def test_dispute_then_correct_and_resubmit(world):
    session = _log(world)
    with pytest.raises(ValidationError, match="Say what is wrong"):
        services.session_dispute(trainer=world.trainer_a, session=session, revision=1, comment=" ")
    services.session_dispute(trainer=world.trainer_a, session=session, revision=1, comment="It was 45 minutes.")
    session.refresh_from_db()
    assert session.status == "disputed"
    services.session_update(actor=world.trainee_a, session=session, revision=1, minutes=45)
    session.refresh_from_db()
    assert (session.status, session.minutes, session.revision) == ("pending", 45, 2)
    with pytest.raises(ValidationError, match="changed this entry"):
        services.session_confirm(trainer=world.trainer_a, session=session, revision=1)
    services.session_confirm(trainer=world.trainer_a, session=session, revision=2)
    assert ConsultationSession.objects.get().status == "confirmed"


def test_confirmed_entries_are_locked_and_corrections_reverse_them(world):
    original = _log(world, minutes=90)
    services.session_confirm(trainer=world.trainer_a, session=original, revision=1)
    with pytest.raises(ValidationError, match="locked"):
        services.session_update(actor=world.trainee_a, session=original, revision=1, minutes=60)
    correction = services.session_correct(
        actor=world.trainee_a, original=original, trainer=world.trainer_a, date=original.date,
        minutes=60, category="E1",
    )
    assert minutes_for([world.enrolment_a.pk])[world.enrolment_a.pk]["E1"]["confirmed"] == 90
    services.session_confirm(trainer=world.trainer_a, session=correction, revision=1)
    original.refresh_from_db()
    assert original.status == "confirmed" and original.minutes == 90  # never rewritten
    reversal = original.reversal
    assert reversal.minutes == -90 and reversal.status == "confirmed"
    assert minutes_for([world.enrolment_a.pk])[world.enrolment_a.pk]["E1"]["confirmed"] == 60
    with pytest.raises(ValidationError, match="already been corrected"):
        services.session_correct(actor=world.trainee_a, original=original, trainer=world.trainer_a,
                                 date=original.date, minutes=30, category="E1")


@pytest.mark.parametrize(
    "who, message",
    [("trainer_unassigned", "Only the trainer named"), ("trainee_a", "Only the trainer named")],
)
def test_only_the_named_trainer_confirms(world, who, message):
    session = _log(world)
    with pytest.raises(ValidationError, match=message):
        services.session_confirm(trainer=world.users()[who], session=session, revision=1)
    session.refresh_from_db()
    assert session.status == "pending"


def test_a_trainer_unassigned_after_the_session_cannot_confirm_it(world):
    from courses.models import TrainerAssignment
    from courses.services import assignment_end

    session = _log(world)
    assignment_end(actor=world.admin, assignment=TrainerAssignment.objects.get(trainer=world.trainer_a))
    with pytest.raises(ValidationError, match="no longer assigned"):
        services.session_confirm(trainer=world.trainer_a, session=session, revision=1)


def test_group_sessions_give_each_trainee_a_confirmed_entry(world):
    from factories.courses import TrainerAssignmentFactory

    TrainerAssignmentFactory(trainer=world.trainer_a, trainee=world.trainee_b, cohort=world.cohort)
    created = services.group_session_log(
        trainer=world.trainer_a, enrolments=[world.enrolment_a, world.enrolment_b],
        date=TODAY() - datetime.timedelta(days=2), minutes=90, category="E2",
    )
    assert {s.status for s in created} == {"confirmed"} and len({s.group for s in created}) == 1
    totals = minutes_for([world.enrolment_a.pk, world.enrolment_b.pk])
    assert totals[world.enrolment_a.pk]["E2"]["confirmed"] == totals[world.enrolment_b.pk]["E2"]["confirmed"] == 90
    with pytest.raises(ValidationError, match="was not assigned"):
        services.group_session_log(
            trainer=world.trainer_unassigned, enrolments=[world.enrolment_a, world.enrolment_b],
            date=TODAY(), minutes=60, category="E1",
        )


def test_notes_are_encrypted_at_rest_and_rotation_re_encrypts(world, settings):
    session = _log(world, notes="Discussed countertransference with Client B.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM consultation_consultationsession WHERE id = %s", [session.pk])
        raw = cursor.fetchone()[0]
    assert "countertransference" not in raw and raw.startswith("gAAAA")
    new_key = Fernet.generate_key().decode()
    settings.NOTES_ENCRYPTION_KEYS = [new_key, *settings.NOTES_ENCRYPTION_KEYS]
    call_command("rotate_notes_key")
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM consultation_consultationsession WHERE id = %s", [session.pk])
        rotated = cursor.fetchone()[0]
    assert rotated != raw
    assert Fernet(new_key.encode()).decrypt(rotated.encode()).decode() == "Discussed countertransference with Client B."
    settings.NOTES_ENCRYPTION_KEYS = [new_key]  # the old key can now be dropped
    assert ConsultationSession.objects.get(pk=session.pk).notes.startswith("Discussed")


def test_notes_never_reach_the_audit_trail_or_emails(world, django_capture_on_commit_callbacks):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        session = _log(world, notes="SECRET-NOTE-TEXT")
        services.session_confirm(trainer=world.trainer_a, session=session, revision=1)
    assert all("SECRET-NOTE-TEXT" not in str(e.details) for e in AuditEvent.objects.all())
    assert mail.outbox and all("SECRET-NOTE-TEXT" not in m.body for m in mail.outbox)


@pytest.mark.parametrize(
    "category, shared, trainer_reads",
    [("E1", False, True), ("E2", False, False), ("E2", True, True)],
)
def test_who_reads_notes(world, client, category, shared, trainer_reads):
    session = _log(world, category=category, notes="PRIVATE-NOTE", share_notes_with_trainer=shared)
    url = reverse("consultation:session_detail", args=[session.pk])
    client.force_login(world.trainee_a)
    response = client.get(url)
    assert "PRIVATE-NOTE" in response.content.decode() and "no-store" in response["Cache-Control"]
    client.force_login(world.trainer_a)
    assert ("PRIVATE-NOTE" in client.get(url).content.decode()) is trainer_reads
    for who in ("trainee_b", "trainer_unassigned", "program_admin", "curriculum_editor"):
        client.force_login(world.users()[who])
        assert client.get(url).status_code == 404, who


def test_the_form_warns_about_identifying_details(world, client):
    client.force_login(world.trainee_a)
    data = {"trainer": world.trainer_a.pk, "date": (TODAY() - datetime.timedelta(days=1)).isoformat(),
            "minutes": 60, "category": "E1", "format": "individual", "modality": "video",
            "case_reference": "patient John Smith, DOB 03/04/1980", "notes": "call 555-123-4567"}
    page = client.post(reverse("consultation:my_hours"), data).content.decode()
    assert "may identify a patient" in page and "a date of birth" in page and "a phone number" in page
    assert not ConsultationSession.objects.exists()
    data["confirm_no_identifiers"] = "on"
    assert client.post(reverse("consultation:my_hours"), data).status_code == 302
    assert ConsultationSession.objects.count() == 1


def test_exports_protect_against_formula_injection_and_leave_out_notes(world, client):
    _log(world, case_reference="=HYPERLINK(\"http://evil\")", notes="NOTE-TEXT")
    client.force_login(world.trainee_a)
    body = client.get(reverse("consultation:export_csv")).content.decode()
    assert "'=HYPERLINK" in body and "NOTE-TEXT" not in body
    client.force_login(world.admin)
    summary = client.get(reverse("consultation:cohort_summary_csv", args=[world.cohort.pk])).content.decode()
    assert "trainee.a@kapstone.test" in summary and "NOTE-TEXT" not in summary
    client.force_login(world.trainee_a)
    assert client.get(reverse("consultation:cohort_summary_csv", args=[world.cohort.pk])).status_code == 403


def test_pages_walk_log_confirm_dispute(world, client):
    client.force_login(world.trainee_a)
    data = {"trainer": world.trainer_a.pk, "date": (TODAY() - datetime.timedelta(days=1)).isoformat(),
            "minutes": 60, "category": "E1", "format": "individual", "modality": "video"}
    client.post(reverse("consultation:my_hours"), data)
    client.post(reverse("consultation:my_hours"), {**data, "category": "E2"})
    e1, e2 = ConsultationSession.objects.order_by("category")
    client.force_login(world.trainer_a)
    queue = client.get(reverse("competencies:trainer_queue")).content.decode()
    assert queue.count('action="/trainer/hours/') == 2
    client.post(reverse("consultation:session_confirm", args=[e1.pk]), {"revision": 1})
    client.post(reverse("consultation:session_dispute", args=[e2.pk]), {"revision": 1, "comment": "Not with me"})
    client.force_login(world.trainee_a)
    page = client.get(reverse("consultation:my_hours")).content.decode()
    assert "1:00 of 10:00 hours confirmed" in page and "Disputed" in page
    client.force_login(world.trainer_unassigned)
    assert client.post(reverse("consultation:session_confirm", args=[e2.pk]), {"revision": 1}).status_code == 404


def test_the_log_form_offers_the_trainees_trainers_consultant_first(world, client):
    import re

    from courses.models import TrainerAssignment
    from factories.courses import TrainerAssignmentFactory

    consultant = world.trainer_unassigned
    consultant.full_name = "Zoe Consultant"  # sorts after trainer A by name
    consultant.save()
    TrainerAssignmentFactory(trainer=consultant, trainee=world.trainee_a, cohort=world.cohort,
                             role=TrainerAssignment.Role.CONSULTANT)
    client.force_login(world.trainee_a)
    page = client.get(reverse("consultation:my_hours")).content.decode()
    select = re.search(r'<select name="trainer".*?</select>', page, re.S).group(0)
    names = re.findall(r"<option[^>]*>([^<]+)</option>", select)
    assert names == ["Zoe Consultant", str(world.trainer_a)]


@pytest.mark.parametrize("n", [2, 25])
def test_my_hours_and_queue_run_fixed_queries(world, client, django_assert_num_queries, n):
    for i in range(n):
        _log(world, start_time=datetime.time(8 + i // 60, i % 60))
    client.force_login(world.trainee_a)
    client.get(reverse("consultation:my_hours"))
    records_changed([world.enrolment_a.pk])  # as any write to the trainee's hours does
    # First view since the change: session, user, roles, enrolment, the experience outcomes of its
    # framework version (the categories and hours required: data since issue 18, where
    # they were program fields read with the enrolment), totals, log, PDF exports, the
    # form's trainer list (read once for both its options and its required attribute,
    # core/forms.py)
    with django_assert_num_queries(9):
        first = client.get(reverse("consultation:my_hours"))
    # Repeat view, nothing changed: the totals and the log come as the fragments
    # rendered above (consultation.selectors.my_hours_keys)
    with django_assert_num_queries(7):
        page = client.get(reverse("consultation:my_hours"))
    assert page.content.decode().count('href="/hours/') == n
    assert first.content.decode().count('href="/hours/') == n
    client.force_login(world.trainer_a)
    # session, user, roles, MFA, review requests (none), consultation entries, and the
    # navigation's two queue counts
    with django_assert_num_queries(8):
        queue = client.get(reverse("competencies:trainer_queue"))
    assert queue.content.decode().count('action="/trainer/hours/') == n


def test_printable_pdf_is_rendered_by_a_task_and_private(world, client, settings, tmp_path, django_capture_on_commit_callbacks):
    from consultation.models import HoursExport

    settings.MEDIA_ROOT = str(tmp_path)
    _log(world, notes="NOTE-NOT-IN-PDF")
    client.force_login(world.trainee_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("consultation:export_pdf"))
    export = HoursExport.objects.get()
    assert export.completed_at is not None
    response = client.get(reverse("consultation:export_download", args=[export.pk]))
    pdf = b"".join(response.streaming_content)
    assert pdf.startswith(b"%PDF") and response["Content-Disposition"].startswith("attachment")
    assert b"NOTE-NOT-IN-PDF" not in pdf
    client.force_login(world.trainee_b)
    assert client.get(reverse("consultation:export_download", args=[export.pk])).status_code == 404


def test_weekly_reminder_lists_entries_pending_too_long(world, django_capture_on_commit_callbacks):
    from django.core import mail

    from consultation.tasks import send_pending_reminders

    old = _log(world)
    ConsultationSession.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=9))
    _log(world, start_time=datetime.time(9, 0))  # recent: not yet worth a reminder
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_pending_reminders.apply().get() == 1
    assert mail.outbox[0].to == ["trainer.a@kapstone.test"]
    assert mail.outbox[0].subject == "[Kapstone] 1 consultation entry waiting"


def test_notes_are_filtered_out_of_error_reports(world, rf):
    from django.views.debug import SafeExceptionReporterFilter

    from consultation import views

    request = rf.post("/trainee/hours/", {"notes": "SECRET", "case_reference": "Client B", "minutes": "60"})
    request.user = world.trainee_a
    views.my_hours(request)  # an invalid form: re-rendered, nothing saved
    filtered = SafeExceptionReporterFilter().get_post_parameters(request)
    assert filtered["notes"] != "SECRET" and filtered["case_reference"] != "Client B"
    assert filtered["minutes"] == "60"
    assert not ConsultationSession.objects.exists()
