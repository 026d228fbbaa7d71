"""An Experience outcome's hours and kind in a CASE package: refused clearly when wrong
(nothing saved), defaulted with a warning when missing."""

import pytest

from competencies.interchange import ImportRejected, case_package_export, case_package_import
from competencies.models import Framework
from competencies.services import framework_load_bundled

pytestmark = pytest.mark.django_db


def _package_with_e1_notes(notes: str) -> dict:
    package = case_package_export(version=framework_load_bundled())
    for item in package["CFItems"]:
        if item["humanCodingScheme"] == "E1":
            item["notes"] = notes
    # A new framework: another identifier and URI than the bundled one.
    package["CFDocument"]["identifier"] = "7d7c1b7e-3a51-4e0e-9a38-2f8f6f1c0001"
    package["CFDocument"]["uri"] = "https://elsewhere.example/frameworks/kap"
    package["CFDocument"]["title"] = "KAP elsewhere"
    for association in package["CFAssociations"]:
        association["destinationNodeURI"]["identifier"] = package["CFDocument"]["identifier"]
    return package


@pytest.mark.parametrize("notes, problem", [
    ("Kapstone consultation hours required: ten.", "gives the hours required as “ten”, which is not a number"),
    ("Kapstone consultation hours required: 0.", "it should be more than 0 and at most 9999.9"),
    ("Kapstone consultation hours required: 2.25.", "with at most one decimal place"),
    ("Kapstone consultation kind: supervision.", "names the consultation kind “supervision”, which is not one of cases, own_experience"),
])
def test_wrong_hours_or_kind_are_refused_and_nothing_is_saved(notes, problem):
    package = _package_with_e1_notes(notes)
    frameworks = Framework.objects.count()
    with pytest.raises(ImportRejected) as rejected:
        case_package_import(raw=package)
    assert any(problem in p and p.startswith("CFItems[") for p in rejected.value.report.problems)
    assert Framework.objects.count() == frameworks


def test_missing_hours_and_kind_default_with_a_warning():
    report = case_package_import(raw=_package_with_e1_notes(""))
    e1 = report.version.outcomes.get(code="E1")
    assert (e1.hours_required, e1.consultation_kind) == (10, "own_experience")
    assert any("E1" in w and "check the draft before publishing it" in w for w in report.warnings)
