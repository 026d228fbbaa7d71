"""Moodle competency framework CSVs: the real OECD example, refusals that name every
problem and save nothing, the command and the admin upload."""

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from competencies.interchange import ImportRejected, moodle_csv_import
from competencies.interchange.common import html_to_text
from competencies.models import FrameworkVersion
from framework_versions import publish

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data"
OECD = DATA / "lpimportcsv-example.csv"
IMPORT_URL = "/admin/frameworks/import/"

HEADER = [
    "Parent id number", "Id number", "Shortname", "Description", "Description format",
    "Scale values", "Scale configuration", "Rule type (optional)", "Rule outcome (optional)",
    "Rule config (optional)", "Cross referenced competency id numbers", "Exported id (optional)",
    "Is framework", "Taxonomy",
]


def _csv(rows: list[list[str]], header: list[str] = HEADER) -> str:
    """A small export: each row gives the first columns, the rest are blank."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(row + [""] * (len(header) - len(row)) if len(row) < len(header) else row)
    return out.getvalue()


FRAMEWORK_ROW = ["", "KAP-M", "KAP (Moodle)", "<p>Graduate outcomes</p>", "1", "", "", "", "", "", "", "", "1"]
SMALL = [
    FRAMEWORK_ROW,
    ["", "safety", "Safety", "<p>Keeping patients safe</p>", "1"],
    ["safety", "S1", "Screening", "<p>Screens patients <b>before</b> dosing.</p>", "1"],
    ["safety", "S2", "Crisis", "<p>Responds to a crisis&nbsp;&amp; consults.<br></p>", "1"],
    ["", "A1", "Alliance", "Builds an alliance.", "2"],
]


def test_the_oecd_example_imports_its_44_leaf_competencies():
    report = moodle_csv_import(raw=OECD.read_bytes(), source_name=OECD.name)

    version = report.version
    framework = version.framework
    assert report.framework_created and (framework.title, version.number) == ("OECD", 1)
    assert framework.description.startswith("The Core Competencies summarise the capabilities")
    assert "<p>" not in framework.description
    outcomes = list(version.outcomes.order_by("position"))
    # 65 records: the framework, 20 competencies with children, 44 without.
    assert report.outcomes == len(outcomes) == 44
    assert [o.code for o in outcomes[:7]] == ["level-1", "level-2", "level-3", "level-4", "level-5", "DR-AT1", "DR-AT-2"]
    assert outcomes[-1].code == "S-ST-1"
    # HTML with CRLF inside quoted fields becomes one line of plain text.
    assert outcomes[5].statement == "Distinguishes between critical and irrelevant pieces of information"
    assert not any("<" in o.statement or "\r" in o.statement for o in outcomes)
    assert {(o.category, o.evidence_rule) for o in outcomes} == {("competency", "signoff")}
    assert report.by_category == {"Competency": 44}
    assert report.warnings == [
        "20 competencies with children (“Levels”, “Competencies”, “Delivery-related”, …) only group "
        "the others: outcomes are one list, so the 44 competencies without children became outcomes, "
        "in outline order.",
        "Moodle competencies have no Knowledge/Competency/Experience category: all 44 outcomes were "
        "imported as Competency (trainer sign-off with evidence).",
        "Scales, completion rules and cross-references are not imported.",
    ]


def test_importing_the_same_moodle_framework_again_adds_a_version_with_the_same_identifiers(world):
    first = moodle_csv_import(raw=OECD.read_bytes())
    publish(first.version)

    second = moodle_csv_import(raw=OECD.read_bytes())

    assert second.version.framework_id == first.version.framework_id and second.version.number == 2
    assert not second.framework_created
    fields = ("identifier", "uri", "code", "statement")
    assert list(second.version.outcomes.values_list(*fields)) == list(first.version.outcomes.values_list(*fields))


def test_a_small_export_keeps_outline_order_and_plain_text():
    report = moodle_csv_import(raw=_csv(SMALL), source_name="small.csv")

    outcomes = list(report.version.outcomes.order_by("position"))
    assert [(o.code, o.statement) for o in outcomes] == [
        ("S1", "Screens patients before dosing."),
        ("S2", "Responds to a crisis & consults."),  # &nbsp; is a space too
        ("A1", "Builds an alliance."),  # description format 2: plain text, kept as written
    ]
    assert report.version.framework.title == "KAP (Moodle)"
    assert report.version.notes == "Imported from the Moodle competency framework CSV small.csv (framework KAP-M)."


def test_long_id_numbers_lose_their_shared_prefix():
    rows = [FRAMEWORK_ROW] + [["", f"org.example.competency.{n}", f"C{n}", "Does a thing.", "1"] for n in (1, 2)]

    report = moodle_csv_import(raw=_csv(rows))

    assert list(report.version.outcomes.values_list("code", flat=True)) == ["1", "2"]
    assert any("the prefix “org.example.competency.”" in w for w in report.warnings)


def _with_header(header):
    return _csv([r[: len(header)] for r in SMALL], header=header)


MALFORMED = [
    ("missing columns", _with_header(["Parent id number", "Shortname", "Description"]), [
        "The CSV has no “Id number” column; Moodle's competency framework export starts with Parent "
        "id number, Id number, Shortname, Description. Columns found: Parent id number, Shortname, Description.",
    ]),
    ("not a Moodle CSV", "name,email\nAda,ada@example.org\n", [
        "The CSV has no “Parent id number”, “Id number”, “Shortname”, “Description” columns; Moodle's "
        "competency framework export starts with Parent id number, Id number, Shortname, Description. "
        "Columns found: name, email.",
    ]),
    ("empty file", "", ["The file is empty."]),
    ("header only", _csv([]), ["The CSV has a header but no rows."]),
    ("duplicate id numbers", _csv(SMALL + [["safety", "S1", "Again", "<p>Again</p>", "1"]]), [
        "Row 7: Id number “S1” is also on row 4.",
    ]),
    ("parent that does not exist", _csv(SMALL + [["nowhere", "X1", "Lost", "<p>Lost</p>", "1"]]), [
        "Row 7: parent “nowhere” is not the Id number of any competency in the file.",
    ]),
    ("missing id number", _csv(SMALL + [["safety", "", "Nameless", "<p>x</p>", "1"]]), [
        "Row 7: Id number is missing.",
    ]),
    ("no statement at all", _csv(SMALL + [["safety", "S3", "", "", "1"]]), [
        "Row 7: Shortname and Description are both empty.",
    ]),
    ("short row", _csv(SMALL) + "safety,S9\n", ["Row 7 has 2 fields; the header has 14."]),
    ("no framework row", _csv([["safety", "S1", "Screening", "x", "1"]]), [
        "No row describes the framework: Moodle writes it first, with an empty “Parent id number”.",
    ]),
    ("framework only", _csv([FRAMEWORK_ROW]), ["The framework has no competencies."]),
    ("parents in a loop", _csv(SMALL + [["b", "a", "A", "x", "1"], ["a", "b", "B", "x", "1"]]), [
        "Row 7 is not under the framework: its parents form a loop.",
        "Row 8 is not under the framework: its parents form a loop.",
    ]),
    ("not UTF-8", "Parent id number,Id number\n".encode() + b"\xff\xfe", [
        "The file is not UTF-8 text (byte 27 cannot be read).",
    ]),
]


@pytest.mark.parametrize("raw, problems", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_a_malformed_csv_is_refused_with_its_problem_and_nothing_saved(raw, problems, frameworks_snapshot):
    before = frameworks_snapshot()

    with pytest.raises(ImportRejected) as caught:
        moodle_csv_import(raw=raw, source_name="broken.csv")

    assert caught.value.report.problems == problems
    assert frameworks_snapshot() == before


def test_every_problem_in_a_csv_is_reported_at_once(frameworks_snapshot):
    rows = SMALL + [
        ["safety", "S1", "Again", "x", "1"],
        ["nowhere", "X1", "Lost", "x", "1"],
        ["safety", "", "Nameless", "x", "1"],
    ]
    before = frameworks_snapshot()

    with pytest.raises(ImportRejected) as caught:
        moodle_csv_import(raw=_csv(rows), source_name="broken.csv")

    assert caught.value.report.problems == [
        "Row 7: Id number “S1” is also on row 4.",
        "Row 9: Id number is missing.",
        "Row 8: parent “nowhere” is not the Id number of any competency in the file.",
    ]
    assert frameworks_snapshot() == before


@pytest.mark.parametrize(
    "html, text",
    [
        ("<p>One\r\ntwo</p>", "One two"),
        ("<p>First</p><p>Second<br>line</p>", "First\nSecond\nline"),
        ("Fish &amp; chips &lt;3", "Fish & chips <3"),
        ("<ul><li>a</li><li>b</li></ul><script>alert(1)</script>", "a\nb"),
        ("", ""),
    ],
)
def test_descriptions_become_plain_text(html, text):
    assert html_to_text(html) == text


def test_an_import_is_audited():
    report = moodle_csv_import(raw=OECD.read_bytes(), source_name=OECD.name)

    event = AuditEvent.objects.get(verb="framework.imported")
    assert event.target_id == str(report.version.pk)
    assert event.details == {
        "format": "moodle-csv", "file": OECD.name, "outcomes": 44, "framework_created": True, "warnings": 3,
    }


def test_import_moodle_csv_prints_the_report(capsys):
    call_command("import_moodle_csv", str(OECD))
    assert capsys.readouterr().out.startswith(
        f"Imported OECD v1 (draft) from Moodle competency CSV {OECD.name}: 44 outcomes (44 Competency)."
    )
    assert FrameworkVersion.objects.get(framework__title="OECD").outcomes.count() == 44


def test_import_moodle_csv_fails_with_the_report_on_stderr(tmp_path, capsys, frameworks_snapshot):
    broken = tmp_path / "broken.csv"
    broken.write_text(_csv(SMALL + [["nowhere", "X1", "Lost", "x", "1"]]))
    before = frameworks_snapshot()

    with pytest.raises(CommandError, match="broken.csv was not imported") as caught:
        call_command("import_moodle_csv", str(broken))

    assert caught.value.returncode == 1
    assert capsys.readouterr().err == (
        "Nothing was imported from Moodle competency CSV broken.csv: 1 problem.\n"
        "  - Row 7: parent “nowhere” is not the Id number of any competency in the file.\n"
    )
    assert frameworks_snapshot() == before


def test_a_program_admin_uploads_the_moodle_csv(world, login):
    response = login(world.admin).post(IMPORT_URL, {"file": SimpleUploadedFile(OECD.name, OECD.read_bytes())})

    assert response.status_code == 200
    page = response.content.decode()
    assert "OECD v1" in page and "44 outcomes" in page and "20 competencies with children" in page
    event = AuditEvent.objects.get(verb="framework.imported")
    assert event.actor == world.admin and event.details["format"] == "moodle-csv"


def test_a_broken_csv_upload_lists_its_problems_and_saves_nothing(world, login, frameworks_snapshot):
    before = frameworks_snapshot()
    content = _csv(SMALL + [["safety", "S1", "Again", "x", "1"]]).encode()

    response = login(world.admin).post(IMPORT_URL, {"file": SimpleUploadedFile("b.csv", content)})

    assert "<li>Row 7: Id number “S1” is also on row 4.</li>" in response.content.decode()
    assert frameworks_snapshot() == before


def test_a_curriculum_editor_may_not_upload(world, login, frameworks_snapshot):
    before = frameworks_snapshot()
    response = login(world.editor).post(IMPORT_URL, {"file": SimpleUploadedFile(OECD.name, OECD.read_bytes())})
    assert response.status_code == 403
    assert frameworks_snapshot() == before
