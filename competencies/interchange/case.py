"""1EdTech CASE 1.0 CFPackages: export a framework version, import one as a new draft.

Export, one package per framework version:

- ``CFDocument`` is the framework: its identifier, uri, title and description,
  ``creator`` "Kapstone", ``version`` the version number, ``adoptionStatus`` "Adopted"
  once published (else "Draft"), ``lastChangeDateTime`` the publication time (the time
  of export for a draft).
- One ``CFItem`` per outcome, in order: identifier, uri, ``fullStatement`` the
  statement, ``humanCodingScheme`` the code, ``CFItemType`` the category label
  (Knowledge, Competency, Experience, each defined in ``CFDefinitions.CFItemTypes``),
  ``listEnumeration`` the 1-based position, ``notes`` the evidence rule and, for an
  Experience outcome, its consultation hours and kind.
- One ``isChildOf`` association from each item to the document, ``sequenceNumber``
  the 1-based position. Categories are item types, not grouping items, so the tree
  has one level and nothing has to be invented on the way back.

Why the evidence rule lives in ``notes``: CASE 1.0's JSON binding allows no property it
does not define (``additionalProperties: false``; ``extensions`` only arrived in CASE
1.1), so ``notes`` is the one place a strict 1.0 consumer accepts it. The line reads
``Kapstone evidence rule: coursework (Coursework and trainer sign-off).`` and is parsed
exactly on import; any other notes are not kept. An Experience outcome's notes add
``Kapstone consultation hours required: 10.`` and ``Kapstone consultation kind: cases
(About cases the trainee conducted).``, read the same way; where either is missing the
import uses 10 hours and own-experience consultation and says so in a warning.

Import reads a package (ours or anyone's) into a new draft version: a new framework
when the CFDocument identifier is unknown, else that framework's next version.

- Items become outcomes, flattened in outline order (parents before their children,
  siblings by ``sequenceNumber``, then file order). When every ``listEnumeration`` is a
  distinct whole number, as in our exports, those numbers give the order and positions.
- Codes come from ``humanCodingScheme``. Codes longer than 16 characters lose the
  prefix they all share; items without a code get their place in the outline (1.2).
- ``CFItemType`` (or ``CFItemTypeURI.title``) picks the category when it names one of
  ours; anything else is a Competency, with a warning.
- The evidence rule comes from our notes line, else from the category
  (knowledge → coursework, competency → signoff, experience → hours).
- Only ``isChildOf`` associations matter, and their ends must be in the package;
  other kinds (exactMatchOf, precedes, …) point outside by design and are skipped.

The reading and checking is in ``case_read.py``; the writing, shared with the Moodle
import, in ``save.py``.
"""

import json
import uuid
from datetime import UTC, datetime

from django.utils import timezone

from ..models import FrameworkVersion, Outcome
from .case_read import EVIDENCE_RULE_NOTE, HOURS_NOTE, KIND_NOTE, read_case_package
from .report import ImportRejected, ImportReport, check_size, decode, reject_if
from .save import framework_plan_save

CREATOR = "Kapstone"
_ITEM_TYPE_DESCRIPTIONS = {
    Outcome.Category.KNOWLEDGE: "What a graduate knows; met by coursework and trainer sign-off.",
    Outcome.Category.COMPETENCY: "What a graduate can do; met by trainer sign-off with evidence.",
    Outcome.Category.EXPERIENCE: "What a graduate has done; met by confirmed consultation hours.",
}


