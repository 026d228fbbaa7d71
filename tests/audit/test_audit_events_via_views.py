"""Each audited action, driven through its page, writes exactly one event naming who
did it to what — and the chain still verifies afterwards."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


class NewEvents:
    """The events written since it was made."""

    def __init__(self):
        self.after = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def all(self):
        return list(AuditEvent.objects.filter(id__gt=self.after).order_by("id"))

    def one(self, verb: str) -> AuditEvent:
        events = [e for e in self.all() if e.verb == verb]
        assert len(events) == 1, f"expected one {verb}, got {[e.verb for e in self.all()]}"
        return events[0]


def _target(event, obj) -> bool:
    return (event.target_type, event.target_id) == (obj._meta.label_lower, str(obj.pk))


def _verifies():
    from io import StringIO

    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue().startswith("OK:")


@pytest.fixture
def decider(world, curriculum):
    world.enrolment_a.refresh_from_db()
    return world


def test_a_signoff_decision_writes_one_event(decider, client):
    from competencies import services
    from competencies.models import SignOff

    item = services.evidence_add(actor=decider.trainee_a, enrolment=decider.enrolment_a,
                                 outcome_code="C1", kind="written", text="Case reflection")
    pending = services.signoff_request(actor=decider.trainee_a, enrolment=decider.enrolment_a,
                                       outcome_code="C1", evidence_ids=[item.pk])
    client.force_login(decider.trainer_a)
    new = NewEvents()
    client.post(reverse("competencies:trainer_decide", args=[decider.enrolment_a.pk, "C1"]),
                {"decision": "met", "request_id": pending.pk})
    event = new.one("signoff.decided")
    assert [e.verb for e in new.all()] == ["signoff.decided"]
    assert event.actor == decider.trainer_a and _target(event, SignOff.objects.get())
    assert event.details["decision"] == "met" and _verifies()


def test_an_hours_confirmation_writes_one_event(world, client):
    from consultation.services import session_log

    session = session_log(
        actor=world.trainee_a, enrolment=world.enrolment_a, trainer=world.trainer_a,
        date=timezone.localdate() - datetime.timedelta(days=2), minutes=60, category="E1",
    )
    client.force_login(world.trainer_a)
    new = NewEvents()
    client.post(reverse("consultation:session_confirm", args=[session.pk]), {"revision": session.revision})
    event = new.one("consultation.confirmed")
    assert [e.verb for e in new.all()] == ["consultation.confirmed"]
    assert event.actor == world.trainer_a and _target(event, session) and _verifies()


def test_issuing_a_certificate_writes_one_event(complete, client, django_capture_on_commit_callbacks):
    from certificates.models import Certificate

    client.force_login(complete.admin)
    new = NewEvents()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("certificates:issue", args=[complete.cohort.pk]),
                    {"enrolment": [complete.enrolment_a.pk], "step": "confirm", "confirm": "on"})
    event = new.one("certificate.issued")
    assert event.actor == complete.admin and _target(event, Certificate.objects.get())
    assert _verifies()


def test_revoking_a_certificate_writes_one_event(complete, client, django_capture_on_commit_callbacks):
    from certificates.services import certificate_issue

    certificate, _ = certificate_issue(actor=complete.admin, enrolment=complete.enrolment_a)
    client.force_login(complete.admin)
    new = NewEvents()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("certificates:revoke", args=[certificate.pk]),
                    {"reason": "License suspended by the board.", "confirm": "on"})
    event = new.one("certificate.revoked")
    assert [e.verb for e in new.all()] == ["certificate.revoked"]
    assert event.actor == complete.admin and _target(event, certificate) and _verifies()


@pytest.mark.parametrize("change", ["grant", "revoke"])
def test_a_role_change_on_the_people_page_writes_one_event(world, client, change):
    """Program admins change roles on Kapstone's people page; one event per submission,
    naming the roles granted or revoked."""
    from core.roles import forget_roles, roles_of

    user = world.trainee_b
    trainer = Group.objects.get(name="Trainer")
    if change == "revoke":
        user.groups.add(trainer)
        forget_roles(user)
    roles = set(roles_of(user))
    roles = roles | {"Trainer"} if change == "grant" else roles - {"Trainer"}
    client.force_login(world.admin)
    new = NewEvents()
    response = client.post(reverse("accounts:person_edit", args=[user.pk]), {
        "email": user.email, "full_name": user.full_name, "is_active": "on",
        "roles": sorted(roles),
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    event = new.one("person.changed")
    assert [e.verb for e in new.all()] == ["person.changed"]
    assert event.actor == world.admin and _target(event, user)
    key = "roles_granted" if change == "grant" else "roles_revoked"
    assert event.details == {key: ["Trainer"]} and _verifies()


def test_assigning_and_unassigning_a_trainer_in_the_admin_write_one_event_each(world, client):
    from courses.models import TrainerAssignment

    client.force_login(world.admin)
    new = NewEvents()
    client.post(reverse("courses_trainerassignment:add"), {
        "trainer": world.trainer_unassigned.pk, "trainee": world.trainee_b.pk,
        "cohort": world.cohort.pk, "role": "assessor", "starts_on": timezone.localdate().isoformat(),
    })
    assignment = TrainerAssignment.objects.get(trainer=world.trainer_unassigned)
    event = new.one("assignment.created")
    # The trainer already holds the Trainer role, so no role event rides along.
    assert [e.verb for e in new.all()] == ["assignment.created"]
    assert event.actor == world.admin and _target(event, assignment)

    new = NewEvents()
    client.post(reverse("courses_trainerassignment:edit", args=[assignment.pk]),
                {"ends_on": timezone.localdate().isoformat()})
    event = new.one("assignment.ended")
    assert [e.verb for e in new.all()] == ["assignment.ended"]
    assert event.actor == world.admin and _target(event, assignment) and _verifies()


@pytest.mark.parametrize("who, method, url", [
    # Refused by the URL's policy (403), whatever the method.
    ("trainee_a", "get", lambda w: reverse("courses:admin_home")),
    ("trainee_a", "post", lambda w: reverse("certificates:issue", args=[w.cohort.pk])),
    ("trainer_a", "post", lambda w: reverse("courses_trainerassignment:add")),
    ("curriculum_editor", "get", lambda w: reverse("courses:trainer_home")),
    ("program_admin", "get", lambda w: reverse("admin:index")),
    # Refused by a record scope: another trainee's record is a 404 that is still audited.
    ("trainer_a", "get", lambda w: reverse("consultation:my_hours")),
    # Admitted to Wagtail's admin but refused by its model permissions (a redirect).
    ("curriculum_editor", "get", lambda w: reverse("courses_trainerassignment:add")),
    ("curriculum_editor", "post", lambda w: reverse("wagtailusers_users:edit", args=[w.trainee_a.pk])),
    ("trainer_unassigned", "get", lambda w: reverse("competencies:trainer_trainee", args=[w.enrolment_a.pk])),
    ("trainee_b", "get", lambda w: reverse("competencies:my_outcome", args=[w.enrolment_a.pk, "C1"])),
])
def test_refused_access_writes_one_event(world, client, who, method, url):
    user = world.users()[who]
    client.force_login(user)
    target = url(world)
    new = NewEvents()
    response = getattr(client, method)(target)
    assert response.status_code in (403, 404) or response["Location"] == reverse("wagtailadmin_home")
    event = new.one("access.refused")
    assert [e.verb for e in new.all()] == ["access.refused"]
    assert event.actor == user and event.details["path"] == target


def test_a_wagtail_refusal_is_audited_and_the_editor_still_reads_why(world, client):
    """Recognised from Wagtail's public answer (redirect + message), without patching
    Wagtail: the message still reaches the admin home it redirects to."""
    import wagtail.admin.auth

    assert wagtail.admin.auth.permission_denied.__module__ == "wagtail.admin.auth"
    client.force_login(world.editor)
    new = NewEvents()
    response = client.get(reverse("courses_trainerassignment:add"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("wagtailadmin_home")
    assert "Sorry, you do not have permission to access this area." in response.content.decode()
    event = new.one("access.refused")
    assert event.details["policy"] == "wagtail-permissions"
    assert [e.verb for e in new.all()] == ["access.refused"]


def test_other_admin_messages_and_redirects_are_not_refusals(world, client):
    client.force_login(world.editor)
    new = NewEvents()
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    assert new.all() == []


def test_an_anonymous_visitor_sent_to_sign_in_writes_no_event(world, client):
    """Documented choice (core/access.py): a sign-in redirect has no actor to audit."""
    new = NewEvents()
    response = client.get(reverse("courses:admin_home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert new.all() == []
