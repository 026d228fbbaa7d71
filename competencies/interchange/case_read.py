"""Reading a CFPackage into a checked ``FrameworkPlan``; ``case.py`` says how fields map.

Each step appends every problem it finds, named by where it is in the file
(``CFItems[3].fullStatement is missing.``), and goes on reading so that one report
lists them all. A problem that only follows from one already reported (an association
to an item whose identifier is unreadable) is not reported twice.
"""

import re
import uuid
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from ..models import Outcome
from .common import (
    DEFAULT_CATEGORY,
    DEFAULT_CONSULTATION_KIND,
    DEFAULT_EXPERIENCE_HOURS,
    DEFAULT_RULES,
    POSITION_MAX,
    URI_MAX,
    FrameworkPlan,
    OutcomePlan,
    fit_codes,
    hours_problem,
    kind_problem,
    match_category,
    plural,
    rule_problem,
)
from .report import ImportReport

EVIDENCE_RULE_NOTE = "Kapstone evidence rule:"
_RULE_LINE = re.compile(r"^" + re.escape(EVIDENCE_RULE_NOTE) + r"\s*([^\s(.]+)", re.MULTILINE)
# CASE has no field for an Experience outcome's hours or kind of consultation, so they
# travel, like the evidence rule, as lines of the CFItem's notes.
HOURS_NOTE = "Kapstone consultation hours required:"
KIND_NOTE = "Kapstone consultation kind:"
_HOURS_LINE = re.compile(r"^" + re.escape(HOURS_NOTE) + r"\s*(\S+?)\.?$", re.MULTILINE)
_KIND_LINE = re.compile(r"^" + re.escape(KIND_NOTE) + r"\s*([^\s(.]+)", re.MULTILINE)


@dataclass
class _Item:
    identifier: uuid.UUID | None
    statement: str
    uri: str
    code: str
    category: str
    rule: str
    enumeration: str | None
    hours_required: Decimal | None = None
    consultation_kind: str = ""


@dataclass
class _Document:
    identifier: uuid.UUID | None = None
    uri: str = ""
    title: str = ""
    description: str = ""
    version: str = ""


def _kind(value) -> str:
    names = {dict: "object", list: "list", str: "string", bool: "true/false", type(None): "null"}
    return names.get(type(value), "number")


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value).strip())
    except (ValueError, AttributeError):
        return None


def _text(obj: dict, where: str, name: str, problems: list[str], *, required: bool,
          max_length: int | None = None) -> str:
    value = obj.get(name)
    if value is None:
        if required:
            problems.append(f"{where}.{name} is missing.")
        return ""
    if not isinstance(value, str):
        problems.append(f"{where}.{name} should be text, not a {_kind(value)}.")
        return ""
    value = value.strip()
    if required and not value:
        problems.append(f"{where}.{name} is empty.")
    if max_length and len(value) > max_length:
        problems.append(
            f"{where}.{name} is {len(value)} characters long; the limit is {max_length}."
        )
    return value


def _identifier(obj: dict, where: str, problems: list[str]) -> uuid.UUID | None:
    value = obj.get("identifier")
    if value is None or value == "":
        problems.append(f"{where}.identifier is missing.")
        return None
    parsed = _uuid(value) if isinstance(value, str) else None
    if parsed is None:
        problems.append(f"{where}.identifier “{value}” is not a UUID.")
    return parsed


# ASCII digits only: str.isdigit() is true for "²", which int() refuses.
_WHOLE = re.compile(r"-?[0-9]{1,18}")


