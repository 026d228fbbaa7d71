"""Rendered fragments of a page, cached for repeat views under a digest of what they show.

The one way a page caches HTML: never a whole response (those carry CSRF and one-time
tokens), only a fragment rendered from plain data, stored under ``fragment_key(name,
*parts)``. The caller passes as parts everything the fragment shows, or the version
stamps of the records it was read from, and the fragment's template source; when any
of them changes the key changes, so a cached fragment is never stale by construction and
nothing needs to be forgotten. The cache is never a dependency: when it cannot be
reached the fragment is rendered, and the failure logged.
"""

import hashlib
import logging
from collections.abc import Callable

from django.core.cache import cache
from django.utils.safestring import SafeString

from core.cache import CACHE_UNREACHABLE

logger = logging.getLogger(__name__)

# Long enough for repeat views through a working day; a key no page asks for again
# (because something it shows changed) simply ages out.
FRAGMENT_CACHE_SECONDS = 24 * 60 * 60


def fragment_key(name: str, *parts) -> str:
    """``fragment:<name>:<digest>``, the digest of ``parts`` by their ``repr``: pass
    strings, numbers, None, booleans and tuples or lists of them, whose ``repr`` says
    all they hold."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=20).hexdigest()
    return f"fragment:{name}:{digest}"


def cached_fragment(key: str, render: Callable[[], str]) -> SafeString:
    """The fragment stored under ``key``, or ``render()`` stored there: one cache read
    on a hit. ``render`` returns what a template renders (a SafeString: the template
    escaped it); the cache keeps it as one, so nothing here marks text safe."""
    try:
        html = cache.get(key)
    except CACHE_UNREACHABLE:
        logger.warning("Cache unreachable: fragment %s rendered", key)
        return render()
    if not isinstance(html, SafeString):
        html = render()
        if not isinstance(html, SafeString):
            raise TypeError("A cached fragment is rendered by a template (a SafeString).")
        try:
            cache.set(key, html, FRAGMENT_CACHE_SECONDS)
        except CACHE_UNREACHABLE:
            logger.warning("Cache unreachable: fragment %s not cached", key)
    return html
