import json
import uuid
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record

from .models import Framework, FrameworkVersion, Outcome

BUNDLED_KAP_FRAMEWORK = Path(__file__).resolve().parent / "data" / "kap_framework_v1.json"


@transaction.atomic
def framework_load_bundled(*, path: Path = BUNDLED_KAP_FRAMEWORK, actor=None) -> FrameworkVersion:
    """Create (once) and publish the framework version described by a bundled file.

    Loading the same file again returns the existing version unchanged: a published
    version is never rewritten.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    # Identifiers derive from the framework URI, so every installation that loads the
    # bundled file exports the same CASE identifiers.
    framework, _ = Framework.objects.get_or_create(
        slug=data["slug"],
        defaults={
            "title": data["title"], "uri": data["uri"], "description": data["description"],
            "identifier": uuid.uuid5(uuid.NAMESPACE_URL, data["uri"]),
        },
    )
    version = FrameworkVersion.objects.filter(framework=framework, number=data["version"]).first()
    if version is not None:
        return version
    version = FrameworkVersion.objects.create(framework=framework, number=data["version"])
    Outcome.objects.bulk_create(
        Outcome(
            version=version,
            identifier=uuid.uuid5(uuid.NAMESPACE_URL, f"{framework.uri}/outcomes/{item['code']}"),
            code=item["code"],
            uri=f"{framework.uri}/outcomes/{item['code']}",
            category=item["category"],
            evidence_rule=item["evidence_rule"],
            statement=item["statement"],
            position=position,
        )
        for position, item in enumerate(data["outcomes"])
    )
    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])
    audit_record(
        verb="framework.published", target=version, actor=actor,
        details={"outcomes": len(data["outcomes"])},
    )
    return version
