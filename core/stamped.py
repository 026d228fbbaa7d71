"""A value read on most requests and changed rarely, cached under a stamp.

The one place where a process keeps a value between requests. The value lives in the
shared cache (Redis) beside a stamp, a random string made each time the value is read
from the database, so two readings never share one. Each process also keeps the last
value it fetched; a request then reads only the stamp (a few bytes) and, while the stamp
still names the value this process holds, uses it instead of fetching and unpickling the
whole value again. Measured on the curriculum tree (``courses.selectors.learning``), the
first user: that fetch was about a tenth of a lesson page's time.

Never stale, by construction: ``forget`` drops value and stamp together (the caller
does so now and again on commit, ``core.cache.forget_now_and_on_commit``), so the next
reader in every process reads the database and makes a new stamp; a stamp lost from the
cache is made anew in the same way, never reused. The cache is never a dependency: when
it cannot be reached the value is read from the database, and the failure logged.

Values handed out are shared by the requests of one process: callers treat them as
read-only (and copy what they fill in).
"""

import logging
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from django.core.cache import cache

from core.cache import CACHE_UNREACHABLE

logger = logging.getLogger(__name__)

T = TypeVar("T")


class StampedCache(Generic[T]):
    """Values named by an id, each carrying its stamp (``stamp_of(value)``); the caller
    passes ``build``, which reads the value from the database."""

    def __init__(self, name: str, *, stamp_of: Callable[[T], str], timeout: int) -> None:
        self.name = name
        self.stamp_of = stamp_of
        self.timeout = timeout  # a safety net only: forget() is what keeps values current
        self._held: dict[int, T] = {}

    def value_key(self, ident: int) -> str:
        return f"{self.name}:value:{ident}"

    def stamp_key(self, ident: int) -> str:
        return f"{self.name}:stamp:{ident}"

    def get(self, ident: int, build: Callable[[], T]) -> T:
        """The current value (from this process, the shared cache or the database)."""
        try:
            stamp = cache.get(self.stamp_key(ident))
            held = self._held.get(ident)
            if stamp is not None and held is not None and self.stamp_of(held) == stamp:
                return held
            value = cache.get(self.value_key(ident))
        except CACHE_UNREACHABLE:
            logger.warning("Cache unreachable: %s read from the database", self.name)
            return build()
        if value is None:
            value = build()
            try:
                cache.set_many({self.value_key(ident): value,
                                self.stamp_key(ident): self.stamp_of(value)}, self.timeout)
            except CACHE_UNREACHABLE:
                logger.warning("Cache unreachable: %s not cached", self.name)
                return value
        self._held[ident] = value
        return value

    def stamp(self, ident: int, build: Callable[[], T]) -> str:
        """The current value's stamp, reading the value only when the stamp is missing."""
        try:
            stamp = cache.get(self.stamp_key(ident))
        except CACHE_UNREACHABLE:
            stamp = None
        if stamp is None:
            stamp = self.stamp_of(self.get(ident, build))
            try:
                cache.add(self.stamp_key(ident), stamp, self.timeout)
            except CACHE_UNREACHABLE:
                pass
        return stamp

    def forget(self, idents: Iterable[int]) -> None:
        """Drop the values of these ids (and their stamps) from the shared cache; every
        process reads them afresh on next use."""
        keys = [key for ident in idents for key in (self.value_key(ident), self.stamp_key(ident))]
        try:
            cache.delete_many(keys)
        except CACHE_UNREACHABLE:
            logger.exception("Cache unreachable: %s not dropped (they expire within %s s)",
                             self.name, self.timeout)
