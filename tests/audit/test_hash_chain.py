"""The audit trail is a hash chain that `manage.py audit_verify` walks: edits made
behind the application's back are found, and the application itself cannot make them."""

from io import StringIO

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.db import connection
from django.urls import NoReverseMatch, reverse

from audit import chain
from audit.models import AppendOnlyError, AuditEvent
from audit.services import audit_record
from factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def _verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def _broken() -> str:
    with pytest.raises(CommandError) as error:
        _verify()
    return str(error.value)


def _sql(statement: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def trail():
    actor = UserFactory(email="actor@kapstone.test")
    return [
        audit_record(verb=f"thing.{n}", actor=actor, details={"n": n, "note": "é ✓", "list": (1, 2)})
        for n in range(5)
    ]


def test_each_event_links_to_the_one_before_and_the_chain_verifies(trail):
    stored = list(AuditEvent.objects.order_by("id"))
    assert stored[0].prev_hash == chain.GENESIS
    assert [e.prev_hash for e in stored[1:]] == [e.hash for e in stored[:-1]]
    assert len({e.hash for e in stored}) == 5
    assert _verify() == f"OK: 5 events verified; head {stored[-1].hash}\n"


def test_events_appended_in_bulk_join_the_chain_in_order(trail):
    actor = trail[0].actor
    added = AuditEvent.objects.append_many(
        [AuditEvent(actor=actor, actor_email=actor.email, verb=f"bulk.{n}", details={"n": (n,)})
         for n in range(7)], batch_size=3)
    audit_record(verb="after.bulk", actor=actor)
    stored = list(AuditEvent.objects.order_by("id"))
    assert [e.verb for e in stored[5:]] == [f"bulk.{n}" for n in range(7)] + ["after.bulk"]
    assert stored[5].prev_hash == trail[-1].hash
    assert [e.prev_hash for e in stored[1:]] == [e.hash for e in stored[:-1]]
    assert [e.hash for e in added] == [e.hash for e in stored[5:12]]
    assert _verify().startswith("OK: 13 events verified")


def test_bulk_append_takes_only_new_events(trail):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.append_many([AuditEvent(verb="new"), trail[1]])
    assert AuditEvent.objects.count() == 5 and _verify().startswith("OK: 5 events")


def test_an_empty_trail_verifies(db):
    assert _verify().startswith("OK: 0 events verified")


def test_the_hash_covers_what_was_stored_not_what_was_passed_in(db):
    # Tuples come back as lists, integer keys as strings, an IPv6 address compressed.
    event = audit_record(verb="x", details={1: (1, 2)})
    assert event.details == {"1": [1, 2]}
    stored = AuditEvent.objects.get()
    assert chain.event_hash(stored.__dict__, stored.prev_hash) == stored.hash == event.hash


def _event(trail, position):
    return AuditEvent.objects.order_by("id")[position]


def test_a_detail_changed_in_the_database_is_reported_at_that_event(trail):
    victim = _event(trail, 2)
    _sql("UPDATE audit_auditevent SET details = %s WHERE id = %s", ['{"n": 99}', victim.pk])
    message = _broken()
    assert f"event #{victim.pk} (position 3)" in message and "was edited" in message
    assert "2 events before it verified" in message


@pytest.mark.parametrize("column, value", [
    ("verb", "thing.harmless"), ("actor_email", "someone.else@kapstone.test"),
    ("occurred_at", "2020-01-01 00:00:00"), ("target_repr", "Other"), ("ip_address", "10.0.0.1"),
])
def test_any_hashed_column_changed_is_found(trail, column, value):
    victim = _event(trail, 1)
    _sql(f"UPDATE audit_auditevent SET {column} = %s WHERE id = %s", [value, victim.pk])
    assert f"event #{victim.pk} " in _broken()


def test_an_edit_with_a_recomputed_hash_is_found_at_the_next_event(trail):
    victim, following = _event(trail, 1), _event(trail, 2)
    row = {**victim.__dict__, "verb": "thing.rewritten"}
    _sql("UPDATE audit_auditevent SET verb = %s, hash = %s WHERE id = %s",
         ["thing.rewritten", chain.event_hash(row, victim.prev_hash), victim.pk])
    assert f"event #{following.pk} " in _broken()


def test_a_middle_event_deleted_in_the_database_is_reported(trail):
    victim, following = _event(trail, 2), _event(trail, 3)
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])
    message = _broken()
    assert f"event #{following.pk} " in message and "does not link" in message


def test_events_reordered_in_the_database_are_reported(trail):
    first, second = _event(trail, 1), _event(trail, 2)
    _sql("UPDATE audit_auditevent SET id = -1 WHERE id = %s", [first.pk])
    _sql("UPDATE audit_auditevent SET id = %s WHERE id = %s", [first.pk, second.pk])
    _sql("UPDATE audit_auditevent SET id = %s WHERE id = -1", [second.pk])
    assert f"event #{first.pk} " in _broken()


