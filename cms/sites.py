"""Which Wagtail site a request is for, without a query on every request.

Wagtail finds the site for each request with a query (``Site.find_for_request``):
serving any page and every ``{% pageurl %}`` needs it, and it was about a tenth of a
lesson page's time. Sites change about never, so each process keeps the sites it has
found, by host name and port, under a stamp kept in the cache. Any change to a site
or a page (a site holds its root page) drops the stamp (``forget_sites``, from
courses/signals.py and the receivers below), and the next request in every process
finds its site afresh.

The check is one small cache read (health checks and static files skip it), and the
answer is Wagtail's own: the memo stores what ``Site.find_for_request`` returned. With
the cache unreachable the memo cannot be checked, so Wagtail's lookup runs as before.
Hosts outside ALLOWED_HOSTS are never stored, and the memo holds a bounded number of
hosts, so made-up Host headers cannot grow it.
"""

import logging
import uuid

from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http.request import split_domain_port
from wagtail.models import Site

from core.cache import CACHE_UNREACHABLE, forget_now_and_on_commit

logger = logging.getLogger(__name__)

_STAMP_KEY = "wagtail-sites-stamp:1"
_STAMP_SECONDS = 60 * 60  # a safety net only: changes drop the stamp at once
_MAX_HOSTS = 32

# (host name, port) -> (stamp, the Site Wagtail found for them, or None)
_found: dict[tuple[str, int], tuple[str, Site | None]] = {}


def _stamp() -> str:
    stamp = cache.get(_STAMP_KEY)
    if stamp is None:
        stamp = uuid.uuid4().hex
        if not cache.add(_STAMP_KEY, stamp, _STAMP_SECONDS):
            stamp = cache.get(_STAMP_KEY) or stamp
    return stamp


def site_for_request(request) -> Site | None:
    """Wagtail's site for this request (whose host is allowed: ``get_host`` refuses any
    other), from this process's memo while it is current."""
    host = (split_domain_port(request.get_host())[0], request.get_port())
    try:
        stamp = _stamp()
    except CACHE_UNREACHABLE:
        return Site.find_for_request(request)
    known = _found.get(host)
    if known is not None and known[0] == stamp:
        return known[1]
    # Read after the stamp: a change committed meanwhile drops this stamp, so what is
    # stored under it is never served after the change.
    site = Site.find_for_request(request)
    if len(_found) >= _MAX_HOSTS:
        _found.clear()
    _found[host] = (stamp, site)
    return site


def forget_sites() -> None:
    """Every process finds its sites afresh on its next request."""
    try:
        cache.delete(_STAMP_KEY)
    except CACHE_UNREACHABLE:
        logger.exception("Cache unreachable: remembered sites not dropped (they expire "
                         "within %s s)", _STAMP_SECONDS)


@receiver(post_save, sender=Site, dispatch_uid="cms-site-saved")
@receiver(post_delete, sender=Site, dispatch_uid="cms-site-deleted")
def _site_changed(**kwargs) -> None:
    forget_now_and_on_commit(forget_sites)


# Requests that never reach Wagtail and must stay as cheap as they are.
_SKIPPED_PREFIXES = ("/healthz", "/readyz", "/static/")


class SiteMiddleware:
    """Hands Wagtail the request's site from the memo.

    Wagtail has no public way to be given a request's site. Its public
    ``Site.find_for_request`` keeps what it found on the request, as
    ``request._wagtail_site`` (its documented contract: "The site will be cached via
    request._wagtail_site"), and answers from there for the rest of the request; the
    memo's answer is put in the same place, here and nowhere else
    (tests/cms/test_sites.py shows Wagtail serving from it without a site query)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(_SKIPPED_PREFIXES) and _host_allowed(request):
            request._wagtail_site = site_for_request(request)
        return self.get_response(request)


def _host_allowed(request) -> bool:
    """Hosts outside ALLOWED_HOSTS are refused with a 400 further on: they are neither
    looked up nor remembered."""
    try:
        request.get_host()
    except DisallowedHost:
        return False
    return True