# --- Export -----------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _derived(uri: str) -> str:
    """A stable identifier for something that exists only in the export."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, uri))


def evidence_rule_note(rule: str) -> str:
    return f"{EVIDENCE_RULE_NOTE} {rule} ({Outcome.EvidenceRule(rule).label})."


def outcome_notes(outcome: Outcome) -> str:
    """The CFItem's notes: the evidence rule, and for an Experience outcome its hours and
    kind of consultation (CASE has no fields for them)."""
    lines = [evidence_rule_note(outcome.evidence_rule)]
    if outcome.hours_required is not None:
        lines.append(f"{HOURS_NOTE} {outcome.hours_required.normalize():f}.")
    if outcome.consultation_kind:
        lines.append(f"{KIND_NOTE} {outcome.consultation_kind} "
                     f"({outcome.get_consultation_kind_display()}).")
    return "\n".join(lines)


def case_package_export(*, version: FrameworkVersion) -> dict:
    """The version as a CASE 1.0 CFPackage (a JSON-ready dict)."""
    framework = version.framework
    changed = _stamp(version.published_at or timezone.now())
    document = {
        "identifier": str(framework.identifier),
        "uri": framework.uri,
        "creator": CREATOR,
        "title": framework.title,
        "lastChangeDateTime": changed,
        "description": framework.description,
        "version": str(version.number),
        "adoptionStatus": "Adopted" if version.is_published else "Draft",
    }
    document_link = {
        "title": framework.title, "identifier": document["identifier"], "uri": framework.uri,
    }
    item_types = {}
    for category in Outcome.Category:
        uri = f"{framework.uri}/item-types/{category.value}"
        item_types[category.value] = {
            "identifier": _derived(uri),
            "uri": uri,
            "title": str(category.label),
            "description": _ITEM_TYPE_DESCRIPTIONS[category],
            "hierarchyCode": "1",
            "typeCode": category.value,
            "lastChangeDateTime": changed,
        }
    items, associations = [], []
    for outcome in version.outcomes.order_by("position", "pk"):
        item_type = item_types[outcome.category]
        items.append({
            "identifier": str(outcome.identifier),
            "uri": outcome.uri,
            "fullStatement": outcome.statement,
            "humanCodingScheme": outcome.code,
            "listEnumeration": str(outcome.position + 1),
            "CFItemType": item_type["title"],
            "CFItemTypeURI": {k: item_type[k] for k in ("title", "identifier", "uri")},
            "notes": outcome_notes(outcome),
            "lastChangeDateTime": changed,
        })
        association_uri = f"{outcome.uri}#isChildOf#{framework.identifier}"
        identifier = _derived(association_uri)
        associations.append({
            "identifier": identifier,
            "uri": f"{framework.uri}/associations/{identifier}",
            "associationType": "isChildOf",
            "sequenceNumber": outcome.position + 1,
            "originNodeURI": {
                "title": outcome.code, "identifier": str(outcome.identifier), "uri": outcome.uri,
            },
            "destinationNodeURI": dict(document_link),
            "lastChangeDateTime": changed,
        })
    return {
        "CFDocument": document,
        "CFItems": items,
        "CFAssociations": associations,
        "CFDefinitions": {"CFItemTypes": list(item_types.values())},
    }


def case_package_dumps(*, version: FrameworkVersion) -> str:
    """The package as the JSON text a download or ``export_case`` writes."""
    package = case_package_export(version=version)
    return json.dumps(package, indent=2, ensure_ascii=False) + "\n"


# --- Import -----------------------------------------------------------------------


def case_package_import(
    *, raw: bytes | str | dict, actor=None, request=None, source_name: str = ""
) -> ImportReport:
    """Import a CFPackage (JSON text, bytes or an already parsed dict) as a new draft.

    Returns the report; raises ``ImportRejected`` listing every problem, having saved
    nothing, when the package cannot be imported as a whole.
    """
    report = ImportReport(source="CASE package", source_name=source_name)
    if isinstance(raw, dict):
        data = raw
    else:
        check_size(raw, report)
        try:
            data = json.loads(decode(raw, report))
        except json.JSONDecodeError as error:
            report.problems.append(
                f"The file is not valid JSON: {error.msg} "
                f"at line {error.lineno}, column {error.colno}."
            )
            raise ImportRejected(report) from error
    plan = read_case_package(data, report)
    reject_if(report)
    framework_plan_save(plan=plan, report=report, actor=actor, request=request, file_format="case")
    return report
