from django.http import HttpResponse

from .access import PUBLIC, access


@access(PUBLIC)
def healthz(request):
    """Liveness for load balancers; touches neither database nor cache."""
    return HttpResponse("ok", content_type="text/plain")