def _sequence(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        return int(value)
    return None


def _list(data: dict, name: str, problems: list[str], *, required: bool) -> list:
    value = data.get(name)
    if value is None:
        if required:
            problems.append(f"{name} is missing.")
        return []
    if not isinstance(value, list):
        problems.append(f"{name} should be a list, not a {_kind(value)}.")
        return []
    return value


def _read_document(data: dict, problems: list[str]) -> _Document:
    document = data.get("CFDocument")
    if document is None:
        problems.append("CFDocument is missing.")
        return _Document()
    if not isinstance(document, dict):
        problems.append(f"CFDocument should be an object, not a {_kind(document)}.")
        return _Document()
    return _Document(
        identifier=_identifier(document, "CFDocument", problems),
        uri=_text(document, "CFDocument", "uri", problems, required=True, max_length=URI_MAX),
        title=_text(document, "CFDocument", "title", problems, required=True),
        description=_text(document, "CFDocument", "description", problems, required=False),
        version=str(document.get("version") or ""),
    )


class _ItemReader:
    """Reads CFItems one by one, remembering what later steps and warnings need."""

    def __init__(self, document: _Document, problems: list[str]):
        self.document, self.problems = document, problems
        self.index_of: dict[uuid.UUID, int] = {}
        # Identifiers already reported as unreadable: associations naming them are not
        # reported again.
        self.unreadable: set[str] = set()
        self.codes_seen: dict[str, str] = {}
        self.unknown_types: Counter = Counter()
        self.other_notes = 0
        self.experience_defaults: list[str] = []

    def read(self, items: list) -> list[_Item | None]:
        return [self._item(i, item) for i, item in enumerate(items)]

    def _item(self, i: int, item) -> _Item | None:
        where, problems = f"CFItems[{i}]", self.problems
        if not isinstance(item, dict):
            problems.append(f"{where} should be an object, not a {_kind(item)}.")
            return None
        identifier = _identifier(item, where, problems)
        if identifier is None and item.get("identifier"):
            self.unreadable.add(str(item["identifier"]).strip())
        elif identifier in self.index_of:
            problems.append(f"{where}.identifier {identifier} is also the identifier of "
                            f"CFItems[{self.index_of[identifier]}].")
        elif identifier is not None and identifier == self.document.identifier:
            problems.append(f"{where}.identifier {identifier} is also the CFDocument's identifier.")
        elif identifier is not None:
            self.index_of[identifier] = i
        statement = _text(item, where, "fullStatement", problems, required=True)
        uri = _text(item, where, "uri", problems, required=True, max_length=URI_MAX)
        code = _text(item, where, "humanCodingScheme", problems, required=False)
        if code in self.codes_seen:
            problems.append(f"{where}.humanCodingScheme “{code}” is also the code of "
                            f"{self.codes_seen[code]}.")
        elif code:
            self.codes_seen[code] = where
        category = self._category(item)
        notes = _text(item, where, "notes", problems, required=False)
        marked = _RULE_LINE.search(notes)
        if marked:
            rule = marked.group(1)
            if problem := rule_problem(category, rule):
                problems.append(f"{where}.notes {problem}.")
        else:
            rule = DEFAULT_RULES[category]
            self.other_notes += bool(notes)
        hours, kind = self._experience(category, notes, where, code)
        enumeration = item.get("listEnumeration")
        return _Item(
            identifier=identifier, statement=statement, uri=uri, code=code, category=category,
            rule=rule, enumeration=enumeration.strip() if isinstance(enumeration, str) else None,
            hours_required=hours, consultation_kind=kind,
        )

    def _experience(self, category: str, notes: str, where: str, code: str) -> tuple[Decimal | None, str]:
        """An Experience outcome's hours and kind from its notes (defaults, with a warning,
        where they are missing); nothing for other outcomes."""
        hours_line, kind_line = _HOURS_LINE.search(notes), _KIND_LINE.search(notes)
        if category != Outcome.Category.EXPERIENCE:
            if hours_line or kind_line:
                self.problems.append(f"{where}.notes gives consultation hours or a kind to a "
                                     f"{category} outcome; only experience outcomes have them.")
            return None, ""
        hours, kind = DEFAULT_EXPERIENCE_HOURS, DEFAULT_CONSULTATION_KIND
        if hours_line:
            hours, problem = hours_problem(hours_line.group(1))
            if problem:
                self.problems.append(f"{where}.notes {problem}.")
        if kind_line:
            kind = kind_line.group(1)
            if problem := kind_problem(kind):
                self.problems.append(f"{where}.notes {problem}.")
        if not (hours_line and kind_line):
            self.experience_defaults.append(code or where)
        return hours, kind

    def _category(self, item: dict) -> str:
        item_type = item.get("CFItemType")
        if not item_type and isinstance(item.get("CFItemTypeURI"), dict):
            item_type = item["CFItemTypeURI"].get("title")
        category = match_category(item_type)
        if category is None:
            named = isinstance(item_type, str) and item_type.strip()
            self.unknown_types[item_type.strip() if named else None] += 1
            category = DEFAULT_CATEGORY
        return category


@dataclass
class _Outline:
    parent_of: dict[int, tuple[int | None, int | None]]  # item → (parent item or None, seq)
    several_parents: int
    skipped: Counter


def _read_outline(
    associations: list, items: list, reader: _ItemReader, problems: list[str]
) -> _Outline:
    """The isChildOf tree. Other association types point outside the package by design."""
    outline = _Outline(parent_of={}, several_parents=0, skipped=Counter())
    document_id = reader.document.identifier
    for j, association in enumerate(associations):
        where = f"CFAssociations[{j}]"
        if not isinstance(association, dict):
            problems.append(f"{where} should be an object, not a {_kind(association)}.")
            continue
        kind = association.get("associationType")
        if not isinstance(kind, str) or not kind.strip():
            problems.append(f"{where}.associationType is missing.")
            continue
        if kind != "isChildOf":
            outline.skipped[kind] += 1
            continue
        ends = {}
        for name in ("originNodeURI", "destinationNodeURI"):
            link = association.get(name)
            if not isinstance(link, dict) or not link.get("identifier"):
                problems.append(f"{where}.{name}.identifier is missing.")
                ends[name] = (None, "")
            else:
                ends[name] = (_uuid(link["identifier"]), str(link["identifier"]))
        if not items:
            continue  # nothing to check the ends against; that is reported already
        (origin, origin_raw), (destination, destination_raw) = ends.values()
        child = reader.index_of.get(origin) if origin else None
        if origin_raw and child is None and origin_raw not in reader.unreadable:
            problems.append(
                f"{where}.originNodeURI.identifier {origin_raw} is not an item in this package."
            )
        parent, known_parent = None, destination is not None and destination == document_id
        if destination is not None and destination in reader.index_of:
            parent, known_parent = reader.index_of[destination], True
        # Without a readable CFDocument identifier no destination can be judged.
        if (destination_raw and not known_parent and document_id is not None
                and destination_raw not in reader.unreadable):
            problems.append(
                f"{where}.destinationNodeURI.identifier {destination_raw} is neither the "
                "CFDocument nor an item in this package."
            )
        if child is None or not known_parent:
            continue
        if parent == child:
            problems.append(f"{where} makes CFItems[{child}] a child of itself.")
        elif child in outline.parent_of:
            outline.several_parents += 1
        else:
            outline.parent_of[child] = (parent, _sequence(association.get("sequenceNumber")))
    return outline


def _flatten(count: int, outline: _Outline, problems: list[str]) -> tuple[list[int], dict, int]:
    """Items in outline order (parents first, siblings by sequenceNumber, then file
    order), each one's outline number (``1.2``), and the depth of the tree."""
    children: dict[int | None, list[int]] = {}
    for i in range(count):
        children.setdefault(outline.parent_of.get(i, (None, None))[0], []).append(i)
    sequence = {i: seq for i, (_, seq) in outline.parent_of.items() if seq is not None}
    for siblings in children.values():
        siblings.sort(key=lambda i: (i not in sequence, sequence.get(i, 0), i))

    def numbered(parent: int | None, prefix: str, level: int):
        below = children.get(parent, [])
        return [(c, f"{prefix}{n}", level) for n, c in reversed(list(enumerate(below, start=1)))]

    order, numbers, depth = [], {}, 0
    stack = numbered(None, "", 1)
    while stack:
        i, number, level = stack.pop()
        order.append(i)
        numbers[i] = number
        depth = max(depth, level)
        stack += numbered(i, f"{number}.", level + 1)
    for i in sorted(set(range(count)) - set(order)):
        problems.append(
            f"CFItems[{i}] is not under the CFDocument: its isChildOf associations form a loop."
        )
    return order, numbers, depth


def _positions(order: list[int], items: list[_Item]) -> tuple[list[int], list[int]]:
    """Distinct whole-number listEnumerations (as in our own exports) give order and
    positions exactly; otherwise the outline order does."""
    enumerations = [items[i].enumeration for i in order]
    whole = all(e and _WHOLE.fullmatch(e) and 1 <= int(e) <= POSITION_MAX + 1 for e in enumerations)
    if whole and len(set(map(int, enumerations))) == len(enumerations):
        order = sorted(order, key=lambda i: int(items[i].enumeration))
        return order, [int(items[i].enumeration) - 1 for i in order]
    return order, list(range(len(order)))


def _warn(report: ImportReport, reader: _ItemReader, outline: _Outline, depth: int, n: int):
    warnings = report.warnings
    label = str(Outcome.Category(DEFAULT_CATEGORY).label)
    types = sorted(reader.unknown_types.items(), key=lambda kv: (kv[0] is None, str(kv[0])))
    for item_type, count in types:
        if item_type is None:
            warnings.append(
                f"{plural(count, 'item has', 'items have')} no CFItemType; imported as {label}."
            )
        else:
            warnings.append(
                f"Item type “{item_type}” ({plural(count, 'item')}) is not Knowledge, Competency "
                f"or Experience; imported as {label}."
            )
    if depth > 1:
        warnings.append(
            f"The items are nested {depth} levels deep; outcomes are one list, so all {n} "
            "items were imported in outline order (parents before their children)."
        )
    if outline.several_parents:
        warnings.append(
            f"{plural(outline.several_parents, 'item has', 'items have')} more than one "
            "parent; each was placed under the first."
        )
    if skipped := sum(outline.skipped.values()):
        kinds = ", ".join(f"{kind} ×{count}" for kind, count in sorted(outline.skipped.items()))
        warnings.append(
            f"{plural(skipped, 'association')} other than isChildOf ({kinds}) "
            f"{'was' if skipped == 1 else 'were'} not imported."
        )
    if reader.experience_defaults:
        warnings.append(
            f"{plural(len(reader.experience_defaults), 'experience outcome')} "
            f"({', '.join(reader.experience_defaults)}) did not say its consultation hours or kind: "
            f"each missing value was set to {DEFAULT_EXPERIENCE_HOURS} hours and "
            f"“{DEFAULT_CONSULTATION_KIND.label}”; check the draft before publishing it."
        )
    if reader.other_notes:
        warnings.append(
            f"{plural(reader.other_notes, 'item has', 'items have')} notes, which are not kept."
        )


def read_case_package(data, report: ImportReport) -> FrameworkPlan | None:
    """The package as a plan, or None with every problem in ``report.problems``."""
    problems = report.problems
    if not isinstance(data, dict):
        problems.append(f"The file holds a JSON {_kind(data)}, not a CASE CFPackage object.")
        return None
    document = _read_document(data, problems)
    raw_items = _list(data, "CFItems", problems, required=True)
    if "CFItems" in data and isinstance(data["CFItems"], list) and not raw_items:
        problems.append("CFItems is empty: there is nothing to import.")
    reader = _ItemReader(document, problems)
    items = reader.read(raw_items)
    associations = _list(data, "CFAssociations", problems, required=False)
    outline = _read_outline(associations, items, reader, problems)
    if problems:
        return None
    order, numbers, depth = _flatten(len(items), outline, problems)
    if len(order) > POSITION_MAX:
        problems.append(f"CFItems has {len(order)} items; at most {POSITION_MAX} can be imported.")
    if problems:
        return None
    order, positions = _positions(order, items)
    codes = fit_codes(
        [items[i].code for i in order], [numbers[i] for i in order],
        field_name="humanCodingScheme", report=report,
    )
    _warn(report, reader, outline, depth, len(order))
    return FrameworkPlan(
        identifier=document.identifier, uri=document.uri, title=document.title,
        description=document.description, where="CFDocument",
        notes=f"Imported from the CASE package {report.source_name or document.uri}"
        + (f" (CFDocument version {document.version})." if document.version else "."),
        outcomes=[
            OutcomePlan(
                identifier=items[i].identifier, uri=items[i].uri, code=code,
                statement=items[i].statement, category=items[i].category,
                evidence_rule=items[i].rule, position=position,
                hours_required=items[i].hours_required,
                consultation_kind=items[i].consultation_kind,
            )
            for i, code, position in zip(order, codes, positions, strict=True)
        ],
    )
