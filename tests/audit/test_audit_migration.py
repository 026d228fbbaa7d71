"""Events written before the chain existed are chained by the migration that adds it."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from audit.models import AuditEvent

# serialized_rollback: like every transactional test here, so the flush after it does not
# re-create the roles (post_migrate) under the next test's restored copy of them.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def test_the_migration_chains_existing_events_so_they_verify(capsys):
    old_apps = _migrate(("audit", "0001_initial"))
    try:
        OldEvent = old_apps.get_model("audit", "AuditEvent")
        for n in range(4):
            OldEvent.objects.create(verb=f"legacy.{n}", details={"n": n}, actor_email="old@kapstone.test",
                                    ip_address="2001:db8::1")
        OldEvent.objects.filter(verb="legacy.0").update(
            occurred_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
        )
    finally:
        _migrate(("audit", "0002_hash_chain"))
    stored = list(AuditEvent.objects.order_by("id"))
    assert [e.verb for e in stored] == [f"legacy.{n}" for n in range(4)]
    assert all(len(e.hash) == 64 for e in stored)
    from audit.services import audit_record

    assert audit_record(verb="new.one").prev_hash == stored[-1].hash
    call_command("audit_verify")
    assert capsys.readouterr().out.startswith("OK: 5 events verified")
