"""The one writer every import shares.

``framework_plan_save`` checks what only the database knows (which framework, whether
it already has a draft, whose URI this is), then writes the framework, the draft
version, its outcomes and the ``framework.imported`` audit event in one transaction.
A refusal leaves nothing behind.
"""

from django.db import transaction
from django.utils.text import slugify

from audit.services import audit_record

from ..models import Framework, FrameworkVersion, Outcome
from .common import FrameworkPlan
from .report import ImportReport, reject_if

TITLE_MAX = Framework._meta.get_field("title").max_length
SLUG_MAX = Framework._meta.get_field("slug").max_length


def _unique_title(title: str, report: ImportReport, where: str) -> str:
    title = title[:TITLE_MAX]
    if not Framework.objects.filter(title=title).exists():
        return title
    n = 2
    while Framework.objects.filter(title=f"{title[: TITLE_MAX - 6]} ({n})").exists():
        n += 1
    renamed = f"{title[: TITLE_MAX - 6]} ({n})"
    report.warnings.append(
        f"{where}: another framework is already called “{title}”; this one is called “{renamed}”."
    )
    return renamed


def _unique_slug(title: str) -> str:
    base = slugify(title)[: SLUG_MAX - 4].strip("-") or "framework"
    slug, n = base, 1
    while Framework.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def framework_plan_save(
    *, plan: FrameworkPlan, report: ImportReport, actor=None, request=None, file_format: str
) -> FrameworkVersion:
    """Write a checked plan as a new draft version; reject it if the database disagrees.

    A known framework (same identifier) gets its next version number; an unknown one is
    created. The database is only read until every check has passed.
    """
    framework = Framework.objects.select_for_update().filter(identifier=plan.identifier).first()
    number = 1
    if framework is not None:
        latest = framework.versions.order_by("-number").first()
        if latest is not None and not latest.is_published:
            report.problems.append(
                f"{plan.where}: framework “{framework.slug}” already has a draft "
                f"(v{latest.number}); publish it before importing another version."
            )
        number = latest.number + 1 if latest else 1
        if plan.title and plan.title != framework.title:
            report.warnings.append(
                f"{plan.where}: the file calls the framework “{plan.title}”; it keeps its title "
                f"“{framework.title}”."
            )
    else:
        other = Framework.objects.filter(uri=plan.uri).first()
        if other is not None:
            report.problems.append(
                f"{plan.where}: the URI {plan.uri} already belongs to framework “{other.slug}”, "
                "whose identifier is different."
            )
    reject_if(report)

    if framework is None:
        title = _unique_title(plan.title, report, plan.where)
        framework = Framework.objects.create(
            identifier=plan.identifier, title=title, slug=_unique_slug(title), uri=plan.uri,
            description=plan.description,
        )
        report.framework_created = True
    version = FrameworkVersion.objects.create(framework=framework, number=number, notes=plan.notes)
    Outcome.objects.bulk_create(
        Outcome(
            version=version, identifier=o.identifier, uri=o.uri, code=o.code,
            statement=o.statement, category=o.category, evidence_rule=o.evidence_rule,
            hours_required=o.hours_required, consultation_kind=o.consultation_kind,
            position=o.position,
        )
        for o in plan.outcomes
    )
    report.version = version
    report.outcomes = len(plan.outcomes)
    report.by_category = {
        str(choice.label): n
        for choice in Outcome.Category
        if (n := sum(1 for o in plan.outcomes if o.category == choice.value))
    }
    audit_record(
        verb="framework.imported", target=version, actor=actor, request=request,
        details={
            "format": file_format, "file": report.source_name[:200], "outcomes": report.outcomes,
            "framework_created": report.framework_created, "warnings": len(report.warnings),
        },
    )
    return version
