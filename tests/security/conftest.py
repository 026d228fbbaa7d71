"""A world where every form the project serves has something to act on.

Trainee A has a complete record (evidence file, a pending consultation entry, an hours
export, a certificate) and a pending sign-off request; someone with no role has applied
to the open cohort; a newer framework version is published and a draft follows it; a
background job has failed.
"""

import datetime

import pytest

from framework_versions import draft_copy, publish  # tests/


@pytest.fixture
def populated(complete, settings, tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from certificates.services import certificate_issue
    from competencies.services import evidence_add, signoff_request
    from consultation.models import HoursExport
    from consultation.services import session_log
    from courses.services.learning import application_submit
    from factories.accounts import UserFactory
    from jobs.models import Job

    world = complete
    settings.MEDIA_ROOT = str(tmp_path)
    world.enrolment_a.refresh_from_db()
    world.cohort.open_for_applications = True
    world.cohort.save()
    world.evidence_a = evidence_add(
        actor=world.trainee_a, enrolment=world.enrolment_a, outcome_code="C1", kind="file",
        upload=SimpleUploadedFile("case-notes.pdf", b"%PDF-1.4 case notes"),
    )
    world.request_a = signoff_request(
        actor=world.trainee_a, enrolment=world.enrolment_a, outcome_code="C1",
        message="Please review", evidence_ids=[world.evidence_a.pk],
    )
    world.session_a = session_log(
        actor=world.trainee_a, enrolment=world.enrolment_a, trainer=world.trainer_a,
        date=timezone.localdate() - datetime.timedelta(days=5), minutes=60, category="E1",
        notes="Private",
    )
    world.export_a = HoursExport.objects.create(enrolment=world.enrolment_a, completed_at=timezone.now())
    world.export_a.file.save("hours.pdf", ContentFile(b"%PDF-1.4"), save=True)
    world.certificate_a, _ = certificate_issue(actor=world.admin, enrolment=world.enrolment_a)
    world.applicant = UserFactory(email="applicant@kapstone.test", roles=[])
    world.other_applicant = UserFactory(email="applicant.2@kapstone.test", roles=[])
    world.application = application_submit(
        applicant=world.other_applicant, cohort=world.cohort, attest_scope=True,
        profession=world.enrolment_a.profession, license_type="LMFT", license_number="123",
        license_jurisdiction="CA", license_expires_on=timezone.localdate() + datetime.timedelta(days=300),
    )
    # A legal name change waiting for a program admin's decision.
    from accounts.services import name_change_request

    world.name_request = name_change_request(user=world.trainee_b, requested_name="B Renamed")
    # A newer published framework version, so an enrolment can be moved to it.
    framework = world.enrolment_b.framework_version.framework
    publish(draft_copy(framework))
    # And a draft after it, as an import leaves one: the frameworks page offers to publish it.
    world.draft_version = draft_copy(framework)
    # Trainee B: evidence for C1 (editable, removable, to ask review with), and a
    # knowledge check used up (a trainer or admin may grant another attempt).
    world.evidence_b = evidence_add(
        actor=world.trainee_b, enrolment=world.enrolment_b, outcome_code="C1", kind="written",
        text="How I held boundaries.",
    )
    from cms.models import LessonPage
    from courses.models import KnowledgeCheckAttempt

    lesson = LessonPage.objects.exclude(check_ids=[]).order_by("path").first()
    body = lesson.body.raw_data
    for block in body:
        if block["type"] == "knowledge_check":
            block["value"]["max_attempts"] = 1
    lesson.body = body
    lesson.save()
    KnowledgeCheckAttempt.objects.create(enrolment=world.enrolment_b, lesson_id=lesson.pk,
                                         check_id=lesson.check_ids[0], answers={}, score=0,
                                         passed=False, nonce="populated-b")
    world.failed_job = Job.objects.create(
        name="certificates.tasks.render_certificate_pdf", kwargs={"certificate_id": world.certificate_a.pk},
        status=Job.Status.FAILED, attempts=3, last_error="boom",
    )
    return world


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    write = terminalreporter.write_line
    extras = []
    if getattr(config, "kapstone_url_fuzz", None):
        extras.append("{} routes with parameters, {} hostile URLs each sent as GET and POST".format(*config.kapstone_url_fuzz))
    if getattr(config, "kapstone_escape_report", None):
        extras.append(f"{config.kapstone_escape_report} HTML pages (all roles) checked for unescaped script")
    if getattr(config, "kapstone_privacy_report", None):
        extras.append(f"{config.kapstone_privacy_report} places searched for private notes and reflections")
    report = getattr(config, "kapstone_fuzz_report", None)
    if extras:
        terminalreporter.section("security checks")
        for line in extras:
            write(line)
    if not report:
        return
    terminalreporter.section("input fuzzing: every form × hostile submissions")
    write(f"{'form':<48}{'role':>16}{'examples':>10}{'refused':>9}{'5xx/bad':>9}")
    for key, r in sorted(report.items()):
        write(f"{key[:47]:<48}{r['role']:>16}{r['examples']:>10}{r['rejected']:>9}{len(r['errors']):>9}")
    total = sum(r["examples"] for r in report.values())
    bad = sum(len(r["errors"]) for r in report.values())
    per_form = sorted({r["examples"] for r in report.values()})
    write(f"{len(report)} forms fuzzed, {'/'.join(map(str, per_form))} examples per form, "
          f"{total} submissions in total, {bad} server errors or writes from refusals")
