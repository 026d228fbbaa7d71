"""The program admin's cohort matrix: trainees × outcomes, hours, eligibility and
certificates, filtered by status and trainer, as a page or CSV, in fixed queries."""

from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from config.csvexport import csv_response
from consultation.selectors import minutes_for
from courses.models import Cohort, TrainerAssignment

from .eligibility import eligibility_for
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


@dataclass
class MatrixFilters:
    status: str = ""
    trainer_id: int | None = None
    trainers: list = field(default_factory=list)

    @classmethod
    def from_request(cls, request, cohort: Cohort) -> "MatrixFilters":
        status = request.GET.get("status", "")
        trainers = list(
            TrainerAssignment.objects.current().filter(cohort=cohort)
            .values_list("trainer_id", "trainer__full_name", "trainer__email")
            .distinct().order_by("trainer__full_name", "trainer__email")
        )
        trainer = request.GET.get("trainer", "")
        trainer_id = int(trainer) if trainer.isdigit() else None
        if trainer_id not in {t[0] for t in trainers}:
            trainer_id = None
        return cls(status if status in STATUS_FILTERS else "", trainer_id,
                   [(pk, name or email) for pk, name, email in trainers])

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
    minutes: dict
    certificate: Certificate | None
    revoked: Certificate | None

    @property
    def enrolment(self):
        return self.report.enrolment

    @property
    def can_issue(self) -> bool:
        return self.report.eligible and self.certificate is None

    def cells_html(self) -> str:
        """The row's outcome cells. Built here rather than in the template: a cohort
        of 200 has 4,600 cells, and the template engine spent most of the page's time
        on them. The outcome statements are in the column headers, not in every cell."""
        # Safe: the key and the reason are escaped; statuses and glyphs are fixed strings.
        return mark_safe("".join(  # nosec B703, B308 - every interpolated text is escaped
            f'<td class="status-{cell.status}" title="{escape(cell.key[8:])}: {escape(cell.why)}">'
            f'{_GLYPH_HTML[cell.status]}<span class="visually-hidden">{cell.status.replace("_", "")}</span></td>'
            for cell in self.cells
        ))

    @property
    def missing_summary(self) -> str:
        """What is missing, one line per requirement, by code for outcomes."""
        return "\n".join(
            f"{r.key[8:] if r.key.startswith('outcome:') else r.label}: {r.why}" for r in self.report.missing
        )


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
            trainee__trainer_assignments__in=TrainerAssignment.objects.current().filter(
                cohort=cohort, trainer_id=filters.trainer_id
            )
        )
    ids = list(enrolments.values_list("pk", flat=True).distinct())
    reports = eligibility_for(ids)
    minutes = minutes_for(ids)
    live, revoked = {}, {}
    for certificate in Certificate.objects.filter(enrolment_id__in=ids).order_by("issued_at"):
        (live if certificate.is_live else revoked)[certificate.enrolment_id] = certificate
    rows = []
    for pk in ids:
        report = reports.get(pk)
        if report is None:
            continue
        cells = [r for r in report.requirements if r.key.startswith("outcome:")]
        row = MatrixRow(report, cells, minutes[pk], live.get(pk), revoked.get(pk))
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
            f"{row.minutes['E1']['confirmed'] / 60:g}", f"{row.minutes['E2']['confirmed'] / 60:g}",
            "yes" if row.report.eligible else "no",
            "; ".join(r.label.split(" — ")[0] for r in row.report.missing),
            certificate.serial if certificate else "",
            certificate.get_status_display() if certificate else "",
        ])
    return csv_response(f"cohort-{cohort.pk}-matrix.csv", header, rows)
