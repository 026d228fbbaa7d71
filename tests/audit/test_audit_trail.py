import pytest
from django.contrib.auth.models import Group

from audit.models import AppendOnlyError, AuditEvent
from audit.services import audit_record
from factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def test_an_event_cannot_be_changed_or_removed_through_the_orm():
    event = audit_record(verb="program.created", details={"note": "x"})
    event.verb = "program.deleted"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(verb="nothing")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).verb == "program.created"


def test_event_records_actor_target_ip_and_utc_time(rf):
    actor = UserFactory(email="actor@kapstone.test")
    target = UserFactory(email="target@kapstone.test")
    request = rf.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")
    request.user = actor
    event = audit_record(verb="role.granted", target=target, request=request, details={"role": "Trainer"})
    event.refresh_from_db()
    assert event.actor == actor and event.actor_email == "actor@kapstone.test"
    assert (event.target_type, event.target_id) == ("accounts.user", str(target.pk))
    # The forwarded header is the client's claim; the trail keeps the peer address.
    assert event.ip_address == "203.0.113.9"
    assert event.occurred_at.utcoffset().total_seconds() == 0


def test_the_trail_outlives_the_actor_account():
    actor = UserFactory(email="leaver@kapstone.test")
    event = audit_record(verb="program.created", actor=actor)
    actor.emailaddress_set.all().delete()
    actor.delete()
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor_email == "leaver@kapstone.test"


@pytest.mark.parametrize("change", ["add", "remove"])
def test_every_role_change_is_audited_whoever_makes_it(change):
    user = UserFactory(roles=["Trainee"] if change == "remove" else [])
    trainer_group = Group.objects.get(name="Trainer")
    if change == "remove":
        user.groups.add(trainer_group)
    before = AuditEvent.objects.count()
    getattr(user.groups, change)(trainer_group)
    event = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == before + 1
    assert event.verb == ("role.granted" if change == "add" else "role.revoked")
    assert event.details == {"role": "Trainer"} and event.target_id == str(user.pk)


def test_huge_details_are_cut_down_not_refused():
    event = audit_record(verb="import.failed", details={f"k{i}": "x" * 100 for i in range(200)})
    assert event.details["truncated"] is True
