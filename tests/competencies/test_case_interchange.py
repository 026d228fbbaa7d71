"""CASE 1.0 packages: the exact round trip, real OpenSALT packages, and refusals that
name every problem and save nothing."""

import copy
import json
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from audit.models import AuditEvent
from competencies.interchange import (
    MAX_BYTES,
    ImportRejected,
    case_package_export,
    case_package_import,
)
from competencies.models import FrameworkVersion
from competencies.services import framework_load_bundled
from framework_versions import publish

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data"
SMARTLEVEL = DATA / "opensalt-test-smartlevel-framework.json"
OPENSALT_SAMPLE = DATA / "opensalt-sample-cfpackage-20c5134f.json"
CASE_1_0_SWAGGER = DATA / "case-v1p0-openapi2-swagger.json"

# What may differ between two exports of the same outcomes: which version, and when.
VOLATILE_DOCUMENT_KEYS = ("version", "adoptionStatus", "lastChangeDateTime")


def _dumps(package: dict) -> str:
    return json.dumps(package)


def _stable(package: dict) -> dict:
    """The package with the version number, adoption status and dates taken out."""
    package = copy.deepcopy(package)
    for key in VOLATILE_DOCUMENT_KEYS:
        package["CFDocument"].pop(key)
    for group in (package["CFItems"], package["CFAssociations"], package["CFDefinitions"]["CFItemTypes"]):
        for entry in group:
            entry.pop("lastChangeDateTime")
    return package


def _essence(package: dict) -> list[tuple]:
    """What must survive a round trip, item by item in order."""
    return [
        (item["identifier"], item["uri"], item["humanCodingScheme"], item["fullStatement"],
         item["CFItemType"], item["notes"], item["listEnumeration"])
        for item in package["CFItems"]
    ]


# --- Export -------------------------------------------------------------------------


def test_the_bundled_framework_exports_as_a_case_package():
    version = framework_load_bundled()
    package = case_package_export(version=version)
    document = package["CFDocument"]
    framework = version.framework
    assert document["identifier"] == str(framework.identifier)
    assert document["uri"] == framework.uri and document["title"] == framework.title
    assert document["creator"] == "Kapstone" and document["version"] == "1"
    assert document["adoptionStatus"] == "Adopted"
    assert document["lastChangeDateTime"].endswith("+00:00")
    outcomes = list(version.outcomes.order_by("position"))
    assert [i["identifier"] for i in package["CFItems"]] == [str(o.identifier) for o in outcomes]
    k1 = package["CFItems"][0]
    assert (k1["humanCodingScheme"], k1["CFItemType"], k1["listEnumeration"]) == ("K1", "Knowledge", "1")
    assert k1["uri"] == f"{framework.uri}/outcomes/K1"
    assert k1["notes"] == "Kapstone evidence rule: coursework (Coursework and trainer sign-off)."
    by_code = {i["humanCodingScheme"]: i for i in package["CFItems"]}
    assert by_code["C1"]["CFItemType"] == "Competency" and "rule: signoff" in by_code["C1"]["notes"]
    assert by_code["E1"]["CFItemType"] == "Experience" and "rule: hours" in by_code["E1"]["notes"]
    # One level: every item is a child of the document, in order.
    associations = package["CFAssociations"]
    assert {a["associationType"] for a in associations} == {"isChildOf"}
    assert [a["originNodeURI"]["identifier"] for a in associations] == [i["identifier"] for i in package["CFItems"]]
    assert {a["destinationNodeURI"]["identifier"] for a in associations} == {document["identifier"]}
    assert [a["sequenceNumber"] for a in associations] == list(range(1, len(outcomes) + 1))
    assert [t["title"] for t in package["CFDefinitions"]["CFItemTypes"]] == ["Knowledge", "Competency", "Experience"]


