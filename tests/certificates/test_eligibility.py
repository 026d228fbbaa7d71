"""The eligibility rule: every requirement, met or not, with why and evidence."""

import datetime

import pytest

from certificates.eligibility import eligibility
from competencies import services as records
from courses.models import LessonProgress
from tests.experience import set_experience_hours

pytestmark = pytest.mark.django_db


def test_a_complete_record_is_eligible_with_evidence_for_each_requirement(complete):
    report = eligibility(complete.enrolment_a)
    assert report.eligible, [(r.key, r.why) for r in report.missing]
    assert len(report.requirements) == 4 + 23
    c1 = next(r for r in report.requirements if r.key == "outcome:C1")
    assert any("Signed off by" in e for e in c1.evidence)
    assert "Written reflection: Practice evidence for C1" in c1.evidence
    e1 = next(r for r in report.requirements if r.key == "outcome:E1")
    assert e1.evidence == ("1:00 of 1:00 consultation hours confirmed",)
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
        (lambda w: type(w.enrolment_a).objects.filter(pk=w.enrolment_a.pk).update(license_expires_on=datetime.date(2020, 1, 1)), "license:current", "Expired on 1 Jan 2020"),
        (lambda w: _withdraw_signoff(w, "C5"), "outcome:C5", "1 more trainer sign-off"),
        (lambda w: _withdraw_signoff(w, "K2"), "outcome:K2", "1 more trainer sign-off"),
        (lambda w: LessonProgress.objects.filter(lesson_id__in=__import__("cms.models", fromlist=["LessonPage"]).LessonPage.objects.filter(outcome_links__code="K3").values("pk")).update(completed_at=None), "outcome:K3", "Complete 2 more lessons"),
        (lambda w: set_experience_hours(w.enrolment_a.framework_version_id, E2=5), "outcome:E2", "4:00 more confirmed consultation hours"),
    ],
)
def test_each_missing_requirement_is_reported_with_why(complete, break_it, key, why):
    break_it(complete)
    report = eligibility(type(complete.enrolment_a).objects.get(pk=complete.enrolment_a.pk))
    assert not report.eligible
    assert [r.key for r in report.missing] == [key]
    assert why in report.missing[0].why
