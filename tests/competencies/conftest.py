"""Fixtures for the framework interchange tests."""

import pytest


@pytest.fixture
def frameworks_snapshot():
    """``snapshot()`` counts every row an import could write, to prove a refusal wrote none."""
    from audit.models import AuditEvent
    from competencies.models import Framework, FrameworkVersion, Outcome

    def snapshot() -> dict[str, int]:
        return {
            "frameworks": Framework.objects.count(),
            "versions": FrameworkVersion.objects.count(),
            "outcomes": Outcome.objects.count(),
            "imports audited": AuditEvent.objects.filter(verb="framework.imported").count(),
        }

    return snapshot
