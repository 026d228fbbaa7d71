"""The audit chain on PostgreSQL: parallel writers append one after another, and the
database itself refuses to change or remove an event."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent
from audit.services import audit_record
from test_postgres_races import race

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WRITERS = 20


def _verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def _write(n: int):
    # Inside a transaction doing other work too, as a service would.
    with transaction.atomic():
        AuditEvent.objects.count()
        return audit_record(verb="parallel.write", details={"writer": n}).pk


def test_twenty_parallel_writers_extend_the_chain_by_twenty_and_it_verifies():
    for n in range(3):
        audit_record(verb="before", details={"n": n})
    before = AuditEvent.objects.count()
    outcomes = race(*[(lambda n=n: _write(n)) for n in range(WRITERS)])
    assert [kind for kind, _ in outcomes] == ["ok"] * WRITERS, outcomes
    assert AuditEvent.objects.count() == before + WRITERS
    assert sorted(AuditEvent.objects.filter(verb="parallel.write").values_list("details__writer", flat=True)) \
        == list(range(WRITERS))
    # One chain, no fork: every event but the first links to a distinct predecessor.
    assert AuditEvent.objects.values("prev_hash").distinct().count() == before + WRITERS
    assert _verify().startswith(f"OK: {before + WRITERS} events verified")


def test_appending_costs_three_queries_on_postgresql(django_assert_num_queries):
    for n in range(5):
        audit_record(verb="before", details={"n": n})
    # Inside the caller's transaction: the advisory lock, the chain head, the insert.
    with transaction.atomic(), django_assert_num_queries(3):
        audit_record(verb="after")


@pytest.mark.parametrize("statement", [
    "UPDATE audit_auditevent SET verb = 'x'",
    "DELETE FROM audit_auditevent",
])
def test_the_database_refuses_to_change_or_remove_an_event(statement):
    audit_record(verb="kept")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert list(AuditEvent.objects.values_list("verb", flat=True)) == ["kept"]


def test_an_edit_made_with_the_trigger_switched_off_is_still_found():
    events = [audit_record(verb=f"thing.{n}") for n in range(4)]
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only")
        try:
            cursor.execute("UPDATE audit_auditevent SET verb = 'thing.harmless' WHERE id = %s", [events[1].pk])
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])
        finally:
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only")
    with pytest.raises(CommandError, match=f"event #{events[1].pk} .*edited"):
        _verify()


def test_without_the_lock_a_racing_writer_is_refused_rather_than_forking_the_chain(monkeypatch):
    """The unique prev_hash is the second line: two writers that read the same head
    cannot both link to it."""
    import time

    from audit import models

    real_save = models.AppendOnlyModel.save

    def slow_insert(self, *args, **kwargs):
        time.sleep(0.05)  # widen the gap between reading the head and inserting
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(models, "lock_chain", lambda connection: None)
    monkeypatch.setattr(models.AppendOnlyModel, "save", slow_insert)
    audit_record(verb="before")
    outcomes = race(*[(lambda n=n: _write(n)) for n in range(WRITERS)])
    kinds = [kind for kind, _ in outcomes]
    assert "error" in kinds and all("prev_hash" in str(detail) for kind, detail in outcomes if kind == "error")
    assert AuditEvent.objects.count() == 1 + kinds.count("ok")
    assert _verify().startswith(f"OK: {1 + kinds.count('ok')} events verified")
