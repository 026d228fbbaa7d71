"""The certificate's PDF: its template, stylesheet and the outcome list's two columns.

Every outcome is printed in full: a long framework takes a smaller type and, past that,
a second page, but no statement is ever cut. The program's signature and seal are
embedded as data (never fetched by URL: they are not served at all), and the verify
address is the site's own (``SITE_URL``), the one the QR code names.

WeasyPrint balances a CSS multi-column list by laying it out again and again, which
cost about 90 ms of CPU per certificate, half of its PDF. The outcomes are split into
two columns here instead, by their estimated height, and the template sets them side
by side in a fixed two-cell table.
"""

import base64
import math
import threading
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string

from consultation.selectors import hours_progress

from . import badge
from .qr import qr_svg_data_uri

CATEGORIES = {"K": "Knowledge", "C": "Competencies", "E": "Experience"}
# Estimates of the layout, in lines of an outcome's text: the characters that fit on
# one line of a column, the gap below each outcome and the room a heading takes.
LINE_CHARS = 60
ITEM_GAP = 0.2
HEADING_LINES = 2.5
# The layouts tried in turn, the first that fits on one page kept: the page filled with
# the signatures at its foot in the usual type, then in a smaller type, and for a list
# too long for that, the list flowing on to a second page (whose table cells continue
# across the break; a one-page frame's would not). Most certificates take the first.
LAYOUTS = ({"one_page": True, "compact": False}, {"one_page": True, "compact": True},
           {"one_page": False, "compact": True})


@dataclass
class OutcomeGroup:
    """A category's outcomes within one column; ``continued`` when its heading is in
    the column before."""

    category: str
    count: int
    labels: list[str]
    continued: bool = False


def outcomes_by_category(snapshot: dict) -> dict[str, list[str]]:
    """The met outcomes' labels from the eligibility snapshot, by category."""
    grouped: dict[str, list[str]] = {}
    for requirement in snapshot["requirements"]:
        if requirement["key"].startswith("outcome:") and requirement["met"]:
            code = requirement["key"].split(":", 1)[1]
            category = CATEGORIES.get(code[0], "Outcomes")
            grouped.setdefault(category, []).append(requirement["label"])
    return grouped


def image_data_uri(file) -> str | None:
    """A stored certificate image (a program's signature or seal) as a data URI, or
    None when there is none or its file is gone: the PDF then goes without it."""
    if not file:
        return None
    try:
        with file.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError):
        return None
    mime = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def outcome_columns(grouped: dict[str, list[str]]) -> tuple[list[OutcomeGroup], list[OutcomeGroup]]:
    """Split the outcomes into two columns of about equal height, in reading order.

    The split falls between two outcomes, so a heading stays with its first outcome;
    of the splits whose taller column is shortest, the first column takes the most, as
    CSS column balancing does.
    """
    entries = [(category, position, label) for category, labels in grouped.items()
               for position, label in enumerate(labels)]
    heights = [math.ceil(len(label) / LINE_CHARS) + ITEM_GAP + (HEADING_LINES if position == 0 else 0)
               for _, position, label in entries]
    total = sum(heights)
    split, best, above = len(entries), total, 0.0
    for index in range(1, len(entries)):
        above += heights[index - 1]
        if max(above, total - above) <= best:
            split, best = index, max(above, total - above)
    return _groups(entries[:split], grouped), _groups(entries[split:], grouped)


def _groups(entries: list[tuple[str, int, str]], grouped: dict[str, list[str]]) -> list[OutcomeGroup]:
    groups: list[OutcomeGroup] = []
    for category, position, label in entries:
        if not groups or groups[-1].category != category:
            groups.append(OutcomeGroup(category, len(grouped[category]), [], continued=position > 0))
        groups[-1].labels.append(label)
    return groups


_local = threading.local()


def _weasyprint():
    """WeasyPrint's font configuration and the parsed stylesheet, made once per thread
    and reused for every PDF: loading the system's fonts and parsing the CSS are the
    same work each time. Per thread, because Pango's font map is not thread-safe."""
    if not hasattr(_local, "fonts"):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        _local.fonts = FontConfiguration()
        _local.stylesheet = CSS(string=render_to_string("certificates/certificate_pdf.css"),
                                font_config=_local.fonts)
    return _local.fonts, _local.stylesheet


def certificate_pdf(certificate) -> bytes:
    """The certificate's PDF (``certificate`` as ``Certificate.objects.with_people()``
    reads it)."""
    from weasyprint import HTML

    hours = hours_progress(certificate.enrolment)
    program = certificate.enrolment.cohort.program
    grouped = outcomes_by_category(certificate.snapshot)

    context = {
        "certificate": certificate,
        "enrolment": certificate.enrolment,
        "program": program,
        "outcome_columns": outcome_columns(grouped),
        "signature": image_data_uri(program.signature_image),
        "seal": image_data_uri(program.seal_image),
        "hours": hours,
        "qr": qr_svg_data_uri(certificate.get_verify_url()),
        "statement": badge.NO_LICENSE_STATEMENT,
    }
    fonts, stylesheet = _weasyprint()
    for layout in LAYOUTS:
        html = render_to_string("certificates/certificate_pdf.html", {**context, **layout})
        document = HTML(string=html, base_url=settings.SITE_URL).render(
            stylesheets=[stylesheet], font_config=fonts
        )
        if len(document.pages) == 1:
            break
    return document.write_pdf()
