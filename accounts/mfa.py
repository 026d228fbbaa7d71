"""Second factors set up from code, and an authenticator app's current code.

The demo (``load_demo``, ``make totp``), the benchmark's build and the tests give
accounts an authenticator app without a person scanning a QR code. allauth offers no
public API for that: people set up authenticators through its views, and the
functions behind them live in ``allauth.mfa.*.internal``. This module is the one place
that reaches them, so an allauth upgrade that moves them breaks here, in three short
functions, and in tests/accounts/test_mfa.py, which signs in with what they make.
"""

import time

from allauth.mfa import app_settings
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value

from .models import User


def totp_activate(*, user: User, secret: str | None = None,
                  recovery_codes: bool = False) -> Authenticator:
    """Give ``user`` an authenticator app with this base32 ``secret`` (a new random one
    if None) and, if asked, recovery codes, as allauth's own setup view does."""
    authenticator = TOTP.activate(user, secret or generate_totp_secret()).instance
    if recovery_codes:
        RecoveryCodes.activate(user)
    # accounts.middleware remembers on the user object whether a factor is set up.
    user.__dict__.pop("_kapstone_has_mfa", None)
    return authenticator


def totp_code(*, user: User, at: float | None = None) -> str | None:
    """The six-digit code ``user``'s authenticator app shows at ``at`` (now if None),
    or None when the user has none."""
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return None
    secret = get_adapter().decrypt(authenticator.data["secret"])
    counter = int(time.time() if at is None else at) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))
