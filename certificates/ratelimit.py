"""Per-address limits on the public verifiers, counted in the shared cache.

The default cache is Redis whenever REDIS_URL is set, so every web process counts
against the same number; a per-process count would let N processes allow N times the
limit. The client address is the one the audit trail and the login limits use
(REMOTE_ADDR, or X-Forwarded-For only as far as TRUSTED_PROXY_COUNT proxies vouch).
"""

import time

from django.core.cache import cache

from audit.context import client_ip

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"30/m"`` (or allauth's ``"30/m/ip"``, ``"30/5m"``) → (30 requests, 60 seconds)."""
    count, _, rest = rate.partition("/")
    period = rest.split("/", 1)[0]
    digits = period.rstrip("smhd")
    unit = period[len(digits):] or "s"
    return int(count), int(digits or 1) * _UNITS[unit]


def consume(request, *, scope: str, rate: str) -> bool:
    """Count one request from the client's address; False once it is over ``rate``."""
    limit, period = parse_rate(rate)
    window = int(time.time() // period)
    key = f"ratelimit:{scope}:{client_ip(request) or 'unknown'}:{window}"
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=period + 1)
        count = 1
    return count <= limit
