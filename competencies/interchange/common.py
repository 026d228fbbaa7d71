"""What the importers share: the checked plan they produce, and the rules for codes,
categories, evidence rules and HTML descriptions.

An importer reads its file into a ``FrameworkPlan`` while collecting *every* problem it
finds, with where it is. Only a plan without problems reaches ``save.framework_plan_save``.
"""

import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser

from consultation.models import ConsultationKind

from ..models import Outcome
from .report import ImportReport

CODE_MAX = Outcome._meta.get_field("code").max_length
URI_MAX = Outcome._meta.get_field("uri").max_length
POSITION_MAX = 32767  # PositiveSmallIntegerField on every supported database

# Outcomes that arrive without an evidence rule get the one their category implies.
DEFAULT_RULES = {
    Outcome.Category.KNOWLEDGE: Outcome.EvidenceRule.COURSEWORK,
    Outcome.Category.COMPETENCY: Outcome.EvidenceRule.SIGNOFF,
    Outcome.Category.EXPERIENCE: Outcome.EvidenceRule.HOURS,
}
# Anything that is not one of our categories is imported as a competency: trainer
# sign-off with evidence is the one rule that fits any statement until an admin
# reviews the draft.
DEFAULT_CATEGORY = Outcome.Category.COMPETENCY
# An Experience outcome whose file does not say its hours or kind gets these, with a
# warning: the import is a draft an admin reviews before publishing.
DEFAULT_EXPERIENCE_HOURS = Decimal(10)
DEFAULT_CONSULTATION_KIND = ConsultationKind.OWN_EXPERIENCE
_HOURS_FIELD = Outcome._meta.get_field("hours_required")
HOURS_MAX = Decimal(10) ** (_HOURS_FIELD.max_digits - _HOURS_FIELD.decimal_places) - Decimal("0.1")


@dataclass
class OutcomePlan:
    identifier: uuid.UUID
    uri: str
    code: str
    statement: str
    category: str
    evidence_rule: str
    position: int
    hours_required: Decimal | None = None
    consultation_kind: str = ""


@dataclass
class FrameworkPlan:
    """A framework version read from a file and checked, not yet saved.

    ``where`` names the place in the file the framework came from, for messages about
    it (``CFDocument``, ``Row 2``).
    """

    identifier: uuid.UUID
    uri: str
    title: str
    description: str
    where: str
    notes: str = ""
    outcomes: list[OutcomePlan] = field(default_factory=list)


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def match_category(value) -> str | None:
    """Our category for a type name from a file ("Knowledge", "competency"), or None."""
    if not isinstance(value, str):
        return None
    wanted = value.strip().casefold()
    for choice in Outcome.Category:
        if wanted in (choice.value.casefold(), str(choice.label).casefold()):
            return choice.value
    return None


def rule_problem(category: str, rule: str) -> str | None:
    if rule not in Outcome.EvidenceRule.values:
        known = ", ".join(Outcome.EvidenceRule.values)
        return f"names evidence rule “{rule}”, which is not one of {known}"
    if (category == Outcome.Category.EXPERIENCE) != (rule == Outcome.EvidenceRule.HOURS):
        article = "an" if category[0] in "aeiou" else "a"
        return (f"gives {article} {category} outcome the evidence rule “{rule}”; experience "
                "outcomes, and only they, are met by consultation hours")
    return None


def hours_problem(value: str) -> tuple[Decimal | None, str | None]:
    """The hours an Experience outcome needs, read from text ("10", "7.5"), or a problem."""
    try:
        hours = Decimal(value.strip())
    except InvalidOperation:
        return None, f"gives the hours required as “{value}”, which is not a number"
    if not (0 < hours <= HOURS_MAX) or hours != hours.quantize(Decimal("0.1")):
        return None, (f"gives the hours required as “{value}”; it should be more than 0 and at "
                      f"most {HOURS_MAX}, with at most one decimal place")
    return hours, None


def kind_problem(value: str) -> str | None:
    if value not in ConsultationKind.values:
        known = ", ".join(ConsultationKind.values)
        return f"names the consultation kind “{value}”, which is not one of {known}"
    return None


_SEPARATORS = ".-_:/ "


def _common_prefix(codes: list[str]) -> str:
    if len(codes) < 2:
        return ""
    first, last = min(codes), max(codes)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    prefix = first[:n]
    cut = max(prefix.rfind(sep) for sep in _SEPARATORS)
    return prefix[: cut + 1] if cut >= 0 else ""


def fit_codes(
    explicit: list[str], outline: list[str], *, field_name: str, report: ImportReport
) -> list[str]:
    """Outcome codes for imported rows: the file's own code where it has one that fits,
    else the row's place in the outline (``1.2``), always unique and at most 16 long.

    Codes longer than 16 characters lose the prefix they all share (``CCSS.Math.Content.``)
    before any is replaced. Duplicate codes in the file are the caller's problem to report.
    """
    present = [c for c in explicit if c]
    if any(len(c) > CODE_MAX for c in present):
        prefix = _common_prefix(present)
        if prefix and all(len(c) > len(prefix) for c in present):
            explicit = [c[len(prefix):] if c else c for c in explicit]
            report.warnings.append(
                f"Codes are at most {CODE_MAX} characters, so the prefix “{prefix}” that every "
                f"{field_name} shares was left off "
                f"(e.g. {present[0]} → {present[0][len(prefix):]})."
            )
    too_long = [c for c in explicit if c and len(c) > CODE_MAX]
    if too_long:
        report.warnings.append(
            f"{len(too_long)} {field_name} value{'s are' if len(too_long) != 1 else ' is'} longer "
            f"than {CODE_MAX} characters (e.g. “{too_long[0]}”) and replaced by the item's "
            "place in the outline."
        )
    missing = sum(1 for c in explicit if not c)
    if missing:
        report.warnings.append(
            f"{missing} item{'s have' if missing != 1 else ' has'} no {field_name}; "
            "codes were made from their place in the outline (1, 1.1, 1.2, …)."
        )
    used = {c for c in explicit if c and len(c) <= CODE_MAX}
    codes = []
    for index, (code, fallback) in enumerate(zip(explicit, outline, strict=True)):
        if code and len(code) <= CODE_MAX:
            codes.append(code)
            continue
        base = candidate = fallback if len(fallback) <= CODE_MAX else f"N{index + 1}"
        n = 1
        while candidate in used:
            n += 1
            candidate = f"{base[: CODE_MAX - len(str(n)) - 1]}~{n}"
        used.add(candidate)
        codes.append(candidate)
    return codes


class _TextExtractor(HTMLParser):
    _BLOCKS = {"p", "div", "br", "li", "ul", "ol", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
               "blockquote", "section", "article", "table", "dd", "dt", "hr"}
    _SKIP = {"script", "style"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self._SKIP:
            self._skipping = max(self._skipping - 1, 0)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skipping:
            # Line breaks in the source are layout, not text: only block tags break lines.
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(value: str) -> str:
    """Plain text of an HTML fragment: one line per paragraph, whitespace collapsed."""
    parser = _TextExtractor()
    parser.feed(value or "")
    parser.close()
    text = "".join(parser.parts)
    lines = (re.sub(r" +", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
