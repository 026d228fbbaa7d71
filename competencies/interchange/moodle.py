"""Moodle competency frameworks, in the CSV that Moodle's tool_lpimportcsv exports.

The columns read are "Parent id number", "Id number", "Shortname", "Description",
"Description format" and "Is framework"; scales, completion rules, cross-references and
taxonomies have no counterpart here and are left out (with a warning when present).

- The framework is the row marked "Is framework" = 1, else the first row with an empty
  parent. Every other row is a competency; an empty parent (or the framework's id
  number) puts it at the top level.
- **Leaf competencies become outcomes**, in outline order. A Moodle parent groups its
  children and is usually completed by them, and outcomes are one flat list, so
  importing parents as outcomes too would ask trainees to prove the same thing twice.
  The report names how many parents were used only for ordering.
- Code: the Id number (codes longer than 16 characters lose their shared prefix, else
  become the place in the outline). Statement: the Description as plain text (Moodle
  stores HTML), else the Shortname.
- Moodle has no Knowledge/Competency/Experience split: everything is a Competency
  (trainer sign-off with evidence), with a warning, for the admin to adjust in the draft.
  So the format cannot carry Experience outcomes' consultation hours or kind either:
  frameworks with experience requirements travel as CASE packages.
- Identifiers are derived from the site URL and the Id numbers, so importing the same
  Moodle framework again adds its next version and keeps each outcome's identifier.
"""

import csv
import io
import uuid
from urllib.parse import quote

from django.conf import settings

from ..models import Outcome
from .common import (
    DEFAULT_CATEGORY,
    DEFAULT_RULES,
    POSITION_MAX,
    URI_MAX,
    FrameworkPlan,
    OutcomePlan,
    fit_codes,
    html_to_text,
)
from .report import ImportReport, check_size, decode, reject_if
from .save import framework_plan_save

PARENT, ID, SHORTNAME, DESCRIPTION = "Parent id number", "Id number", "Shortname", "Description"
REQUIRED_COLUMNS = (PARENT, ID, SHORTNAME, DESCRIPTION)
FORMAT, IS_FRAMEWORK = "Description format", "Is framework"
NOT_IMPORTED_COLUMNS = (
    "Scale values", "Rule type (optional)", "Cross referenced competency id numbers",
)
HTML_FORMATS = {"", "1"}  # Moodle's FORMAT_HTML is 1; an absent format is treated as HTML too


def _uri(base: str, key: str) -> str:
    uri = f"{base}/{quote(key, safe='')}"
    if len(uri) > URI_MAX:
        uri = f"{base}/{uuid.uuid5(uuid.NAMESPACE_URL, key)}"
    return uri


def _statement(row: dict) -> str:
    description = row["description"]
    if row["format"] in HTML_FORMATS:
        description = html_to_text(description)
    return description.strip() or row["shortname"]


def _read_rows(text: str, report: ImportReport) -> list[dict] | None:
    problems = report.problems
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        problems.append(f"The file is not a readable CSV: {error}.")
        return None
    if not records or not any(field.strip() for field in records[0]):
        problems.append("The file is empty.")
        return None
    header = [name.strip() for name in records[0]]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        problems.append(
            f"The CSV has no {', '.join(f'“{name}”' for name in missing)} "
            f"column{'s' if len(missing) != 1 else ''}; Moodle's competency framework export "
            f"starts with {', '.join(REQUIRED_COLUMNS)}. Columns found: {', '.join(header)}."
        )
        return None
    column = {}
    for index, name in enumerate(header):
        column.setdefault(name, index)
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if not any(field.strip() for field in record):
            continue
        if len(record) != len(header):
            problems.append(f"Row {number} has {len(record)} fields; the header has {len(header)}.")
            continue

        def get(name: str, record=record) -> str:
            return record[column[name]].strip() if name in column else ""

        rows.append({
            "number": number, "parent": get(PARENT), "idnumber": get(ID),
            "shortname": get(SHORTNAME), "description": get(DESCRIPTION), "format": get(FORMAT),
            "is_framework": get(IS_FRAMEWORK) == "1",
            "not_imported": any(get(name) for name in NOT_IMPORTED_COLUMNS),
        })
    if not rows and not problems:
        problems.append("The CSV has a header but no rows.")
    return rows


