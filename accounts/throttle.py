"""Failed sign-ins slow the guesser down without locking anyone out.

Failures are counted twice, in the shared cache (Redis in production; settings refuse
to start without it in production):

- per account and client address: guessing one person's password from one place. The
  account is the one the typed address belongs to (any of its addresses, any case),
  or the normalised address when it belongs to none;
- per client address: guessing many accounts' passwords from one place.

Each count allows a few failures, then asks the client to wait before its next
attempt: the wait doubles with every further failure up to a cap, and the refusal
says how long (HTTP 429 with ``Retry-After``, accounts.middleware). Nothing sleeps in
a worker. A count is forgotten after a quiet window.

Because the per-account count is per address, an attacker elsewhere cannot keep the
account's owner out; because the per-address allowance is generous, one client's
failures do not hold back the other people signing in behind the same address. The
owner's successful sign-in clears their account count for that address; a password
reset clears it for every address (a new generation of the account's keys).
"""

import math
import time
from dataclasses import dataclass

from allauth.account.adapter import get_adapter
from allauth.account.utils import filter_users_by_email
from django.conf import settings
from django.core.cache import cache

_PREFIX = "login-throttle"


@dataclass(frozen=True)
class Rule:
    free: int  # failures before any wait
    base: float  # seconds to wait after the first failure beyond ``free``
    cap: float  # the longest wait
    window: float  # seconds without a failure after which the count is forgotten

    def wait(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.cap, self.base * 2 ** (failures - self.free))


def _rules() -> dict[str, Rule]:
    return {scope: Rule(**values) for scope, values in settings.KAPSTONE_LOGIN_THROTTLE.items()}


def now() -> float:
    return time.time()


def _account(credentials: dict) -> str:
    login = str(credentials.get("email") or credentials.get("username") or "").strip().lower()
    users = filter_users_by_email(login) if login else []
    if len({user.pk for user in users}) == 1:
        return f"user:{users[0].pk}:{_generation(users[0].pk)}"
    return f"login:{login}"


def _generation(user_pk) -> int:
    return cache.get(f"{_PREFIX}:gen:{user_pk}", 0)


def _keys(request, credentials: dict) -> dict[str, str]:
    ip = get_adapter().get_client_ip(request)
    return {"account_ip": f"{_PREFIX}:{_account(credentials)}:{ip}", "ip": f"{_PREFIX}:ip:{ip}"}


def login_wait(request, credentials: dict) -> int:
    """Whole seconds the client must wait before trying these credentials (0: go on)."""
    rules, longest = _rules(), 0.0
    for scope, key in _keys(request, credentials).items():
        state = cache.get(key)
        if not state:
            continue
        failures, last = state
        longest = max(longest, last + rules[scope].wait(failures) - now())
    return math.ceil(longest) if longest > 0 else 0


def login_failed(request, credentials: dict) -> None:
    """Count a failed password (sign-in or re-authentication) on both counts."""
    rules, at = _rules(), now()
    for scope, key in _keys(request, credentials).items():
        failures, _ = cache.get(key) or (0, at)
        # A read-modify-write: two failures landing together may count once, which
        # only ever shortens a wait by one step; the refusal itself is never skipped.
        cache.set(key, (failures + 1, at), timeout=int(rules[scope].window))


def login_succeeded(request, user) -> None:
    """The owner got in from here: their count at this address starts again. The
    address's own count stays, or one known password would wipe out many guesses."""
    ip = get_adapter().get_client_ip(request)
    cache.delete(f"{_PREFIX}:user:{user.pk}:{_generation(user.pk)}:{ip}")


def password_reset(user) -> None:
    """Whoever reads the mailbox could reset the password anyway: every account count
    of this person, from every address, starts again."""
    key = f"{_PREFIX}:gen:{user.pk}"
    cache.add(key, 0, timeout=None)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=None)
