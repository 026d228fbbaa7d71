"""Framework versions for tests: the next version of a framework as a draft copy of the
latest one (what importing the same framework again makes), and publishing it.

The site publishes a version only by loading a bundled framework; imported drafts have
no publishing screen yet, so tests make their later versions here, in the database.
"""

from django.utils import timezone

from competencies.models import FrameworkVersion, Outcome


def draft_copy(framework) -> FrameworkVersion:
    latest = framework.versions.order_by("-number").first()
    draft = FrameworkVersion.objects.create(framework=framework, number=latest.number + 1)
    Outcome.objects.bulk_create(
        Outcome(
            version=draft, identifier=o.identifier, code=o.code, uri=o.uri, category=o.category,
            statement=o.statement, evidence_rule=o.evidence_rule, position=o.position,
            hours_required=o.hours_required, consultation_kind=o.consultation_kind,
        )
        for o in latest.outcomes.all()
    )
    return draft


def publish(version: FrameworkVersion) -> FrameworkVersion:
    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])
    return version
