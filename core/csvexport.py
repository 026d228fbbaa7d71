"""CSV downloads: one response shape, and cells that spreadsheets cannot run."""

import csv

from django.http import HttpResponse


def safe_cell(value):
    """Spreadsheet formula injection: text starting with = + - @ (or a tab or carriage
    return) is written with a leading quote, so it stays text."""
    if not isinstance(value, str):
        return value
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return response
