"""The program admin's cohort matrix: trainees × outcomes, hours, eligibility and
certificates, filtered by status and trainer, as a page or CSV, in fixed queries."""

import functools
import html
from dataclasses import dataclass, field

from django.db.models import F
from django.http import HttpResponse
from django.urls import reverse
from django.utils.safestring import mark_safe

from competencies.selectors.records import STATUS_LABELS
from core.csvexport import csv_response
from courses.models import Cohort, Enrolment, TrainerAssignment

from .eligibility import summaries_for
from .forms import MatrixFilterForm
from .models import Certificate

STATUS_FILTERS = {
    "": "All trainees",
    "eligible": "Eligible, no live certificate",
    "not_eligible": "Not yet eligible",
    "awaiting_review": "With outcomes awaiting review",
    "certified": "Holding a live certificate",
    "revoked": "With a revoked certificate",
}
GLYPHS = {"met": "✓", "awaiting_review": "…", "in_progress": "○", "not_started": ""}
_GLYPH_HTML = {status: f'<span aria-hidden="true">{glyph}</span>' if glyph else ""
               for status, glyph in GLYPHS.items()}


@functools.lru_cache(maxsize=8192)
def _cell_html(key: str, why: str, status: str) -> str:
    """One outcome cell. A cohort's 4,600 cells are a few hundred distinct ones (the
    same reasons recur), each made and escaped once."""
    return (f'<td class="status-{status}" title="{html.escape(key[8:])}: {html.escape(why)}">'
            f'{_GLYPH_HTML[status]}<span class="visually-hidden">{STATUS_LABELS[status]}</span></td>')


@dataclass
class MatrixFilters:
    status: str = ""
    trainer_id: int | None = None
    trainers: list = field(default_factory=list)
    # Another cohort the admin switched to (the view redirects there).
    cohort_id: int | None = None

    @classmethod
    def from_request(cls, request, cohort: Cohort) -> "MatrixFilters":
        trainers = [
            (pk, name or email) for pk, name, email in
            TrainerAssignment.objects.current().filter(cohort=cohort)
            .values_list("trainer_id", "trainer__full_name", "trainer__email")
            .distinct().order_by("trainer__full_name", "trainer__email")
        ]
        # Through a form: a trainer who is not one of this cohort's, or an id that is
        # not a plain number ("²", "١"), is no filter rather than an error.
        form = MatrixFilterForm(request.GET, statuses=STATUS_FILTERS.items(), trainers=trainers)
        return cls(form.value("status") or "", form.value("trainer"), trainers,
                   form.value("cohort"))

    @property
    def status_choices(self):
        return STATUS_FILTERS.items()

    def as_query(self) -> str:
        from urllib.parse import urlencode

        return urlencode({k: v for k, v in (("status", self.status), ("trainer", self.trainer_id or "")) if v})


@dataclass
class MatrixRow:
    report: object
    cells: list
    certificate: Certificate | None
    revoked: Certificate | None

    @property
    def enrolment(self):
        return self.report.enrolment

    @property
    def can_issue(self) -> bool:
        return self.report.eligible and self.certificate is None

    def html(self, urls: "_RowUrls") -> str:
        """The row. Built here rather than in the template: a cohort of 200 has 4,600
        outcome cells, and the template engine spent most of the page's time on them and
        on 400 reverse() calls. The outcome statements are in the column headers, not in
        every cell. Every text that is not a fixed string is escaped."""
        enrolment, trainee = self.enrolment, self.enrolment.trainee
        name = html.escape(str(trainee))
        select = (f'<input type="checkbox" name="enrolment" value="{enrolment.pk}" aria-label="Select {name}">'
                  if self.can_issue else "")
        cells = "".join(_cell_html(cell.key, cell.why, cell.status) for cell in self.cells)
        if self.report.eligible:
            eligible = '<span class="badge badge-ok">Eligible</span>'
        else:
            eligible = (f'<span class="badge" title="{html.escape(self.missing_summary)}">'
                        f"{len(self.report.missing)} missing</span>")
        certificate = ""
        if self.certificate or self.revoked:
            shown = self.certificate or self.revoked
            certificate = f'<a href="{urls.certificate(shown.pk)}">{html.escape(shown.serial)}</a>'
            if not self.certificate:
                certificate += ' <span class="badge badge-bad">revoked</span>'
        return (
            f"<tr><td>{select}</td>"
            f'<th scope="row"><a href="{urls.record(enrolment.pk)}">{html.escape(trainee.full_name or trainee.email)}'
            f"</a><br><small>{html.escape(trainee.email)}</small></th>{cells}"
            f'<td class="num">{round(self.hours("E1"))}</td><td class="num">{round(self.hours("E2"))}</td>'
            f"<td>{eligible}</td><td>{certificate}</td></tr>"
        )

    def hours(self, code: str) -> float:
        """Confirmed consultation hours towards an hours outcome (E1, E2)."""
        return self.report.confirmed_minutes.get(code, 0) / 60

    @property
    def missing_summary(self) -> str:
        """What is missing: each other requirement with its reason, one line each, then
        the outcomes by code (each outcome's cell carries its own reason)."""
        lines = [f"{r.label}: {r.why}" for r in self.report.missing if not r.key.startswith("outcome:")]
        codes = [r.key[8:] for r in self.report.missing if r.key.startswith("outcome:")]
        if codes:
            lines.append(f"Outcomes not yet met: {', '.join(codes)}")
        return "\n".join(lines)