def _schema_violations(definitions: dict, value, schema: dict, path: str) -> list[str]:
    """Enough of JSON Schema for the CASE 1.0 binding: $ref, type, required, properties,
    additionalProperties, items, enum and pattern (there is no jsonschema dependency)."""
    import re

    if "$ref" in schema:
        return _schema_violations(definitions, value, definitions[schema["$ref"].split("/")[-1]], path)
    kind = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "integer": int}
    if kind in types and (not isinstance(value, types[kind]) or isinstance(value, bool)):
        return [f"{path} should be {kind}"]
    found = []
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{path} is not one of {schema['enum']}")
    if "pattern" in schema and isinstance(value, str) and not re.fullmatch(schema["pattern"], value):
        found.append(f"{path} does not match {schema['pattern']}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        found += [f"{path}.{key} is required" for key in schema.get("required", []) if key not in value]
        if schema.get("additionalProperties") is False:
            found += [f"{path}.{key} is not allowed" for key in value if key not in properties]
        for key, sub in properties.items():
            if key in value:
                found += _schema_violations(definitions, value[key], sub, f"{path}.{key}")
    if isinstance(value, list) and "items" in schema:
        for n, entry in enumerate(value):
            found += _schema_violations(definitions, entry, schema["items"], f"{path}[{n}]")
    return found


def test_the_export_is_valid_against_the_case_1_0_binding():
    definitions = json.loads(CASE_1_0_SWAGGER.read_text())["definitions"]
    package = case_package_export(version=framework_load_bundled())
    assert _schema_violations(definitions, package, {"$ref": "#/definitions/CFPackage.Type"}, "CFPackage") == []


# --- Round trip ---------------------------------------------------------------------


def test_export_import_export_gives_the_same_package_but_for_version_and_dates(world):
    v1 = framework_load_bundled()
    first = case_package_export(version=v1)

    report = case_package_import(raw=_dumps(first), actor=world.admin, source_name="kap.json")

    v2 = report.version
    assert (v2.framework_id, v2.number, v2.is_published) == (v1.framework_id, 2, False)
    assert not report.framework_created and report.warnings == []
    assert report.by_category == {"Knowledge": 9, "Competency": 12, "Experience": 2}
    second = case_package_export(version=v2)
    # Exactly what must match, in order: identifiers, URIs, codes, statements,
    # categories, evidence rules and positions ...
    assert _essence(second) == _essence(first)
    fields = ("identifier", "uri", "code", "statement", "category", "evidence_rule", "position")
    assert list(v2.outcomes.order_by("position").values_list(*fields)) == list(
        v1.outcomes.order_by("position").values_list(*fields)
    )
    # ... and everything else in the package too, except the version, its status and dates.
    assert _stable(second) == _stable(first)
    assert (second["CFDocument"]["version"], second["CFDocument"]["adoptionStatus"]) == ("2", "Draft")
    published = publish(v2)
    assert case_package_export(version=published)["CFDocument"]["adoptionStatus"] == "Adopted"


def _rehome(package: dict, **document) -> dict:
    """The package as another publisher's document with the same items."""
    package["CFDocument"].update(document)
    for association in package["CFAssociations"]:
        association["destinationNodeURI"].update(
            identifier=package["CFDocument"]["identifier"], uri=package["CFDocument"]["uri"]
        )
    return package


def test_an_unknown_document_identifier_makes_a_new_framework_with_the_same_outcomes():
    package = _rehome(
        case_package_export(version=framework_load_bundled()),
        identifier=str(uuid.uuid4()), uri="https://elsewhere.example/kap", title="KAP, as adopted elsewhere",
    )

    report = case_package_import(raw=_dumps(package))

    framework = report.version.framework
    assert report.framework_created and report.version.number == 1
    assert (framework.title, framework.uri, framework.slug) == (
        "KAP, as adopted elsewhere", "https://elsewhere.example/kap", "kap-as-adopted-elsewhere"
    )
    assert _essence(case_package_export(version=report.version)) == _essence(package)


def test_a_same_titled_new_framework_is_renamed_with_a_warning():
    package = case_package_export(version=framework_load_bundled())
    title = package["CFDocument"]["title"]
    _rehome(package, identifier=str(uuid.uuid4()), uri="https://elsewhere.example/kap")

    report = case_package_import(raw=package)

    assert report.version.framework.title == f"{title} (2)"
    assert any("already called" in w for w in report.warnings)


# --- Real packages --------------------------------------------------------------------


def test_the_opensalt_smartlevel_package_imports_its_14_items_in_outline_order():
    report = case_package_import(raw=SMARTLEVEL.read_bytes(), source_name=SMARTLEVEL.name)

    version = report.version
    framework = version.framework
    assert report.framework_created and framework.title == "SmartLevel Test"
    assert str(framework.identifier) == "d0000000-0000-0000-0000-000000000000"
    outcomes = list(version.outcomes.order_by("position"))
    assert report.outcomes == len(outcomes) == 14
    # No humanCodingScheme anywhere: codes are the items' places in the outline.
    assert [o.code for o in outcomes] == [
        "1", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "1.9", "1.10", "2", "2.1", "2.2",
    ]
    assert [o.statement for o in outcomes][:3] == ["Item 1", "Item 1.1", "Item 1.2"]
    assert {(o.category, o.evidence_rule) for o in outcomes} == {("competency", "signoff")}
    assert str(outcomes[0].identifier) == "00000000-0000-0000-0000-000000000001"
    assert outcomes[0].uri == "https://server/ims/case/v1p0/CFItems/00000000-0000-0000-0000-000000000001"
    assert report.warnings == [
        "14 items have no humanCodingScheme; codes were made from their place in the outline (1, 1.1, 1.2, …).",
        "14 items have no CFItemType; imported as Competency.",
        "The items are nested 2 levels deep; outcomes are one list, so all 14 items were imported "
        "in outline order (parents before their children).",
    ]


def test_the_real_opensalt_export_imports_its_16_items_with_shortened_ccss_codes():
    report = case_package_import(raw=OPENSALT_SAMPLE.read_bytes(), source_name=OPENSALT_SAMPLE.name)

    outcomes = list(report.version.outcomes.order_by("position"))
    assert report.version.framework.title == "What Standards Could Be"
    assert report.outcomes == len(outcomes) == 16
    # Clusters first, each followed by its standards and their components.
    assert [o.code for o in outcomes] == [
        "6.RP.A", "6.RP.A.1", "6.RP.A.2", "6.RP.A.3", "6.RP.A.3a", "6.RP.A.3b", "6.RP.A.3c", "6.RP.A.3d",
        "7.RP.A", "7.RP.A.1", "7.RP.A.2", "7.RP.A.2a", "7.RP.A.2b", "7.RP.A.2c", "7.RP.A.2d", "7.RP.A.3",
    ]
    assert outcomes[0].statement == "Understand ratio concepts and use ratio reasoning to solve problems."
    assert {o.category for o in outcomes} == {"competency"}
    warnings = "\n".join(report.warnings)
    assert "the prefix “CCSS.Math.Content.” that every humanCodingScheme shares was left off" in warnings
    for item_type, n in (("Cluster", 2), ("Component", 8), ("Standard", 6)):
        assert f"Item type “{item_type}” ({n} items) is not Knowledge, Competency or Experience" in warnings
    assert "23 associations other than isChildOf (exactMatchOf ×16, exemplar ×2, isRelatedTo ×2, precedes ×3)" in warnings
    assert "nested 3 levels deep" in warnings


def test_item_types_that_name_our_categories_set_category_and_default_rule():
    package = json.loads(SMARTLEVEL.read_text())
    package["CFItems"][0]["CFItemType"] = "knowledge"
    package["CFItems"][1]["CFItemType"] = "Experience"
    package["CFItems"][2]["CFItemTypeURI"] = {"title": "Competency", "identifier": str(uuid.uuid4()), "uri": "https://x.example/t"}

    outcomes = {o.statement: o for o in case_package_import(raw=package).version.outcomes.all()}

    assert (outcomes["Item 1"].category, outcomes["Item 1"].evidence_rule) == ("knowledge", "coursework")
    assert (outcomes["Item 2"].category, outcomes["Item 2"].evidence_rule) == ("experience", "hours")
    assert (outcomes["Item 1.1"].category, outcomes["Item 1.1"].evidence_rule) == ("competency", "signoff")


def test_a_framework_with_a_draft_refuses_another_import(frameworks_snapshot):
    package = case_package_export(version=framework_load_bundled())
    case_package_import(raw=package)
    before = frameworks_snapshot()

    with pytest.raises(ImportRejected) as caught:
        case_package_import(raw=package)

    assert caught.value.report.problems == [
        "CFDocument: framework “kap-certificate-outcomes” already has a draft (v2); publish it "
        "before importing another version."
    ]
    assert frameworks_snapshot() == before


# --- Malformed packages --------------------------------------------------------------


def _kap() -> dict:
    """A valid package to break, with three items: K1, K2, E1."""
    package = case_package_export(version=framework_load_bundled())
    keep = {"K1", "K2", "E1"}
    items = [i for i in package["CFItems"] if i["humanCodingScheme"] in keep]
    ids = {i["identifier"] for i in items}
    package["CFItems"] = items
    package["CFAssociations"] = [a for a in package["CFAssociations"] if a["originNodeURI"]["identifier"] in ids]
    return package


STRANGER = "6f1c1e9e-0000-4000-8000-000000000001"


def _drop(key):
    def mutate(p):
        del p[key]
    return mutate


def _set(path: str, value):
    """``_set("CFItems.1.fullStatement", "")`` — dotted path into the package."""
    def mutate(p):
        *parents, last = path.split(".")
        target = p
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DELETE:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return mutate


_DELETE = object()


def _same_identifier(p):
    p["CFItems"][2]["identifier"] = p["CFAssociations"][2]["originNodeURI"]["identifier"] = p["CFItems"][0]["identifier"]


def _not_a_uuid(p):
    p["CFItems"][0]["identifier"] = p["CFAssociations"][0]["originNodeURI"]["identifier"] = "K1"


def _loop(p):
    first, second = p["CFItems"][0], p["CFItems"][1]
    p["CFAssociations"][0]["destinationNodeURI"]["identifier"] = second["identifier"]
    p["CFAssociations"][1]["destinationNodeURI"]["identifier"] = first["identifier"]


MALFORMED = [
    ("not JSON", "{not json", ["The file is not valid JSON: Expecting property name enclosed in double quotes at line 1, column 2."]),
    ("not an object", "[1, 2]", ["The file holds a JSON list, not a CASE CFPackage object."]),
    ("no CFDocument", _drop("CFDocument"), ["CFDocument is missing."]),
    ("no CFItems", _drop("CFItems"), ["CFItems is missing."]),
    ("empty CFItems", _set("CFItems", []), ["CFItems is empty: there is nothing to import."]),
    ("CFItems not a list", _set("CFItems", {}), ["CFItems should be a list, not a object."]),
    ("document without identifier", _set("CFDocument.identifier", _DELETE), ["CFDocument.identifier is missing."]),
    ("document without title", _set("CFDocument.title", " "), ["CFDocument.title is empty."]),
    ("item not an object", _set("CFItems.1", "K2"), [
        "CFItems[1] should be an object, not a string.",
        # Its association now points at nothing: true, and worth knowing.
        "CFAssociations[1].originNodeURI.identifier 76af1853-36b3-5cc1-be3e-21a48d7839bd is not an item in this package.",
    ]),
    ("duplicate identifiers", _same_identifier, [
        "CFItems[2].identifier 46841d1a-17fa-5e26-8692-e68458b33afa is also the identifier of CFItems[0].",
    ]),
    ("identifier not a UUID", _not_a_uuid, ["CFItems[0].identifier “K1” is not a UUID."]),
    ("item without statement", _set("CFItems.1.fullStatement", _DELETE), ["CFItems[1].fullStatement is missing."]),
    ("blank statement", _set("CFItems.1.fullStatement", "   "), ["CFItems[1].fullStatement is empty."]),
    ("statement not text", _set("CFItems.1.fullStatement", 7), ["CFItems[1].fullStatement should be text, not a number."]),
    ("item without uri", _set("CFItems.2.uri", _DELETE), ["CFItems[2].uri is missing."]),
    ("duplicate code", _set("CFItems.1.humanCodingScheme", "K1"), ["CFItems[1].humanCodingScheme “K1” is also the code of CFItems[0]."]),
    ("unknown evidence rule", _set("CFItems.0.notes", "Kapstone evidence rule: vibes"), [
        "CFItems[0].notes names evidence rule “vibes”, which is not one of coursework, signoff, hours.",
    ]),
    ("experience without hours", _set("CFItems.2.notes", "Kapstone evidence rule: signoff"), [
        "CFItems[2].notes gives an experience outcome the evidence rule “signoff”; experience outcomes, "
        "and only they, are met by consultation hours.",
    ]),
    ("unknown association target", _set("CFAssociations.1.destinationNodeURI.identifier", STRANGER), [
        f"CFAssociations[1].destinationNodeURI.identifier {STRANGER} is neither the CFDocument nor an item in this package.",
    ]),
    ("unknown association origin", _set("CFAssociations.0.originNodeURI.identifier", STRANGER), [
        f"CFAssociations[0].originNodeURI.identifier {STRANGER} is not an item in this package.",
    ]),
    ("association without type", _set("CFAssociations.0.associationType", _DELETE), ["CFAssociations[0].associationType is missing."]),
    ("parents in a loop", _loop, [
        "CFItems[0] is not under the CFDocument: its isChildOf associations form a loop.",
        "CFItems[1] is not under the CFDocument: its isChildOf associations form a loop.",
    ]),
]


@pytest.mark.parametrize("digits", ["²", "١", "５", "1\u0301"])
def test_strange_digits_in_numbers_read_as_no_number_not_a_crash(digits, frameworks_snapshot):
    """``"²".isdigit()`` is true but ``int("²")`` raises (issue 17, finding 9): an
    enumeration or sequence number in other digits is read as none, in outline order."""
    package = _kap()
    package["CFItems"][0]["listEnumeration"] = digits
    for association in package["CFAssociations"]:
        association["sequenceNumber"] = digits
    report = case_package_import(raw=json.dumps(package), source_name="digits.json")
    assert report.version.outcomes.count() == len(package["CFItems"])


@pytest.mark.parametrize("raw_or_mutation, problems", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_a_malformed_package_is_refused_with_its_problem_and_nothing_saved(
    raw_or_mutation, problems, frameworks_snapshot
):
    raw = raw_or_mutation
    if callable(raw_or_mutation):
        package = _kap()
        raw_or_mutation(package)
        raw = json.dumps(package)
    before = frameworks_snapshot()

    with pytest.raises(ImportRejected) as caught:
        case_package_import(raw=raw, source_name="broken.json")

    assert caught.value.report.problems == problems
    assert caught.value.messages == problems
    assert frameworks_snapshot() == before


def test_every_problem_in_a_package_is_reported_at_once(frameworks_snapshot):
    package = _kap()
    del package["CFItems"][0]["fullStatement"]
    package["CFItems"][1]["identifier"] = "not-a-uuid"
    package["CFItems"][2]["humanCodingScheme"] = "K1"
    package["CFAssociations"][2]["destinationNodeURI"]["identifier"] = STRANGER
    before = frameworks_snapshot()

    with pytest.raises(ImportRejected) as caught:
        case_package_import(raw=package)

    report = caught.value.report
    assert report.problems == [
        "CFItems[0].fullStatement is missing.",
        "CFItems[1].identifier “not-a-uuid” is not a UUID.",
        "CFItems[2].humanCodingScheme “K1” is also the code of CFItems[0].",
        # Item 1's identifier is unreadable, so its association has no known origin.
        f"CFAssociations[1].originNodeURI.identifier {package['CFAssociations'][1]['originNodeURI']['identifier']}"
        " is not an item in this package.",
        f"CFAssociations[2].destinationNodeURI.identifier {STRANGER} is neither the CFDocument nor an item in this package.",
    ]
    assert report.as_text().startswith("Nothing was imported from CASE package: 5 problems.\n  - CFItems[0]")
    assert frameworks_snapshot() == before


def test_a_file_over_5_mb_is_refused_before_it_is_read(frameworks_snapshot):
    before = frameworks_snapshot()
    with pytest.raises(ImportRejected) as caught:
        case_package_import(raw=b" " * (MAX_BYTES + 1))
    assert caught.value.report.problems == ["The file is 5.0 MB; the limit is 5 MB."]
    assert frameworks_snapshot() == before


# --- Audit ---------------------------------------------------------------------------


def test_an_import_is_written_to_the_audit_trail(world):
    report = case_package_import(raw=SMARTLEVEL.read_bytes(), actor=world.admin, source_name=SMARTLEVEL.name)

    event = AuditEvent.objects.get(verb="framework.imported")
    assert event.actor == world.admin
    assert (event.target_type, event.target_id) == ("competencies.frameworkversion", str(report.version.pk))
    assert event.details == {
        "format": "case", "file": SMARTLEVEL.name, "outcomes": 14, "framework_created": True, "warnings": 3,
    }


# --- Management commands -------------------------------------------------------------


def test_export_case_writes_the_package_to_stdout_or_a_file(capsys, tmp_path):
    version = framework_load_bundled()
    call_command("export_case", "kap-certificate-outcomes", "1")
    printed = json.loads(capsys.readouterr().out)
    assert _stable(printed) == _stable(case_package_export(version=version))

    target = tmp_path / "kap.json"
    call_command("export_case", "kap-certificate-outcomes", "1", "--output", str(target))
    assert f"to {target}" in capsys.readouterr().out
    assert _stable(json.loads(target.read_text())) == _stable(printed)


def test_export_case_names_what_exists_when_the_version_does_not():
    framework_load_bundled()
    with pytest.raises(CommandError, match=r"No version 9 of “kap-certificate-outcomes” \(it has versions 1\)"):
        call_command("export_case", "kap-certificate-outcomes", "9")


def test_import_case_prints_the_report(capsys):
    call_command("import_case", str(SMARTLEVEL))
    out = capsys.readouterr().out
    assert out.startswith(f"Imported SmartLevel Test v1 (draft) from CASE package {SMARTLEVEL.name}: 14 outcomes")
    assert FrameworkVersion.objects.get(framework__title="SmartLevel Test").outcomes.count() == 14


def test_import_case_fails_with_the_report_on_stderr_and_saves_nothing(tmp_path, capsys, frameworks_snapshot):
    broken = tmp_path / "broken.json"
    package = json.loads(SMARTLEVEL.read_text())
    del package["CFItems"][3]["fullStatement"]
    del package["CFDocument"]
    broken.write_text(json.dumps(package))
    before = frameworks_snapshot()

    with pytest.raises(CommandError, match="broken.json was not imported; nothing was saved.") as caught:
        call_command("import_case", str(broken))

    assert caught.value.returncode == 1
    assert capsys.readouterr().err == (
        "Nothing was imported from CASE package broken.json: 2 problems.\n"
        "  - CFDocument is missing.\n"
        "  - CFItems[3].fullStatement is missing.\n"
    )
    assert frameworks_snapshot() == before


def test_import_case_reports_a_missing_file():
    with pytest.raises(CommandError, match="Cannot read /no/such/file.json"):
        call_command("import_case", "/no/such/file.json")


# --- Wagtail admin screens -----------------------------------------------------------


IMPORT_URL = "/admin/frameworks/import/"


def _upload(path, name=None, content=None):
    return SimpleUploadedFile(name or path.name, content if content is not None else path.read_bytes())


def test_the_admin_urls_are_where_the_views_say():
    assert reverse("competencies_framework_import") == IMPORT_URL
    assert reverse("competencies_frameworks") == "/admin/frameworks/"


def test_a_program_admin_imports_a_case_package_and_sees_the_report(world, login):
    client = login(world.admin)
    assert client.get(IMPORT_URL).status_code == 200

    response = client.post(IMPORT_URL, {"file": _upload(SMARTLEVEL)})

    assert response.status_code == 200
    page = response.content.decode()
    assert "SmartLevel Test v1" in page and "14 outcomes" in page
    assert "14 items have no humanCodingScheme" in page
    version = FrameworkVersion.objects.get(framework__title="SmartLevel Test")
    assert version.outcomes.count() == 14 and not version.is_published
    event = AuditEvent.objects.get(verb="framework.imported")
    assert event.actor == world.admin and event.details["file"] == SMARTLEVEL.name


def test_a_malformed_upload_shows_every_problem_on_the_form_and_saves_nothing(world, login, frameworks_snapshot):
    package = json.loads(SMARTLEVEL.read_text())
    del package["CFItems"][0]["fullStatement"]
    package["CFItems"][5]["fullStatement"] = ""
    client = login(world.admin)
    before = frameworks_snapshot()

    response = client.post(IMPORT_URL, {"file": _upload(SMARTLEVEL, "broken.json", json.dumps(package).encode())})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported: the file has 2 problems." in page
    assert "<li>CFItems[0].fullStatement is missing.</li>" in page
    assert "<li>CFItems[5].fullStatement is empty.</li>" in page
    assert "Correct the file and upload it again." in page
    assert frameworks_snapshot() == before


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("framework.txt", b"hello", "Upload a CASE package (.json) or a Moodle competency CSV (.csv)."),
        ("huge.json", b" " * (MAX_BYTES + 1), "The file is 5.0 MB; the limit is 5 MB."),
        ("empty.json", b"", "The submitted file is empty."),
    ],
)
def test_the_upload_form_refuses_files_by_type_and_size(world, login, frameworks_snapshot, name, content, message):
    client = login(world.admin)
    before = frameworks_snapshot()

    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, content)})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert frameworks_snapshot() == before


