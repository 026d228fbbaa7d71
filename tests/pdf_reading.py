"""PDF text for tests, read in Python with pypdf: a test needs no program that
``make install`` does not install (no pdftotext, no pdfinfo)."""

import io

from pypdf import PdfReader


def pdf_pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def pdf_text(data: bytes, *, layout: bool = False) -> str:
    """Every page's text, in the order the PDF draws it (WeasyPrint draws in reading
    order); ``layout`` keeps words on the lines where they stand on the page."""
    reader = PdfReader(io.BytesIO(data))
    mode = "layout" if layout else "plain"
    return "\n".join(page.extract_text(extraction_mode=mode) for page in reader.pages)