class _RowUrls:
    """The two links every row has, reversed once per page: each row fills in its id."""

    _MARKER = 2_147_483_647

    def __init__(self):
        self.record = self._for_id("competencies:admin_record")
        self.certificate = self._for_id("certificates:detail")

    @classmethod
    def _for_id(cls, name: str):
        head, tail = reverse(name, args=[cls._MARKER]).rsplit(str(cls._MARKER), 1)
        return lambda pk: f"{head}{int(pk)}{tail}"


@dataclass
class Matrix:
    rows: list[MatrixRow]
    codes: list[str]
    total: int
    statements: dict = field(default_factory=dict)

    @property
    def columns(self) -> list[tuple[str, str]]:
        return [(code, self.statements.get(code, "")) for code in self.codes]

    @property
    def eligible(self) -> int:
        return sum(1 for row in self.rows if row.can_issue)

    def rows_html(self) -> str:
        urls = _RowUrls()
        # Safe: MatrixRow.html escapes every text that is not a fixed string.
        return mark_safe("".join(row.html(urls) for row in self.rows))  # nosec B703, B308 - escaped in MatrixRow.html


def _keep(row: MatrixRow, status: str) -> bool:
    if status == "eligible":
        return row.can_issue
    if status == "not_eligible":
        return not row.report.eligible and row.certificate is None
    if status == "awaiting_review":
        return any(cell.status == "awaiting_review" for cell in row.cells)
    if status == "certified":
        return row.certificate is not None
    if status == "revoked":
        return row.revoked is not None
    return True


def cohort_matrix_rows(cohort: Cohort, filters: MatrixFilters) -> Matrix:
    enrolments = cohort.enrolments.order_by("trainee__full_name", "trainee__email")
    total = enrolments.count()
    if filters.trainer_id:
        enrolments = enrolments.filter(
            pk__in=Enrolment.objects.filter(
                trainee__trainer_assignments__in=TrainerAssignment.objects.current().filter(
                    cohort=cohort, trainer_id=filters.trainer_id
                )
            )
        )
    # The cohort (with its program) and the one or two framework versions are shared by
    # every row: attached from one copy each rather than joined onto 200 rows. Timestamps
    # and the password hash the rows never show are left in the database.
    enrolments = list(
        enrolments.select_related("trainee").prefetch_related("framework_version__framework")
        .defer("created_at", "updated_at", "trainee__password", "trainee__last_login", "trainee__date_joined")
        .annotate(verifier_name=F("license_verified_by__full_name"))
    )
    for enrolment in enrolments:
        enrolment.cohort = cohort
    ids = [e.pk for e in enrolments]
    reports = summaries_for(enrolments)
    live, revoked = {}, {}
    # Not the stored credential and snapshot: a few kilobytes of JSON each, never shown here.
    for certificate in (Certificate.objects.filter(enrolment_id__in=ids).order_by("issued_at")
                        .only("pk", "enrolment_id", "serial", "status", "issued_at")):
        (live if certificate.is_live else revoked)[certificate.enrolment_id] = certificate
    rows = []
    for pk in ids:
        report = reports[pk]
        cells = [r for r in report.requirements if r.key.startswith("outcome:")]
        row = MatrixRow(report, cells, live.get(pk), revoked.get(pk))
        if _keep(row, filters.status):
            rows.append(row)
    codes = [cell.key.split(":", 1)[1] for cell in rows[0].cells] if rows else []
    statements = {cell.key.split(":", 1)[1]: cell.label.split(" — ", 1)[-1] for cell in rows[0].cells} if rows else {}
    return Matrix(rows, codes, total, statements)


def matrix_csv(cohort: Cohort, matrix: Matrix) -> HttpResponse:
    header = ["trainee", "email", "enrolment status", *matrix.codes, "E1 hours confirmed",
              "E2 hours confirmed", "eligible", "missing", "certificate", "certificate status"]
    rows = []
    for row in matrix.rows:
        enrolment = row.enrolment
        certificate = row.certificate or row.revoked
        rows.append([
            enrolment.trainee.full_name, enrolment.trainee.email, enrolment.get_status_display(),
            *[cell.status.replace("_", " ") for cell in row.cells],
            f"{row.hours('E1'):g}", f"{row.hours('E2'):g}",
            "yes" if row.report.eligible else "no",
            "; ".join(r.label.split(" — ")[0] for r in row.report.missing),
            certificate.serial if certificate else "",
            certificate.get_status_display() if certificate else "",
        ])
    return csv_response(f"cohort-{cohort.pk}-matrix.csv", header, rows)
