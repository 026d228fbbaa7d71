import json
import unicodedata
import uuid
from pathlib import Path, PurePath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.services import audit_record
from cms.models import LessonPage
from courses.models import Enrolment, LessonProgress, Reflection, TrainerAssignment
from courses.permissions import is_assigned
from notifications.services import notify

from .models import EvidenceItem, Framework, FrameworkVersion, Outcome, SignOff, SignOffRequest
from .standing import records_changed

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
            hours_required=item.get("hours_required"),
            consultation_kind=item.get("consultation_kind", ""),
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


# --- A trainee's record: evidence, requests for review, decisions ----------------

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# Extension → (content type to serve, the bytes a genuine file of that kind starts with).
EVIDENCE_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    ".txt": ("text/plain", ()),
}
TEXT_MAX_CHARS = 20_000


def _outcome(enrolment, code: str) -> Outcome:
    outcome = Outcome.objects.filter(version_id=enrolment.framework_version_id, code=code).first()
    if outcome is None:
        raise ValidationError(f"{code} is not an outcome of this trainee's framework.")
    return outcome


# A photo from any phone camera is under 50 megapixels; a "decompression bomb" is a
# small file that claims far more and would take gigabytes to open.
EVIDENCE_MAX_PIXELS = 40_000_000


def clean_upload_name(raw: str | None) -> str:
    """The file's own name as a harmless label: no folders (of either slash), no
    control or invisible format characters (NUL, CR/LF, right-to-left overrides)."""
    name = PurePath((raw or "").replace("\\", "/")).name
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip(" .")
    return name[:150]


def _check_image(upload, suffix: str) -> None:
    from PIL import Image

    try:
        with Image.open(upload) as image:
            width, height = image.size
            if width * height > EVIDENCE_MAX_PIXELS:
                raise ValidationError({"file": (
                    f"This image is {width:,} × {height:,} pixels; the limit is "
                    f"{EVIDENCE_MAX_PIXELS // 1_000_000} megapixels. Resize it and upload it again."
                )})
            image.verify()
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise ValidationError({"file": (
            f"This image claims more than {EVIDENCE_MAX_PIXELS // 1_000_000} megapixels. "
            "Resize it and upload it again."
        )}) from None
    except Exception:  # Pillow raises many kinds of error for a damaged file.
        raise ValidationError({"file": f"This file is not a readable {suffix.lstrip('.').upper()} image."}) from None
    finally:
        upload.seek(0)


def _check_upload(upload) -> tuple[str, str]:
    """Refuse files by size, extension and content; returns (content type, clean name)."""
    name = clean_upload_name(upload.name) or "evidence"
    suffix = Path(name).suffix.lower()
    if suffix not in EVIDENCE_TYPES:
        allowed = ", ".join(sorted(s.lstrip(".").upper() for s in EVIDENCE_TYPES))
        raise ValidationError({"file": f"Upload a {allowed} file."})
    if upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError({"file": f"Files can be at most {EVIDENCE_MAX_BYTES // (1024 * 1024)} MB."})
    if upload.size == 0:
        raise ValidationError({"file": "The file is empty."})
    content_type, signatures = EVIDENCE_TYPES[suffix]
    head = upload.read(2048)
    upload.seek(0)
    if signatures and not any(head.startswith(sig) for sig in signatures):
        raise ValidationError({"file": f"This file is not a real {suffix.lstrip('.').upper()} file."})
    if suffix in (".png", ".jpg", ".jpeg"):
        _check_image(upload, suffix)
    if suffix == ".txt":
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError({"file": "Text files must be UTF-8."}) from None
    return content_type, name


