"""Program admins: the cohort matrix, issuing, revoking and re-issuing."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template, render_to_string
from django.urls import reverse

from core.access import GET_POST, POST, PROGRAM_ADMIN, access
from core.forms import add_service_errors
from core.fragments import cached_fragment
from courses.models import Cohort
from jobs.services import enqueue

from .. import services
from ..forms import IssueForm, IssueSelectionForm, RevokeForm
from ..four_eyes import issuer_conflicts, refusal_text
from ..matrix import ROWS_TEMPLATE, MatrixFilters, cohort_matrix_rows, matrix_csv, matrix_rows_key
from ..models import Certificate
from ..tasks import issue_certificate


@access(PROGRAM_ADMIN)
def cohort_matrix(request, cohort_id: int):
    """Trainees × outcomes with hours, eligibility and certificates; filters and CSV."""
    cohort = get_object_or_404(Cohort.objects.select_related("program"), pk=cohort_id)
    filters = MatrixFilters.from_request(request, cohort)
    wanted = filters.cohort_id
    if wanted and wanted != cohort.pk and Cohort.objects.filter(pk=wanted).exists():
        query = request.GET.copy()
        del query["cohort"]
        url = reverse("certificates:cohort_matrix", args=[wanted])
        return redirect(f"{url}?{query.urlencode()}" if query else url)
    matrix = cohort_matrix_rows(cohort, filters)
    if request.GET.get("format") == "csv":
        return matrix_csv(cohort, matrix)
    # The rows, most of the page's rendering time, rendered once for everything they
    # show; the form around them (with its CSRF token) is rendered each time.
    key = matrix_rows_key(cohort, matrix, filters, get_template(ROWS_TEMPLATE).template.source)
    rows_html = cached_fragment(key, lambda: render_to_string(ROWS_TEMPLATE, {"matrix": matrix}))
    return render(request, "certificates/cohort_matrix.html", {
        "cohort": cohort, "matrix": matrix, "filters": filters, "rows_html": rows_html,
        "cohorts": Cohort.objects.select_related("program").order_by("-starts_on", "name"),
    })


@access(PROGRAM_ADMIN, methods=GET_POST)
def issue(request, cohort_id: int):
    """Confirm, then issue: the confirmation shows each selected trainee's report."""
    from ..eligibility import eligibility_for

    cohort = get_object_or_404(Cohort.objects.select_related("program"), pk=cohort_id)
    confirming = request.POST.get("step") == "confirm"
    form = IssueForm(request.POST if confirming else None, cohort=cohort)
    selection = IssueSelectionForm(request.POST if request.method == "POST" else None)
    selected = selection.cleaned_data["enrolment"] if selection.is_valid() else []
    if request.method != "POST" or not selected:
        if request.method == "POST":
            messages.error(request, "Select at least one trainee to issue certificates to." + (
                "" if selection.is_valid() else " (What was sent was not a list of trainees.)"
            ))
        return redirect("certificates:cohort_matrix", cohort.pk)
    enrolments = form.enrolments(selected)
    reports = eligibility_for([e.pk for e in enrolments])
    # Four eyes: shown on the page before the button, and refused again when issuing.
    conflicts = issuer_conflicts(request.user, [e.pk for e in enrolments])
    if confirming and form.is_valid():
        eligible = [e for e in enrolments if reports[e.pk].eligible]
        issuable = [e for e in eligible if not conflicts[e.pk]]
        for enrolment in issuable:
            enqueue(issue_certificate, enrolment_id=enrolment.pk, actor_id=request.user.pk)
        skipped = len(enrolments) - len(eligible)
        others = len(eligible) - len(issuable)
        messages.success(
            request,
            f"Issuing {len(issuable)} certificate{'s' if len(issuable) != 1 else ''}; each trainee "
            "is e-mailed when theirs is ready." + (
                f" {skipped} not eligible, not issued." if skipped else ""
            ) + (
                f" {others} for another program admin to issue: you had a hand in "
                f"{'that record' if others == 1 else 'those records'}." if others else ""
            ),
        )
        return redirect("certificates:cohort_matrix", cohort.pk)
    return render(request, "certificates/issue_confirm.html", {
        "cohort": cohort, "form": form,
        "rows": [(reports[e.pk], refusal_text(conflicts[e.pk]) if conflicts[e.pk] else "")
                 for e in enrolments if e.pk in reports],
        "live": set(Certificate.objects.live().filter(enrolment__in=enrolments)
                    .values_list("enrolment_id", flat=True)),
    })


@access(PROGRAM_ADMIN)
def certificate_detail(request, certificate_id: int):
    certificate = get_object_or_404(Certificate.objects.with_people(), pk=certificate_id)
    history = Certificate.objects.filter(enrolment=certificate.enrolment).order_by("-issued_at")
    return render(request, "certificates/detail.html", {
        "certificate": certificate, "history": history,
        "refusal": _reissue_refusal(request.user, certificate),
    })


def _reissue_refusal(user, certificate) -> str:
    """Why this admin may not issue a new certificate here, shown before the button."""
    if certificate.is_live and not certificate.has_expired:
        return ""
    reasons = issuer_conflicts(user, [certificate.enrolment_id])[certificate.enrolment_id]
    return refusal_text(reasons) if reasons else ""


@access(PROGRAM_ADMIN, methods=GET_POST)
def revoke(request, certificate_id: int):
    """A page of its own: what revoking does, the reason the trainee will read and a
    confirmation, so a certificate is never revoked by a single click."""
    certificate = get_object_or_404(Certificate.objects.with_people(), pk=certificate_id)
    if not certificate.is_live:
        messages.info(request, f"Certificate {certificate.serial} is already revoked.")
        return redirect("certificates:detail", certificate.pk)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.certificate_revoke(actor=request.user, certificate=certificate,
                                        reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Certificate {certificate.serial} revoked; the trainee has been told.")
            return redirect("certificates:detail", certificate.pk)
    return render(request, "certificates/revoke.html", {"certificate": certificate, "form": form},
                  status=400 if request.method == "POST" else 200)


@access(PROGRAM_ADMIN, methods=POST)
def reissue(request, certificate_id: int):
    """Issue a new certificate to the enrolment of a revoked one, or renew an expired
    one, if the enrolment is eligible now."""
    certificate = get_object_or_404(Certificate.objects.with_people(), pk=certificate_id)
    try:
        if certificate.is_live and certificate.has_expired:
            new, created = services.certificate_renew(actor=request.user, certificate=certificate), True
        else:
            new, created = services.certificate_issue(actor=request.user, enrolment=certificate.enrolment)
    except (services.NotEligible, ValidationError) as exc:
        messages.error(request, exc.messages[0])
        return redirect("certificates:detail", certificate.pk)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("certificates:detail", certificate.pk)
    if created:
        messages.success(request, f"Certificate {new.serial} issued.")
    else:
        messages.info(request, f"{new.enrolment.trainee} already holds live certificate {new.serial}.")
    return redirect("certificates:detail", new.pk)

