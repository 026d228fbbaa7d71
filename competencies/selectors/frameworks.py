"""Reads of outcome frameworks."""

from ..models import FrameworkVersion, Outcome


def latest_published_version(*, framework_id: int) -> FrameworkVersion | None:
    return (
        FrameworkVersion.objects.published()
        .filter(framework_id=framework_id)
        .order_by("-number")
        .first()
    )


def outcomes_by_category(*, program) -> list[dict]:
    """The program's current outcomes grouped Knowledge, Competency, Experience (one query)."""
    if program.framework_id is None:
        return []
    outcomes = list(
        Outcome.objects.filter(
            version__framework_id=program.framework_id, version__published_at__isnull=False
        )
        .select_related("version")
        .order_by("-version__number", "position")
    )
    if not outcomes:
        return []
    newest = outcomes[0].version_id
    groups = {c: [] for c in Outcome.Category.values}
    for outcome in outcomes:
        if outcome.version_id == newest:
            groups[outcome.category].append(outcome)
    return [
        {"category": Outcome.Category(c).label, "outcomes": items}
        for c, items in groups.items()
        if items
    ]


def framework_codes(*, framework_id: int) -> set[str]:
    """Every code any published version of the framework has used."""
    return set(
        Outcome.objects.filter(
            version__framework_id=framework_id, version__published_at__isnull=False
        ).values_list("code", flat=True)
    )


def outcome_code_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Choices for the lesson editor: codes of published frameworks, grouped by category.
    Experience outcomes are left out: consultation hours meet them, not lessons."""
    seen: dict[str, tuple[str, str]] = {}
    rows = (
        Outcome.objects.filter(version__published_at__isnull=False)
        .exclude(category=Outcome.Category.EXPERIENCE)
        .order_by("-version__number", "position")
        .values_list("code", "statement", "category")
    )
    for code, statement, category in rows:
        seen.setdefault(code, (category, f"{code} — {statement[:80]}"))
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, (category, label) in seen.items():
        groups.setdefault(Outcome.Category(category).label, []).append((code, label))
    return list(groups.items())
