import logging

from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache

from core.access import PUBLIC, access

logger = logging.getLogger(__name__)


@access(PUBLIC)
def healthz(request):
    """Liveness for load balancers; touches neither database nor cache."""
    return HttpResponse("ok", content_type="text/plain")


@access(PUBLIC)
@never_cache
def readyz(request):
    """Readiness: can this process reach its database and cache right now? 503 names
    what is down (never why: no hosts, no errors, for an anonymous caller)."""
    down = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means not ready
        logger.exception("Readiness: database unreachable")
        down.append("database")
    try:
        cache.get("readyz-probe")
    except Exception:  # noqa: BLE001
        logger.exception("Readiness: cache unreachable")
        down.append("cache")
    if down:
        return HttpResponse("down: " + ", ".join(down), status=503, content_type="text/plain")
    return HttpResponse("ready", content_type="text/plain")
