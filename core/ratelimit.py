"""A fixed-window request limit per client address, in the shared cache.

For public pages that answer anyone (certificate verification). The rate reads like
allauth's: ``"30/m"`` (or ``"30/m/ip"``) is 30 requests a minute per address; periods are ``s``, ``m``,
``h``, ``d``, optionally with a count (``"100/10m/ip"``). The address is allauth's
public ``get_client_ip`` (REMOTE_ADDR, or X-Forwarded-For only behind the configured
proxies).
"""

import math
import time
from dataclasses import dataclass

from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    amount: int
    period: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        try:
            amount, period, *per = text.split("/")
            count = period[:-1] or "1"
            if per not in ([], ["ip"]) or period[-1] not in _UNITS or not count.isascii() \
                    or not count.isdigit():
                raise ValueError(text)
            return cls(int(amount), int(count) * _UNITS[period[-1]])
        except ValueError as exc:
            raise ImproperlyConfigured(f"Not a rate like '30/m': {text!r}") from exc


def hit(request, *, scope: str, rate: str) -> int:
    """Count one request; 0 when it is within the rate, else whole seconds until the
    window ends (for ``Retry-After``)."""
    limit = Rate.parse(rate)
    now = time.time()
    window = int(now // limit.period)
    key = f"ratelimit:{scope}:{get_adapter().get_client_ip(request)}:{window}"
    cache.add(key, 0, timeout=limit.period)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=limit.period)
        count = 1
    if count <= limit.amount:
        return 0
    return max(1, math.ceil((window + 1) * limit.period - now))