@transaction.atomic
def evidence_add(
    *,
    actor,
    enrolment,
    outcome_code: str,
    kind: str,
    title: str = "",
    text: str = "",
    upload=None,
    lesson_id: int | None = None,
    reflection_id: int | None = None,
) -> "EvidenceItem":
    """A trainee attaches evidence to one of their outcomes."""
    if actor.pk != enrolment.trainee_id:
        raise ValidationError("Only the trainee adds evidence to their own record.")
    outcome = _outcome(enrolment, outcome_code)
    if outcome.evidence_rule == Outcome.EvidenceRule.HOURS:
        raise ValidationError("Experience outcomes are met by confirmed consultation hours.")
    item = EvidenceItem(enrolment=enrolment, outcome_code=outcome.code, kind=kind)
    title = (title or "").strip()[:200]
    if kind == EvidenceItem.Kind.WRITTEN:
        text = (text or "").strip()
        if not text:
            raise ValidationError({"text": "Write your reflection."})
        if len(text) > TEXT_MAX_CHARS:
            raise ValidationError({"text": f"Keep it under {TEXT_MAX_CHARS:,} characters."})
        item.text, item.title = text, title or "Written reflection"
    elif kind == EvidenceItem.Kind.FILE:
        if upload is None:
            raise ValidationError({"file": "Choose a file to upload."})
        item.content_type, item.original_name = _check_upload(upload)
        item.size = upload.size
        item.title = title or item.original_name
        item.file.save(item.original_name, upload, save=False)
    elif kind == EvidenceItem.Kind.LESSON:
        progress = (
            LessonProgress.objects.completed()
            .filter(enrolment=enrolment, lesson_id=lesson_id)
            .first()
        )
        if progress is None:
            raise ValidationError({"lesson": "Choose a lesson you have completed."})
        item.lesson_id = lesson_id
        item.title = title or LessonPage.objects.filter(pk=lesson_id).values_list("title", flat=True).first() or "Lesson"
    elif kind == EvidenceItem.Kind.REFLECTION:
        reflection = Reflection.objects.filter(pk=reflection_id, enrolment=enrolment).first()
        if reflection is None:
            raise ValidationError({"reflection": "Choose one of your lesson reflections."})
        item.reflection = reflection
        item.title = title or f"Reflection: {reflection.prompt[:150]}"
    else:
        raise ValidationError({"kind": "Choose what kind of evidence this is."})
    item.save()
    audit_record(
        verb="evidence.added", target=item, actor=actor,
        details={"outcome": outcome.code, "kind": kind},
    )
    return item


def _withdraw_pending_requests_using(item: "EvidenceItem", actor) -> list["SignOffRequest"]:
    """Close the pending review requests that include ``item`` (it is about to change or
    go): a trainer must not decide on evidence that is no longer what was sent."""
    pending = list(SignOffRequest.objects.pending().select_for_update().filter(evidence=item))
    for request in pending:
        request.closed_at = timezone.now()
        request.save(update_fields=["closed_at"])
        audit_record(verb="signoff.request_withdrawn", target=request, actor=actor,
                     details={"outcome": request.outcome_code, "because": f"evidence {item.pk} changed"})
    return pending


def _editable_evidence(actor, item: "EvidenceItem") -> "EvidenceItem":
    item = EvidenceItem.objects.select_for_update().select_related("enrolment").get(pk=item.pk)
    if actor.pk != item.enrolment.trainee_id:
        raise ValidationError("Only the trainee changes their own evidence.")
    if SignOff.objects.filter(request__evidence=item).exists():
        raise ValidationError("A trainer has decided on this evidence; it stays as it was.")
    return item


@transaction.atomic
def evidence_update(*, actor, item: "EvidenceItem", title: str, text: str = "") -> tuple["EvidenceItem", list]:
    """The trainee corrects an evidence item's title (and a written reflection's text)
    until a decision uses it. Returns the item and the pending requests this withdrew."""
    item = _editable_evidence(actor, item)
    title = (title or "").strip()[:200]
    if not title:
        raise ValidationError({"title": "Give the evidence a title."})
    if item.kind == EvidenceItem.Kind.WRITTEN:
        text = (text or "").strip()
        if not text:
            raise ValidationError({"text": "Write your reflection."})
        if len(text) > TEXT_MAX_CHARS:
            raise ValidationError({"text": f"Keep it under {TEXT_MAX_CHARS:,} characters."})
        item.text = text
    item.title = title
    item.save(update_fields=["title", "text"])
    withdrawn = _withdraw_pending_requests_using(item, actor)
    audit_record(verb="evidence.updated", target=item, actor=actor, details={"outcome": item.outcome_code})
    return item, withdrawn


@transaction.atomic
def evidence_remove(*, actor, item: "EvidenceItem") -> list["SignOffRequest"]:
    """The trainee removes evidence no decision has used; pending requests that include
    it are withdrawn (returned). Audited; a stored file goes with the item."""
    item = _editable_evidence(actor, item)
    withdrawn = _withdraw_pending_requests_using(item, actor)
    audit_record(verb="evidence.removed", target=item, actor=actor,
                 details={"outcome": item.outcome_code, "kind": item.kind, "title": item.title})
    stored = item.file.name if item.file else ""
    storage = item.file.storage if item.file else None
    item.delete()
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))
    return withdrawn


