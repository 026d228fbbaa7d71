"""Helpers for tests of experience (consultation hours) requirements."""


def set_experience_hours(version_id, **hours) -> None:
    """Give experience outcomes of a version other hours (``E1=1``). A published version
    is immutable in the app (``Outcome.save`` refuses), so the rows are updated directly,
    as if the version had been published with these figures."""
    from competencies.models import Outcome

    for code, value in hours.items():
        assert Outcome.objects.filter(version_id=version_id, code=code).update(hours_required=value) == 1
