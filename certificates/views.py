import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.fields.json import KT
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import cache_control

from accounts.roles import Role, has_role
from config.access import (
    GET_POST,
    POST,
    PROGRAM_ADMIN,
    PUBLIC,
    SIGNED_IN,
    TRAINEE,
    access,
    get_visible_or_404,
)
from config import ratelimit
from config.forms import add_service_errors
from courses.models import Cohort
from jobs.services import enqueue

from . import badge, services
from .credentials import keys
from .forms import IssueForm, RevokeForm, VerifyForm
from .matrix import MatrixFilters, cohort_matrix_rows, matrix_csv
from .models import Certificate
from .verification import verify_uploaded

JSONLD = "application/ld+json"


def certificates_visible_to(user):
    """Trainees see their own certificates; program admins see all."""
    queryset = Certificate.objects.with_people()
    if has_role(user, Role.PROGRAM_ADMIN):
        return queryset
    return queryset.filter(enrolment__trainee=user)


# --- trainees ------------------------------------------------------------------------

@access(TRAINEE)
def mine(request):
    certificates = Certificate.objects.with_people().filter(enrolment__trainee=request.user)
    return render(request, "certificates/mine.html", {"certificates": certificates})


@access(SIGNED_IN)
def certificate_pdf(request, certificate_id: int):
    certificate = get_visible_or_404(request, certificates_visible_to(request.user), pk=certificate_id)
    # Regenerated here if the stored file has gone missing (same code as the task).
    certificate = services.certificate_pdf_render(certificate.pk)
    response = FileResponse(
        certificate.pdf.open("rb"), as_attachment=True, content_type="application/pdf",
        filename=f"kapstone-certificate-{certificate.serial}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@access(SIGNED_IN)
def certificate_credential(request, certificate_id: int):
    certificate = get_visible_or_404(request, certificates_visible_to(request.user), pk=certificate_id)
    response = HttpResponse(json.dumps(certificate.credential, indent=2, ensure_ascii=False),
                            content_type=JSONLD)
    response["Content-Disposition"] = (
        f'attachment; filename="kapstone-credential-{certificate.serial}.json"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- program admins ------------------------------------------------------------------

@access(PROGRAM_ADMIN)
def cohort_matrix(request, cohort_id: int):
    """Trainees × outcomes with hours, eligibility and certificates; filters and CSV."""
    cohort = get_object_or_404(Cohort.objects.select_related("program"), pk=cohort_id)
    wanted = request.GET.get("cohort", "")
    if wanted.isdigit() and int(wanted) != cohort.pk and Cohort.objects.filter(pk=wanted).exists():
        query = request.GET.copy()
        del query["cohort"]
        url = reverse("certificates:cohort_matrix", args=[int(wanted)])
        return redirect(f"{url}?{query.urlencode()}" if query else url)
    filters = MatrixFilters.from_request(request, cohort)
    matrix = cohort_matrix_rows(cohort, filters)
    if request.GET.get("format") == "csv":
        return matrix_csv(cohort, matrix)
    return render(request, "certificates/cohort_matrix.html", {
        "cohort": cohort, "matrix": matrix, "filters": filters,
        "cohorts": Cohort.objects.select_related("program").order_by("-starts_on", "name"),
    })


@access(PROGRAM_ADMIN, methods=GET_POST)
def issue(request, cohort_id: int):
    """Confirm, then issue: the confirmation shows each selected trainee's report."""
    from .eligibility import eligibility_for

    cohort = get_object_or_404(Cohort.objects.select_related("program"), pk=cohort_id)
    confirming = request.POST.get("step") == "confirm"
    form = IssueForm(request.POST if confirming else None, cohort=cohort)
    selected = [int(pk) for pk in request.POST.getlist("enrolment") if pk.isdigit()]
    if request.method != "POST" or not selected:
        if request.method == "POST":
            messages.error(request, "Select at least one trainee to issue certificates to.")
        return redirect("certificates:cohort_matrix", cohort.pk)
    enrolments = form.enrolments(selected)
    reports = eligibility_for([e.pk for e in enrolments])
    if confirming and form.is_valid():
        from .tasks import issue_certificate

        eligible = [e for e in enrolments if reports[e.pk].eligible]
        for enrolment in eligible:
            if enrolment.trainee_id == request.user.pk:
                continue
            enqueue(issue_certificate, enrolment_id=enrolment.pk, actor_id=request.user.pk)
        skipped = len(enrolments) - len(eligible)
        messages.success(
            request,
            f"Issuing {len(eligible)} certificate{'s' if len(eligible) != 1 else ''}; each trainee "
            "is e-mailed when theirs is ready." + (
                f" {skipped} not eligible, not issued." if skipped else ""
            ),
        )
        return redirect("certificates:cohort_matrix", cohort.pk)
    return render(request, "certificates/issue_confirm.html", {
        "cohort": cohort, "form": form,
        "reports": [reports[e.pk] for e in enrolments if e.pk in reports],
        "live": set(Certificate.objects.live().filter(enrolment__in=enrolments)
                    .values_list("enrolment_id", flat=True)),
    })


@access(PROGRAM_ADMIN)
def certificate_detail(request, certificate_id: int):
    certificate = get_object_or_404(Certificate.objects.with_people(), pk=certificate_id)
    form = RevokeForm()
    history = Certificate.objects.filter(enrolment=certificate.enrolment).order_by("-issued_at")
    return render(request, "certificates/detail.html", {
        "certificate": certificate, "form": form, "history": history,
    })


@access(PROGRAM_ADMIN, methods=POST)
def revoke(request, certificate_id: int):
    certificate = get_object_or_404(Certificate.objects.with_people(), pk=certificate_id)
    form = RevokeForm(request.POST)
    if form.is_valid():
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
    history = Certificate.objects.filter(enrolment=certificate.enrolment).order_by("-issued_at")
    return render(request, "certificates/detail.html", {
        "certificate": certificate, "form": form, "history": history,
    }, status=400)


@access(PROGRAM_ADMIN, methods=POST)
def reissue(request, certificate_id: int):
    """Issue a new certificate to the enrolment of a revoked one, if it is eligible now."""
    certificate = get_object_or_404(Certificate.objects.with_people(), pk=certificate_id)
    try:
        new, created = services.certificate_issue(actor=request.user, enrolment=certificate.enrolment)
    except services.NotEligible as exc:
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


# --- the public ----------------------------------------------------------------------

def _rate_limited(request) -> HttpResponse | None:
    # Per client address in the shared cache, GETs included (config/ratelimit.py).
    wait = ratelimit.hit(request, scope="certificate-verify", rate=settings.VERIFY_RATE_LIMIT)
    if not wait:
        return None
    response = render(request, "certificates/verify_limited.html", status=429)
    response["Retry-After"] = str(wait)
    return response


@access(PUBLIC)
@cache_control(no_cache=True)
def verify_code(request, code: str):
    limited = _rate_limited(request)
    if limited:
        return limited
    # What the page shows: not the signed credential and the snapshot, which are most
    # of the row (about 7 kB of JSON to read and decode), nor who issued or revoked it.
    certificate = (
        Certificate.objects.select_related(
            "enrolment__trainee", "enrolment__cohort__program", "framework_version__framework"
        )
        .defer("credential", "snapshot")
        # The name the certificate was issued with, not the person's name today.
        .annotate(issued_name=KT("snapshot__trainee_name"))
        .filter(verification_code=code.strip().lower()[:32])
        .first()
    )
    status = 200 if certificate else 404
    return render(request, "certificates/verify.html", {
        "certificate": certificate, "code": code[:40], "form": VerifyForm(),
    }, status=status)


@access(PUBLIC, methods=GET_POST)
def verify_file(request):
    """Paste or upload a credential; the project's own verifier checks and explains it."""
    form = VerifyForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST":
        limited = _rate_limited(request)
        if limited:
            return limited
        if form.is_valid():
            report = verify_uploaded(form.cleaned_data["credential"])
    return render(request, "certificates/verify_file.html", {"form": form, "report": report},
                  status=400 if request.method == "POST" and not form.is_valid() else 200)


@access(PUBLIC)
@cache_control(max_age=300, public=True)
def did_document(request):
    try:
        key = keys.load_signing_key()
    except Exception as exc:  # an unconfigured key is an operator error, not a 500 loop
        raise Http404("No issuer key is configured.") from exc
    return JsonResponse(keys.did_document(key), content_type="application/did+json")


@access(PUBLIC)
@cache_control(max_age=60, public=True)
def status_list(request, list_id: int):
    try:
        signed = services.status_list_current(list_id)
    except services.StatusList.DoesNotExist as exc:
        raise Http404("No such status list.") from exc
    return JsonResponse(signed, content_type="application/vc+ld+json",
                        json_dumps_params={"ensure_ascii": False})


@access(PUBLIC)
@cache_control(max_age=3600, public=True)
def achievement(request, program_slug: str):
    """The program's achievement definition, as the credentials carry it."""
    from courses.models import Program

    program = get_object_or_404(Program.objects.select_related("framework"), slug=program_slug)
    version = program.framework.versions.published().order_by("-published_at").first() if program.framework else None
    if version is None:
        raise Http404("This program has no published framework.")
    data = {"@context": [badge.VC2_CONTEXT, badge.OB3_CONTEXT], **badge.achievement(program, version)}
    return JsonResponse(data, content_type=JSONLD, json_dumps_params={"ensure_ascii": False})