@transaction.atomic
def signoff_request_withdraw(*, actor, request: "SignOffRequest") -> "SignOffRequest":
    """The trainee takes back a review request no trainer has decided on yet."""
    request = SignOffRequest.objects.select_for_update().select_related("enrolment").get(pk=request.pk)
    if actor.pk != request.enrolment.trainee_id:
        raise ValidationError("Only the trainee withdraws their own request.")
    if request.closed_at is not None:
        raise ValidationError("This request has been decided or withdrawn already.")
    request.closed_at = timezone.now()
    request.save(update_fields=["closed_at"])
    audit_record(verb="signoff.request_withdrawn", target=request, actor=actor,
                 details={"outcome": request.outcome_code})
    return request


@transaction.atomic
def signoff_request(*, actor, enrolment, outcome_code: str, message: str = "", evidence_ids=()) -> "SignOffRequest":
    """The trainee asks their trainers to review an outcome."""
    if actor.pk != enrolment.trainee_id:
        raise ValidationError("Only the trainee asks for review of their own record.")
    outcome = _outcome(enrolment, outcome_code)
    if outcome.evidence_rule == Outcome.EvidenceRule.HOURS:
        raise ValidationError("Experience outcomes are met by confirmed consultation hours, not review.")
    if SignOffRequest.objects.pending().filter(enrolment=enrolment, outcome_code=outcome.code).exists():
        raise ValidationError(f"{outcome.code} is already waiting for review.")
    evidence = list(EvidenceItem.objects.filter(
        pk__in=list(evidence_ids), enrolment=enrolment, outcome_code=outcome.code
    ))
    if len(evidence) != len(set(evidence_ids)):
        raise ValidationError({"evidence": "Choose evidence from this outcome of your own record."})
    request = SignOffRequest.objects.create(
        enrolment=enrolment, outcome_code=outcome.code, message=(message or "").strip()[:5000]
    )
    request.evidence.set(evidence)
    audit_record(verb="signoff.requested", target=request, actor=actor, details={"outcome": outcome.code})
    trainers = (
        TrainerAssignment.objects.current()
        .filter(trainee_id=enrolment.trainee_id, cohort_id=enrolment.cohort_id)
        .exclude(trainer_id=enrolment.trainee_id)
        .select_related("trainer")
        .order_by("trainer__email")
    )
    notify([assignment.trainer for assignment in trainers], "signoff_requested", {
        "trainee": str(enrolment.trainee), "outcome_code": outcome.code,
        "outcome_statement": outcome.statement,
    })
    return request


@transaction.atomic
def signoff_decide(
    *, trainer, enrolment, outcome_code: str, decision: str, comment: str = "", request=None
) -> "SignOff":
    """An assigned trainer decides *met* or *not yet* on one outcome.

    Decisions are appended, never edited. Deciding on a request locks it first, so two
    trainers deciding at once leave one decision on the request and a clear refusal.
    """
    if trainer.pk == enrolment.trainee_id:
        raise ValidationError("Nobody signs off their own record.")
    if not is_assigned(trainer, enrolment.trainee, enrolment.cohort):
        raise ValidationError("Only a trainer assigned to this trainee decides.")
    outcome = _outcome(enrolment, outcome_code)
    if outcome.evidence_rule == Outcome.EvidenceRule.HOURS:
        raise ValidationError("Experience outcomes are met by confirmed consultation hours.")
    if decision not in SignOff.Decision.values:
        raise ValidationError({"decision": "Choose met or not yet."})
    comment = (comment or "").strip()
    if decision == SignOff.Decision.NOT_YET and not comment:
        raise ValidationError({"comment": "Say what is still needed when deciding not yet."})
    if request is not None:
        request = SignOffRequest.objects.select_for_update().get(pk=request.pk)
        if (request.enrolment_id, request.outcome_code) != (enrolment.pk, outcome.code):
            raise ValidationError("This request is for another record.")
        if request.closed_at is not None:
            raise ValidationError("This request has already been decided.")
        request.closed_at = timezone.now()
        request.save(update_fields=["closed_at"])
    signoff = SignOff.objects.create(
        enrolment=enrolment, outcome_code=outcome.code, trainer=trainer,
        decision=decision, comment=comment[:5000], request=request,
    )
    audit_record(
        verb="signoff.decided", target=signoff, actor=trainer,
        details={"outcome": outcome.code, "decision": decision, "request": getattr(request, "pk", None)},
    )
    notify(enrolment.trainee, "signoff_decided", {
        "trainer": str(trainer), "outcome_code": outcome.code,
        "decision": signoff.get_decision_display(), "comment": comment,
    })
    return signoff