def _read_framework(rows: list[dict], report: ImportReport) -> FrameworkPlan | None:
    problems, warnings = report.problems, report.warnings
    flagged = [row for row in rows if row["is_framework"]]
    if len(flagged) > 1:
        problems.append(
            f"Rows {', '.join(str(r['number']) for r in flagged)} are all marked “{IS_FRAMEWORK}”; "
            "a file holds one framework."
        )
    framework = flagged[0] if flagged else next((row for row in rows if not row["parent"]), None)
    if framework is None:
        problems.append(
            "No row describes the framework: Moodle writes it first, with an empty "
            f"“{PARENT}”."
        )
        return None
    where = f"Row {framework['number']} (the framework)"
    if framework["parent"]:
        problems.append(f"{where} has a parent, “{framework['parent']}”.")
    if not framework["idnumber"]:
        problems.append(f"{where}: {ID} is missing.")
    if not framework["shortname"]:
        problems.append(f"{where}: {SHORTNAME} is missing.")

    competencies = [row for row in rows if row is not framework]
    if not competencies:
        problems.append("The framework has no competencies.")
    row_of = {framework["idnumber"]: framework["number"]} if framework["idnumber"] else {}
    for row in competencies:
        if not row["idnumber"]:
            problems.append(f"Row {row['number']}: {ID} is missing.")
        elif row["idnumber"] in row_of:
            problems.append(
                f"Row {row['number']}: {ID} “{row['idnumber']}” is also on "
                f"row {row_of[row['idnumber']]}."
            )
        else:
            row_of[row["idnumber"]] = row["number"]
        if not row["shortname"] and not row["description"]:
            problems.append(f"Row {row['number']}: {SHORTNAME} and {DESCRIPTION} are both empty.")
    by_id = {}
    for row in competencies:
        by_id.setdefault(row["idnumber"], row)
    for row in competencies:
        parent = row["parent"]
        if parent and parent != framework["idnumber"] and parent not in by_id:
            problems.append(
                f"Row {row['number']}: parent “{parent}” is not the {ID} of any "
                "competency in the file."
            )
        if parent and parent == row["idnumber"]:
            problems.append(f"Row {row['number']} is its own parent.")
    if problems:
        return None

    children: dict[str | None, list[dict]] = {}
    for row in competencies:
        top = not row["parent"] or row["parent"] == framework["idnumber"]
        children.setdefault(None if top else row["parent"], []).append(row)
    leaves, outline, reached = [], {}, set()
    stack = [(row, str(n)) for n, row in reversed(list(enumerate(children.get(None, []), start=1)))]
    while stack:
        row, number = stack.pop()
        reached.add(row["number"])
        below = children.get(row["idnumber"], [])
        if below:
            stack += [(c, f"{number}.{n}") for n, c in reversed(list(enumerate(below, start=1)))]
        else:
            leaves.append(row)
            outline[row["number"]] = number
    for row in competencies:
        if row["number"] not in reached:
            problems.append(
                f"Row {row['number']} is not under the framework: its parents form a loop."
            )
    if len(leaves) > POSITION_MAX:
        problems.append(
            f"The file has {len(leaves)} competencies without children; "
            f"at most {POSITION_MAX} can be imported."
        )
    if problems:
        return None

    codes = fit_codes(
        [row["idnumber"] for row in leaves], [outline[row["number"]] for row in leaves],
        field_name=ID, report=report,
    )
    parents = [row for row in competencies if row["idnumber"] in children]
    if parents:
        examples = ", ".join(f"“{row['shortname'] or row['idnumber']}”" for row in parents[:3])
        warnings.append(
            f"{len(parents)} competencies with children ({examples}"
            f"{', …' if len(parents) > 3 else ''}) only group the others: outcomes are one list, "
            f"so the {len(leaves)} competencies without children became outcomes, in outline order."
        )
    label = str(Outcome.Category(DEFAULT_CATEGORY).label)
    warnings.append(
        "Moodle competencies have no Knowledge/Competency/Experience category: all "
        f"{len(leaves)} outcomes were imported as {label} (trainer sign-off with evidence)."
    )
    if any(row["not_imported"] for row in rows):
        warnings.append("Scales, completion rules and cross-references are not imported.")

    framework_uri = _uri(f"{settings.SITE_URL}/frameworks/moodle", framework["idnumber"])
    outcomes = []
    for position, (row, code) in enumerate(zip(leaves, codes, strict=True)):
        uri = _uri(f"{framework_uri}/competencies", row["idnumber"])
        outcomes.append(OutcomePlan(
            identifier=uuid.uuid5(uuid.NAMESPACE_URL, uri), uri=uri, code=code,
            statement=_statement(row), category=DEFAULT_CATEGORY,
            evidence_rule=DEFAULT_RULES[DEFAULT_CATEGORY], position=position,
        ))
    return FrameworkPlan(
        identifier=uuid.uuid5(uuid.NAMESPACE_URL, framework_uri), uri=framework_uri,
        title=framework["shortname"],
        description=_statement(framework) if framework["description"] else "",
        where=where, outcomes=outcomes,
        notes=f"Imported from the Moodle competency framework CSV {report.source_name}".rstrip()
        + f" (framework {framework['idnumber']}).",
    )


def moodle_csv_import(
    *, raw: bytes | str, actor=None, request=None, source_name: str = ""
) -> ImportReport:
    """Import a Moodle competency framework CSV as a new draft version.

    Returns the report; raises ``ImportRejected`` listing every problem, having saved
    nothing, when the file cannot be imported as a whole.
    """
    report = ImportReport(source="Moodle competency CSV", source_name=source_name)
    check_size(raw, report)
    rows = _read_rows(decode(raw, report), report)
    reject_if(report)
    plan = _read_framework(rows, report)
    reject_if(report)
    framework_plan_save(
        plan=plan, report=report, actor=actor, request=request, file_format="moodle-csv"
    )
    return report