@pytest.mark.parametrize("forged_hash", ["", "f" * 64])
def test_an_event_inserted_in_the_database_is_reported(trail, forged_hash):
    head = _event(trail, 4)
    _sql(
        "INSERT INTO audit_auditevent (occurred_at, actor_email, verb, target_type, target_id,"
        " target_repr, details, prev_hash, hash) VALUES (%s, '', 'certificate.issued', '', '',"
        " '', '{}', %s, %s)",
        [head.occurred_at, head.hash, forged_hash],
    )
    assert "was edited" in _broken()


def test_the_command_exits_non_zero_when_broken(trail):
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [_event(trail, 0).pk])
    command = load_command_class("audit", "audit_verify")
    with pytest.raises(SystemExit) as exit_:
        command.run_from_argv(["manage.py", "audit_verify"])
    assert exit_.value.code == 1


@pytest.mark.parametrize("attempt", [
    "save", "delete", "update", "queryset_delete", "bulk_update", "bulk_create",
    "upsert", "base_manager_update", "overwrite_by_id", "update_or_create", "raw_update",
])
def test_the_application_cannot_change_or_remove_an_event(trail, attempt):
    event = _event(trail, 2)
    attempts = {
        "save": lambda: (setattr(event, "verb", "x"), event.save()),
        "delete": event.delete,
        "update": lambda: AuditEvent.objects.filter(pk=event.pk).update(verb="x"),
        "queryset_delete": lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
        "bulk_update": lambda: AuditEvent.objects.bulk_update([event], ["verb"]),
        "bulk_create": lambda: AuditEvent.objects.bulk_create([AuditEvent(verb="x")]),
        "upsert": lambda: AuditEvent.objects.bulk_create(
            [AuditEvent(pk=event.pk, verb="x")], update_conflicts=True,
            unique_fields=["id"], update_fields=["verb"]),
        "base_manager_update": lambda: AuditEvent._base_manager.filter(pk=event.pk).update(verb="x"),
        "overwrite_by_id": lambda: AuditEvent(pk=event.pk, verb="x").save(),
        "update_or_create": lambda: AuditEvent.objects.update_or_create(
            pk=event.pk, defaults={"verb": "x"}),
        "raw_update": lambda: list(AuditEvent.objects.raw(
            "UPDATE audit_auditevent SET verb = 'x' RETURNING id")),
    }
    with pytest.raises(Exception) as error:  # noqa: PT011 - the kind depends on the path
        attempts[attempt]()
    assert isinstance(error.value, AppendOnlyError) or "UNIQUE" in str(error.value)
    assert AuditEvent.objects.filter(verb="x").count() == 0
    assert _verify().startswith("OK: 5 events")


def test_reading_through_raw_sql_still_works(trail):
    assert len(list(AuditEvent.objects.raw("SELECT * FROM audit_auditevent"))) == 5


def test_neither_admin_offers_a_way_to_change_an_event(trail, world, client):
    from factories.accounts import with_totp

    event = _event(trail, 0)
    # Wagtail's admin has only the listing and the inspect page for events.
    for name in ("edit", "delete", "add", "copy"):
        with pytest.raises(NoReverseMatch):
            reverse(f"audit_auditevent:{name}", args=[event.pk])
    client.force_login(world.admin)
    inspect = client.get(reverse("audit_auditevent:inspect", args=[event.pk]))
    assert inspect.status_code == 200 and "thing.0" in inspect.content.decode()
    assert event.hash in inspect.content.decode()
    for path in (f"/admin/audit_auditevent/edit/{event.pk}/", f"/admin/audit_auditevent/delete/{event.pk}/"):
        assert client.post(path, {"verb": "x"}).status_code == 404
    # Django's admin does not register events at all, even for a superuser.
    root = with_totp(UserFactory(is_staff=True, is_superuser=True))
    client.force_login(root)
    for path in (f"/django-admin/audit/auditevent/{event.pk}/change/",
                 f"/django-admin/audit/auditevent/{event.pk}/delete/"):
        assert client.post(path, {"post": "yes"}).status_code == 404
    assert _verify().startswith("OK:")


@pytest.mark.parametrize("existing", [3, 60])
def test_appending_costs_two_queries_whatever_the_length_of_the_trail(db, existing, django_assert_num_queries):
    for n in range(existing):
        audit_record(verb="thing", details={"n": n})
    # SQLite: read the head, insert. PostgreSQL adds one: the advisory lock.
    with django_assert_num_queries(2):
        audit_record(verb="thing.last")
    assert _verify().startswith(f"OK: {existing + 1} events")