def review_digest_send() -> int:
    """E-mail every trainer a list of the open requests from their assigned trainees,
    oldest first. Returns the number of trainers written to. Idempotent per run: it only
    reads, and each trainer gets one message."""
    pending = list(
        SignOffRequest.objects.pending()
        .select_related("enrolment__trainee", "enrolment__cohort")
        .order_by("requested_at")
    )
    if not pending:
        return 0
    by_record = {(r.enrolment.trainee_id, r.enrolment.cohort_id): [] for r in pending}
    for r in pending:
        by_record[(r.enrolment.trainee_id, r.enrolment.cohort_id)].append(r)
    waiting: dict[str, list[dict]] = {}
    for trainer_email, trainee_id, cohort_id in (
        TrainerAssignment.objects.current()
        .filter(trainee_id__in={k[0] for k in by_record}, cohort_id__in={k[1] for k in by_record})
        .exclude(trainer_id=F("trainee_id"))
        .values_list("trainer__email", "trainee_id", "cohort_id")
        .distinct()
    ):
        for r in by_record.get((trainee_id, cohort_id), []):
            entry = {"outcome_code": r.outcome_code, "trainee": str(r.enrolment.trainee),
                     "requested_at": r.requested_at}
            if entry not in waiting.setdefault(trainer_email, []):
                waiting[trainer_email].append(entry)
    for email, requests in waiting.items():
        notify(email, "signoff_review_digest", {"requests": requests})
    return len(waiting)


# --- Versions ---------------------------------------------------------------------


@transaction.atomic
def framework_version_publish(*, actor, version: FrameworkVersion) -> FrameworkVersion:
    """Publish a draft version (an import arrives as one), so programs and enrolments can
    be pinned to it. Published versions never change again (``Outcome.save``)."""
    version = FrameworkVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise ValidationError(f"{version} is already published.")
    outcomes = version.outcomes.count()
    if not outcomes:
        raise ValidationError(f"{version} has no outcomes; import them before publishing.")
    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])
    audit_record(verb="framework.published", target=version, actor=actor,
                 details={"outcomes": outcomes})
    return version


@transaction.atomic
def enrolment_move_version(*, actor, enrolment, version: FrameworkVersion, mapping: dict[str, str]):
    """Move an enrolment to a newer published version of its framework.

    ``mapping`` takes each old outcome code to the new code that replaces it. Evidence
    and open requests follow the mapping; every trainer's latest decision is carried
    as a new decision on the new code (decisions are never rewritten). Codes that stay
    the same need no mapping. Written to the audit trail with the mapping.
    """
    if actor is not None and actor.pk == enrolment.trainee_id:
        # The mapping carries sign-offs onto new outcomes: nobody maps their own.
        raise ValidationError("Nobody moves their own record; another program admin must.")
    # Only the enrolment's row: PostgreSQL refuses FOR UPDATE on the nullable side of
    # the outer join to its version, and the version is only read.
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",)).select_related("framework_version")
        .get(pk=enrolment.pk)
    )
    current = enrolment.framework_version
    version = FrameworkVersion.objects.get(pk=version.pk)
    if current is None or version.framework_id != current.framework_id:
        raise ValidationError("Choose a version of the enrolment's own framework.")
    if not version.is_published or version.number <= current.number:
        raise ValidationError("Move only to a newer, published version.")
    old_codes = set(current.outcomes.values_list("code", flat=True))
    new_codes = set(version.outcomes.values_list("code", flat=True))
    mapping = {old: new for old, new in mapping.items() if new}
    unknown = {old for old in mapping if old not in old_codes} | {
        new for new in mapping.values() if new not in new_codes
    }
    if unknown:
        raise ValidationError(f"Not outcomes of these versions: {', '.join(sorted(unknown))}.")
    renamed = {old: new for old, new in mapping.items() if old != new}
    for old, new in renamed.items():
        EvidenceItem.objects.filter(enrolment=enrolment, outcome_code=old).update(outcome_code=new)
        SignOffRequest.objects.filter(enrolment=enrolment, outcome_code=old).update(outcome_code=new)
        records_changed([enrolment.pk])  # the updates above send no signals
        latest: dict[int, SignOff] = {}
        for decision in SignOff.objects.filter(enrolment=enrolment, outcome_code=old):
            latest[decision.trainer_id] = decision
        for decision in latest.values():
            SignOff.objects.create(
                enrolment=enrolment, outcome_code=new, trainer_id=decision.trainer_id,
                decision=decision.decision, request=None,
                comment=(decision.comment + "\n" if decision.comment else "")
                + f"(Carried from {old}, {current}, decided {decision.decided_at:%Y-%m-%d}.)",
            )
    enrolment.framework_version = version
    enrolment.save(update_fields=["framework_version", "updated_at"])
    audit_record(
        verb="enrolment.version_moved", target=enrolment, actor=actor,
        details={"from": current.number, "to": version.number, "mapping": renamed},
    )
    return enrolment
