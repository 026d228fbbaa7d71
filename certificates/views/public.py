"""What anyone may open: verification by code or by credential, the issuer's DID
document, the status lists and the achievement definitions."""

from django.conf import settings
from django.db.models.fields.json import KT
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition

from core import ratelimit
from core.access import GET_POST, PUBLIC, access
from courses.models import Program

from .. import badge, keys, services
from ..forms import VerifyForm
from ..models import Certificate, StatusList
from ..verification import summarize, verify_submitted

JSONLD = "application/ld+json"


def _limited_page(request, *, scope: str, rate: str) -> HttpResponse | None:
    wait = ratelimit.hit(request, scope=scope, rate=rate)
    if not wait:
        return None
    response = render(request, "certificates/verify_limited.html", status=429)
    response["Retry-After"] = str(wait)
    return response


@access(PUBLIC)
@cache_control(no_cache=True)
def verify_code(request, code: str):
    limited = _limited_page(request, scope="certificate_verify", rate=settings.VERIFY_RATE_LIMIT)
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
    """Paste or upload a credential; the site's verifier checks and explains it."""
    form = VerifyForm(request.POST or None, request.FILES or None)
    report = summary = None
    if request.method == "POST":
        limited = _limited_page(request, scope="credential_verify",
                                rate=settings.CREDENTIAL_VERIFY_RATE_LIMIT)
        if limited:
            return limited
        if form.is_valid():
            report = verify_submitted(form.cleaned_data["credential"])
            summary = summarize(report)
    return render(request, "certificates/verify_file.html",
                  {"form": form, "report": report, "summary": summary},
                  status=400 if request.method == "POST" and not form.is_valid() else 200)


@access(PUBLIC)
@cache_control(max_age=300, public=True)
def did_document(request):
    try:
        key = keys.load_signing_key()
    except Exception as exc:  # an unconfigured key is an operator error, not a 500 loop
        raise Http404("No issuer key is configured.") from exc
    return JsonResponse(keys.did_document(key), content_type="application/did+json")


def _status_list_etag(list_id: int, signed_at) -> str:
    return f'"{list_id}-{signed_at.timestamp():.6f}"'


def _status_list_etag_now(request, list_id: int) -> str | None:
    """The ETag of the list as last signed (None: never signed; the view signs it).
    Verifiers poll the list: one that sends its ETag back gets a bodiless 304 until a
    revocation re-signs it."""
    signed_at = StatusList.objects.filter(pk=list_id).values_list("signed_at", flat=True).first()
    return _status_list_etag(list_id, signed_at) if signed_at else None


@access(PUBLIC)
@condition(etag_func=_status_list_etag_now)
def status_list(request, list_id: int):
    try:
        signed = services.status_list_signed(list_id)
    except services.StatusList.DoesNotExist as exc:
        raise Http404("No such status list.") from exc
    response = JsonResponse(signed.signed, content_type="application/vc+ld+json",
                            json_dumps_params={"ensure_ascii": False})
    # Also on the first fetch, which signed the list just now.
    response["ETag"] = _status_list_etag(list_id, signed.signed_at)
    # The same lifetime as the list's signed `ttl`: the longest a revocation takes to
    # reach a verifier (or a cache in front of the site) that honours either.
    patch_cache_control(response, public=True, max_age=settings.STATUS_LIST_MAX_AGE)
    return response


@access(PUBLIC)
@cache_control(max_age=3600, public=True)
def achievement(request, program_slug: str):
    """The program's achievement definition, as the credentials carry it."""
    program = get_object_or_404(Program.objects.select_related("framework"), slug=program_slug)
    version = None
    if program.framework:
        version = program.framework.versions.published().order_by("-published_at").first()
    if version is None:
        raise Http404("This program has no published framework.")
    data = {"@context": [badge.VC2_CONTEXT, badge.OB3_CONTEXT],
            **badge.achievement(program, version)}
    return JsonResponse(data, content_type=JSONLD, json_dumps_params={"ensure_ascii": False})
