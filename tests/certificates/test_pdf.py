"""The certificate PDF's outcome list: two columns, every outcome once, in order."""

import re

import pytest

from certificates import services
from certificates.pdf import outcome_columns
from pdf_reading import pdf_pages, pdf_text  # tests/


def _short(n, prefix):
    return [f"{prefix}{i} — short" for i in range(1, n + 1)]


def _read(columns):
    """What a reader sees, column one then column two: headings and outcomes."""
    seen = []
    for column in columns:
        for group in column:
            if not group.continued:
                seen.append(f"{group.category} ({group.count})")
            seen += group.labels
    return seen


@pytest.mark.parametrize("grouped", [
    {},
    {"Knowledge": ["K1 — only"]},
    {"Knowledge": _short(10, "K")},
    {"Knowledge": _short(9, "K"), "Competencies": _short(12, "C"), "Experience": _short(2, "E")},
    {"Knowledge": ["K1 — " + "long " * 40, *_short(3, "K")], "Experience": _short(8, "E")},
])
def test_every_outcome_appears_once_in_order_under_its_heading(grouped):
    expected = [line for category, labels in grouped.items()
                for line in [f"{category} ({len(labels)})", *labels]]
    assert _read(outcome_columns(grouped)) == expected


def test_a_heading_is_never_left_at_the_foot_of_the_first_column():
    first, second = outcome_columns({"Knowledge": _short(6, "K"), "Competencies": _short(6, "C")})
    assert [g.category for g in first] == ["Knowledge"]
    assert [g.category for g in second] == ["Competencies"] and not second[0].continued


def test_a_category_split_across_columns_is_headed_once():
    first, second = outcome_columns({"Knowledge": _short(10, "K")})
    assert len(first[0].labels) + len(second[0].labels) == 10
    assert not first[0].continued and second[0].continued
    # The heading takes room, so the first column holds fewer outcomes, not more.
    assert len(first[0].labels) <= len(second[0].labels)


@pytest.mark.django_db
def test_pdf_is_one_page_listing_every_outcome_in_reading_order(
    complete, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        certificate, _ = services.certificate_issue(actor=complete.admin, enrolment=complete.enrolment_a)
    certificate.refresh_from_db()
    data = certificate.pdf.read()
    assert pdf_pages(data) == 1
    # Read in drawing order: the first column to its foot, then the second.
    text = pdf_text(data)
    codes = re.findall(r"^(?:• )?([KCE]\d+) — ", text, re.M)  # pypdf may drop the list marker
    assert codes == [f"K{i}" for i in range(1, 10)] + [f"C{i}" for i in range(1, 13)] + ["E1", "E2"]
    headings = re.findall(r"^(\w+ \(\d+\))$", text, re.M)
    assert headings == ["Knowledge (9)", "Competencies (12)", "Experience (2)"]
    for requirement in certificate.snapshot["requirements"]:
        if requirement["key"] == "outcome:C6":  # short enough to sit on one line
            assert requirement["label"] in text
