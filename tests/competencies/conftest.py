"""Fixtures for the framework interchange tests."""

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"
# /work/main/tests/competencies/conftest.py → parents[3] is the folder that holds shared/.
SHARED_INTEROP = Path(__file__).resolve().parents[3] / "shared" / "interop"


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
