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
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import SafeString

from core.cache import CACHE_UNREACHABLE, forget_now_and_on_commit

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


def template_sources(*names: str) -> tuple[str, ...]:
    """The sources of the templates a fragment is rendered with (its own and those it
    includes), for its key: cached fragments do not outlive a change to their markup."""
    return tuple(get_template(name).template.source for name in names)


# --- Generations: a stamp for things a fragment shows that carry no version of their own

_GENERATION_SECONDS = 24 * 60 * 60  # a safety net only: a change drops the stamp at once

# The generations pages use (renewed by competencies/standing.py): people's names, and
# the frameworks' and their versions' names.
PEOPLE, FRAMEWORKS = "people", "frameworks"


def _generation_key(name: str) -> str:
    return f"fragment-generation:{name}"


def generation(name: str) -> str:
    """The current stamp of ``name`` (e.g. people's names): a random string made anew
    whenever ``new_generation(name)`` drops it, never reused. A fragment showing such
    things puts the stamp in its key. With the cache unreachable, a fresh stamp each time
    (nothing cached is then read anyway)."""
    key = _generation_key(name)
    try:
        stamp = cache.get(key)
        if stamp is None:
            stamp = uuid.uuid4().hex
            if not cache.add(key, stamp, _GENERATION_SECONDS):
                stamp = cache.get(key) or stamp
    except CACHE_UNREACHABLE:
        return uuid.uuid4().hex
    return stamp


def new_generation(name: str) -> None:
    """Every fragment keyed by ``name``'s stamp is out of reach from now on (and again
    once the change commits: a request that read the old state meanwhile may have
    stored a fragment under the stamp it made)."""

    def drop() -> None:
        try:
            cache.delete(_generation_key(name))
        except CACHE_UNREACHABLE:
            logger.exception("Cache unreachable: generation %s not renewed (it expires "
                             "within %s s)", name, _GENERATION_SECONDS)

    forget_now_and_on_commit(drop)


class Deferred:
    """A value worked out only if a template asks for it (a template calls what it is
    given): what a cached fragment shows is read only when the fragment is rendered."""

    def __init__(self, read: Callable[[], object]) -> None:
        self._read = read
        self._value = self._unread = object()

    def __call__(self):
        if self._value is self._unread:
            self._value = self._read()
        return self._value