def test_a_program_admin_downloads_a_version_as_case(world, login):
    version = framework_load_bundled()
    client = login(world.admin)

    listing = client.get(reverse("competencies_frameworks")).content.decode()
    url = reverse("competencies_framework_export_case", args=[version.pk])
    assert url in listing and "Export CASE" in listing

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="kap-certificate-outcomes-v1.case.json"'
    assert _stable(json.loads(response.content)) == _stable(case_package_export(version=version))
    assert client.get(reverse("competencies_framework_export_case", args=[version.pk + 999])).status_code == 404


@pytest.mark.parametrize("who", ["editor", "trainee_a", "trainer_a"])
def test_everyone_but_program_admins_gets_403_from_the_framework_screens(world, login, who, frameworks_snapshot):
    version = framework_load_bundled()
    client = login(getattr(world, who))
    before = frameworks_snapshot()

    for url in (
        reverse("competencies_frameworks"), IMPORT_URL,
        reverse("competencies_framework_export_case", args=[version.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(IMPORT_URL, {"file": _upload(SMARTLEVEL)}).status_code == 403

    assert frameworks_snapshot() == before
    assert AuditEvent.objects.filter(verb="access.refused", actor=getattr(world, who)).count() == 4


def test_the_view_itself_refuses_a_program_admin_without_the_add_framework_permission(world, login):
    from django.contrib.auth.models import Permission

    from core.roles import forget_roles

    # Hold the role but not the permission: the view's own check must answer.
    world.admin.user_permissions.clear()
    group = world.admin.groups.get(name="Program admin")
    group.permissions.remove(Permission.objects.get(codename="add_framework", content_type__app_label="competencies"))
    forget_roles(world.admin)

    response = login(world.admin).get(IMPORT_URL)

    assert response.status_code == 403
    assert AuditEvent.objects.filter(verb="access.refused", details__permission="competencies.add_framework").exists()


def test_anonymous_visitors_are_sent_to_sign_in():
    from django.test import Client

    response = Client().get(IMPORT_URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_menu_item_is_shown_only_to_users_who_may_import(world, login):
    assert "Outcome frameworks" in login(world.admin).get("/admin/").content.decode()
    editor_dashboard = login(world.editor).get("/admin/")
    assert editor_dashboard.status_code == 200
    assert "Outcome frameworks" not in editor_dashboard.content.decode()


def test_a_program_admin_publishes_an_imported_draft_once(world, login):
    client = login(world.admin)
    client.post(IMPORT_URL, {"file": _upload(SMARTLEVEL)})
    version = FrameworkVersion.objects.get(framework__title="SmartLevel Test")
    publish_url = reverse("competencies_framework_publish", args=[version.pk])
    assert publish_url in client.get(reverse("competencies_frameworks")).content.decode()
    assert client.get(publish_url).status_code == 405

    page = client.post(publish_url, follow=True).content.decode()

    version.refresh_from_db()
    assert version.is_published
    assert "SmartLevel Test v1 is published." in page
    assert publish_url not in page  # a published version offers no Publish button
    event = AuditEvent.objects.get(verb="framework.published", actor=world.admin)
    assert event.details == {"outcomes": 14}

    published_at = version.published_at
    again = client.post(publish_url, follow=True).content.decode()
    assert "SmartLevel Test v1 is already published." in again
    version.refresh_from_db()
    assert version.published_at == published_at
    assert AuditEvent.objects.filter(verb="framework.published", actor=world.admin).count() == 1


@pytest.mark.parametrize("who", ["editor", "trainee_a", "trainer_a"])
def test_only_program_admins_may_publish_a_draft(world, login, who):
    login(world.admin).post(IMPORT_URL, {"file": _upload(SMARTLEVEL)})
    version = FrameworkVersion.objects.get(framework__title="SmartLevel Test")

    response = login(getattr(world, who)).post(reverse("competencies_framework_publish", args=[version.pk]))

    assert response.status_code == 403
    version.refresh_from_db()
    assert not version.is_published
