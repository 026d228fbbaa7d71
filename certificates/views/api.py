"""POST /credentials/verify, the W3C CCG VC-API verifier endpoint.

Request: ``{"verifiableCredential": {...}, "options": {...}}`` (JSON). Verified: 200
with ``{"checks": [...], "warnings": [], "errors": []}``; not verified: 422 with the
errors; a request that is not that shape: 400; too large: 413; too many: 429. The
checks are the /verify/ page's, in the same killable child process and under the
same per-address limit. Anonymous and CSRF-exempt: it reads no cookie and changes
nothing.
"""

import json

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from core import ratelimit
from core.access import POST, PUBLIC, access

from ..forms import MAX_CREDENTIAL_BYTES
from ..verification import summarize, verify_submitted

# The envelope around a credential of the largest size /verify/ accepts.
MAX_REQUEST_BYTES = MAX_CREDENTIAL_BYTES + 4096
# Our check names → the names VC-API verifiers use for the same checks.
CHECK_NAMES = {
    "well formed": "wellFormed",
    "signature": "proof",
    "issuer key": "issuer",
    "dates": "validity",
    "status": "credentialStatus",
}


def _check_name(check) -> str:
    return CHECK_NAMES.get(check.name, check.name)


def _answer(status: int, *, checks=(), errors=(), **extra) -> JsonResponse:
    body = {"checks": list(checks), "warnings": [], "errors": list(errors), **extra}
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


def _body(request) -> bytes | None:
    """At most MAX_REQUEST_BYTES of the body, or None if it is longer (checked before
    anything is parsed, and before the whole of a longer body is read)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if declared > MAX_REQUEST_BYTES:
        return None
    body = request.read(MAX_REQUEST_BYTES + 1)
    return None if len(body) > MAX_REQUEST_BYTES else body


# No CSRF token: other software calls this anonymously with a JSON body, no cookie or
# session is read, and it changes nothing (a forged cross-site request gains nothing).
@csrf_exempt
@access(PUBLIC, methods=POST)
def credentials_verify(request):
    wait = ratelimit.hit(request, scope="credential_verify", rate=settings.CREDENTIAL_VERIFY_RATE_LIMIT)
    if wait:
        response = _answer(429, errors=["Too many verification requests from this address; "
                                        f"try again in {wait} seconds."])
        response["Retry-After"] = str(wait)
        return response
    body = _body(request)
    if body is None:
        return _answer(413, errors=[f"The request is larger than {MAX_REQUEST_BYTES // 1024} KB; "
                                    "a credential is a few kilobytes."])
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return _answer(400, errors=['The body is not JSON; send {"verifiableCredential": {...}}.'])
    if not isinstance(data, dict) or not isinstance(data.get("verifiableCredential"), dict):
        return _answer(400, errors=['The body must be a JSON object with a "verifiableCredential" '
                                    'object.'])
    if not isinstance(data.get("options", {}), dict):
        return _answer(400, errors=['"options" must be a JSON object.'])
    report = verify_submitted(data["verifiableCredential"])
    summary = summarize(report)
    extra = {"summary": summary.as_json()} if summary else {}
    if report.valid:
        return _answer(200, checks=[_check_name(c) for c in report.checks], **extra)
    return _answer(422, checks=[_check_name(c) for c in report.checks if c.ok],
                   errors=[f"{c.name}: {c.message}" for c in report.checks if not c.ok],
                   revoked=report.revoked, **extra)
