"""The program admin's cohort matrix: trainees × outcomes, hours, eligibility and
certificates, filtered by status and trainer, as a page or CSV, in fixed queries."""

from dataclasses import dataclass, field

from django.db.models import F
from django.http import HttpResponse
from django.urls import reverse

from competencies.selectors.records import STATUS_LABELS
from core.csvexport import csv_response
from core.fragments import fragment_key
from core.hours import hours_minutes
from courses.models import Cohort, Enrolment, TrainerAssignment

from .eligibility import Requirement, summaries_for
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


def matrix_cell(requirement: Requirement | None, code: str) -> dict:
    """One outcome cell as the template shows it: a plain dict, the cheapest thing for
    the template engine to read 4,600 times. ``requirement`` is None where the trainee's
    framework version has no outcome ``code``."""
    if requirement is None:
        return {"code": code, "status": "absent", "title": f"{code}: not in this trainee's framework",
                "glyph": "", "label": "Not in this trainee's framework"}
    status = requirement.status
    return {"code": code, "status": status, "title": f"{code}: {requirement.why}",
            "glyph": GLYPHS[status], "label": STATUS_LABELS[status]}


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
    # The row's outcome requirements by code, in its framework's order.
    outcomes: dict[str, Requirement]
    certificate: Certificate | None
    revoked: Certificate | None
    # Filled in by ``Matrix``: the cells and hours in the matrix's column order.
    cells: list = field(default_factory=list)
    hours: list = field(default_factory=list)
    record_url: str = ""
    certificate_url: str = ""

    @property
    def enrolment(self):
        return self.report.enrolment

    @property
    def can_issue(self) -> bool:
        return self.report.eligible and self.certificate is None

    @property
    def shown_certificate(self) -> Certificate | None:
        return self.certificate or self.revoked

    def minutes_confirmed(self, code: str) -> int | None:
        """Confirmed consultation minutes towards the hours outcome ``code`` (written as
        hours by ``core.hours``); None when the trainee's framework version has no such
        outcome."""
        return self.report.confirmed_minutes.get(code)

    @property
    def missing_summary(self) -> str:
        """What is missing: each other requirement with its reason, one line each, then
        the outcomes by code (each outcome's cell carries its own reason)."""
        lines = [f"{r.label}: {r.why}" for r in self.report.missing if r.outcome_code is None]
        codes = [r.outcome_code for r in self.report.missing if r.outcome_code is not None]
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
    """The rows shown, with columns that follow the outcomes of the cohort's framework
    versions: every outcome code in order (the first trainee's version's order, then any
    code another version adds), and the hours outcomes among them for the hours columns."""

    rows: list[MatrixRow]
    total: int
    codes: list[str] = field(default_factory=list)
    hours_codes: list[str] = field(default_factory=list)
    statements: dict = field(default_factory=dict)

    def __post_init__(self):
        urls = _RowUrls()
        for row in self.rows:
            row.cells = [matrix_cell(row.outcomes.get(code), code) for code in self.codes]
            row.hours = [row.minutes_confirmed(code) for code in self.hours_codes]
            row.record_url = urls.record(row.enrolment.pk)
            if row.shown_certificate:
                row.certificate_url = urls.certificate(row.shown_certificate.pk)

    @property
    def columns(self) -> list[tuple[str, str]]:
        return [(code, self.statements.get(code, "")) for code in self.codes]

    @property
    def width(self) -> int:
        """Columns in the table, for a row that spans it."""
        return 4 + len(self.codes) + len(self.hours_codes)

    @property
    def eligible(self) -> int:
        return sum(1 for row in self.rows if row.can_issue)


def _keep(row: MatrixRow, status: str) -> bool:
    if status == "eligible":
        return row.can_issue
    if status == "not_eligible":
        return not row.report.eligible and row.certificate is None
    if status == "awaiting_review":
        return any(cell.status == "awaiting_review" for cell in row.outcomes.values())
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
    rows, statements, hours_codes = [], {}, {}
    for pk in ids:
        report = reports[pk]
        outcomes = {}
        for requirement in report.requirements:
            if requirement.outcome_code is not None:
                outcomes[requirement.outcome_code] = requirement
                statements.setdefault(requirement.outcome_code, requirement.label.split(" — ", 1)[-1])
        hours_codes.update(dict.fromkeys(report.confirmed_minutes))
        row = MatrixRow(report, outcomes, live.get(pk), revoked.get(pk))
        if _keep(row, filters.status):
            rows.append(row)
    return Matrix(rows, total, list(statements), list(hours_codes), statements)


# Raise when what a row shows changes in code rather than in the template (which is in
# the key by its source): cached rows outlive a deploy.
ROWS_TEMPLATE = "certificates/_cohort_matrix_rows.html"
ROWS_CODE_VERSION = 2


def matrix_rows_key(cohort: Cohort, matrix: Matrix, filters: MatrixFilters, template_source: str) -> str:
    """The key of the matrix's rendered rows: a digest of everything they show. Each
    row's cells and hours come from its standing, named by the key it was cached under
    (the enrolment's records version, framework version, sign-off requirements and
    curriculum stamp); the rest is read here, from what the page loaded anyway."""
    rows = []
    for row in matrix.rows:
        trainee = row.enrolment.trainee
        shown = row.shown_certificate
        rows.append((
            row.enrolment.pk, row.report.standing_key, str(trainee), trainee.full_name, trainee.email,
            # The enrolment's own checks (active, license, framework), read now: the
            # eligible badge and the missing summary come from them too.
            tuple(r[:4] for r in row.report.requirements if r.outcome_code is None),
            row.can_issue, row.record_url, row.certificate_url,
            (shown.pk, shown.serial, shown.status, row.certificate is None) if shown else None,
        ))
    return fragment_key(
        "cohort_matrix_rows", ROWS_CODE_VERSION, template_source, GLYPHS, STATUS_LABELS,
        cohort.pk, filters.status, filters.trainer_id, matrix.columns, matrix.hours_codes, rows,
    )


def matrix_csv(cohort: Cohort, matrix: Matrix) -> HttpResponse:
    header = ["trainee", "email", "enrolment status", *matrix.codes,
              *(f"{code} hours confirmed" for code in matrix.hours_codes),
              "eligible", "missing", "certificate", "certificate status"]
    rows = []
    for row in matrix.rows:
        enrolment = row.enrolment
        certificate = row.certificate or row.revoked
        rows.append([
            enrolment.trainee.full_name, enrolment.trainee.email, enrolment.get_status_display(),
            *["" if cell["status"] == "absent" else cell["status"].replace("_", " ") for cell in row.cells],
            *[hours_minutes(minutes) for minutes in row.hours],
            "yes" if row.report.eligible else "no",
            "; ".join(r.label.split(" — ")[0] for r in row.report.missing),
            certificate.serial if certificate else "",
            certificate.get_status_display() if certificate else "",
        ])
    return csv_response(f"cohort-{cohort.pk}-matrix.csv", header, rows)
