"""The eligibility rule: every requirement, met or not, with why and evidence."""

import datetime

import pytest
from django.utils import timezone

from certificates.eligibility import eligibility, eligibility_for
from competencies import services as records
from competencies.models import Outcome
from consultation import services as hours
from courses.models import LessonProgress
from courses.services import enrolment_verify_license

pytestmark = pytest.mark.django_db


@pytest.fixture
def complete(world, curriculum):
    """Trainee A with every requirement met."""
    enrolment = world.enrolment_a
    enrolment.refresh_from_db()
    enrolment_verify_license(actor=world.admin, enrolment=enrolment)
    now = timezone.now()
    from cms.models import LessonPage

    for lesson in LessonPage.objects.all():
        LessonProgress.objects.create(enrolment=enrolment, lesson_id=lesson.pk, last_opened_at=now,
                                      read_at=now, completed_at=now)
    for outcome in Outcome.objects.filter(version=enrolment.framework_version).exclude(category="experience"):
        if outcome.evidence_rule == "signoff":
            records.evidence_add(actor=world.trainee_a, enrolment=enrolment, outcome_code=outcome.code,
                                 kind="written", text=f"Evidence for {outcome.code}")
        records.signoff_decide(trainer=world.trainer_a, enrolment=enrolment, outcome_code=outcome.code,
                               decision="met")
    program = enrolment.cohort.program
    program.e1_hours_required = program.e2_hours_required = 1
    program.save()
    for category in ("E1", "E2"):
        session = hours.session_log(actor=world.trainee_a, enrolment=enrolment, trainer=world.trainer_a,
                                    date=timezone.localdate() - datetime.timedelta(days=1),
                                    minutes=60, category=category)
        hours.session_confirm(trainer=world.trainer_a, session=session, revision=1)
    # Lessons align only to K1–K3 in the test curriculum; give K4–K9 a lesson each too.
    from cms.factories import curriculum_data
    from cms.services import course_add

    spec = curriculum_data(courses=1, lessons=6, codes=("K4", "K5", "K6", "K7", "K8", "K9"), checks=False)["courses"][0]
    spec["slug"] = "more-knowledge"
    course_add(program_page=curriculum, spec=spec)
    for lesson in LessonPage.objects.filter(outcome_links__code__in=["K4", "K5", "K6", "K7", "K8", "K9"]):
        LessonProgress.objects.create(enrolment=enrolment, lesson_id=lesson.pk, last_opened_at=now,
                                      read_at=now, completed_at=now)
    return world


def test_a_complete_record_is_eligible_with_evidence_for_each_requirement(complete):
    report = eligibility(complete.enrolment_a)
    assert report.eligible, [(r.key, r.why) for r in report.missing]
    assert len(report.requirements) == 4 + 23
    c1 = next(r for r in report.requirements if r.key == "outcome:C1")
    assert any("Signed off by" in e for e in c1.evidence)
    assert "Written reflection: Written reflection" in c1.evidence
    e1 = next(r for r in report.requirements if r.key == "outcome:E1")
    assert e1.evidence == ("1 of 1 consultation hours confirmed",)
    snapshot = report.as_snapshot()
    assert snapshot["eligible"] is True and len(snapshot["requirements"]) == 27


def _withdraw_signoff(world, code):
    records.signoff_decide(trainer=world.trainer_a, enrolment=world.enrolment_a, outcome_code=code,
                           decision="not_yet", comment="Revisit this.")


@pytest.mark.parametrize(
    "break_it, key, why",
    [
        (lambda w: type(w.enrolment_a).objects.filter(pk=w.enrolment_a.pk).update(status="withdrawn"), "enrolment:active", "withdrawn"),
        (lambda w: type(w.enrolment_a).objects.filter(pk=w.enrolment_a.pk).update(license_verified_at=None), "license:verified", "No program admin"),
        (lambda w: type(w.enrolment_a).objects.filter(pk=w.enrolment_a.pk).update(license_expires_on=datetime.date(2020, 1, 1)), "license:current", "Expired on 2020-01-01"),
        (lambda w: _withdraw_signoff(w, "C5"), "outcome:C5", "1 more trainer sign-off"),
        (lambda w: _withdraw_signoff(w, "K2"), "outcome:K2", "1 more trainer sign-off"),
        (lambda w: LessonProgress.objects.filter(lesson_id__in=__import__("cms.models", fromlist=["LessonPage"]).LessonPage.objects.filter(outcome_links__code="K3").values("pk")).update(completed_at=None), "outcome:K3", "Complete 2 more lessons"),
        (lambda w: w.cohort.program.__class__.objects.filter(pk=w.cohort.program_id).update(e2_hours_required=5), "outcome:E2", "4 more confirmed consultation hours"),
    ],
)
def test_each_missing_requirement_is_reported_with_why(complete, break_it, key, why):
    break_it(complete)
    report = eligibility(type(complete.enrolment_a).objects.get(pk=complete.enrolment_a.pk))
    assert not report.eligible
    assert [r.key for r in report.missing] == [key]
    assert why in report.missing[0].why


@pytest.mark.parametrize("extra", [0, 20])
def test_the_cohort_set_form_runs_fixed_queries(complete, django_assert_num_queries, extra):
    from courses.factories import EnrolmentFactory

    for _ in range(extra):
        EnrolmentFactory(cohort=complete.cohort, framework_version=complete.enrolment_a.framework_version)
    ids = list(complete.cohort.enrolments.values_list("pk", flat=True))
    with django_assert_num_queries(15):
        reports = eligibility_for(ids)
    assert len(reports) == 2 + extra
    assert sum(r.eligible for r in reports.values()) == 1


@pytest.mark.parametrize("extra", [0, 15])
def test_cohort_matrix_shows_every_trainee_in_fixed_queries(complete, client, django_assert_num_queries, extra):
    from django.urls import reverse

    from courses.factories import EnrolmentFactory

    for _ in range(extra):
        EnrolmentFactory(cohort=complete.cohort, framework_version=complete.enrolment_a.framework_version)
    client.force_login(complete.admin)
    url = reverse("competencies:cohort_matrix", args=[complete.cohort.pk])
    client.get(url)
    # session, user, roles, MFA, cohort, ids, eligibility (15), minutes
    with django_assert_num_queries(22):
        page = client.get(url).content.decode()
    assert f"{2 + extra} trainees, 1 eligible" in page
    assert page.count('class="badge badge-ok">Eligible') == 1
    client.force_login(complete.trainer_a)
    assert client.get(url).status_code == 403
