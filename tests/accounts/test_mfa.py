"""accounts/mfa.py: the one wrapper around allauth's internal TOTP set-up (allauth has
no public API for giving an account an authenticator app from code). What it makes is
what allauth's own sign-in accepts."""

import io

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command

from accounts.mfa import totp_activate, totp_code
from factories.accounts import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "KAPSTONETESTKAPSTONETESTKAPSTONE"


def _sign_in(client, user, code):
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    return client.post("/accounts/2fa/authenticate/", {"code": code})


def test_an_activated_authenticator_app_signs_in_with_its_current_code(client):
    user = UserFactory()
    totp_activate(user=user, secret=SECRET)
    response = _sign_in(client, user, totp_code(user=user))
    assert response.status_code == 302
    assert client.get("/accounts/email/").status_code == 200


def test_a_wrong_code_is_refused(client):
    user = UserFactory()
    totp_activate(user=user, secret=SECRET)
    right = totp_code(user=user)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = _sign_in(client, user, wrong)
    assert response.status_code == 200 and "Incorrect code." in response.content.decode()


def test_the_code_follows_the_clock_and_the_secret():
    first, second = UserFactory(), UserFactory()
    totp_activate(user=first, secret=SECRET)
    totp_activate(user=second)  # a random secret
    at = 1_800_000_000.0
    assert totp_code(user=first, at=at) == totp_code(user=first, at=at + 29.9 - at % 30)
    assert totp_code(user=first, at=at) != totp_code(user=first, at=at + 30)
    assert totp_code(user=first, at=at) != totp_code(user=second, at=at)
    assert len(totp_code(user=first, at=at)) == 6


def test_recovery_codes_only_when_asked():
    plain, with_codes = UserFactory(), UserFactory()
    totp_activate(user=plain)
    totp_activate(user=with_codes, recovery_codes=True)
    kinds = lambda u: set(Authenticator.objects.filter(user=u).values_list("type", flat=True))  # noqa: E731
    assert kinds(plain) == {Authenticator.Type.TOTP}
    assert kinds(with_codes) == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}


def test_an_account_without_an_app_has_no_code():
    assert totp_code(user=UserFactory()) is None


def test_make_totp_prints_the_current_code_or_says_why_not():
    user = UserFactory(email="someone@kapstone.test")
    with pytest.raises(CommandError, match="has no authenticator app set up"):
        call_command("demo_totp", "someone@kapstone.test")
    with pytest.raises(CommandError, match="has no authenticator app set up"):
        call_command("demo_totp", "nobody@kapstone.test")
    totp_activate(user=user, secret=SECRET)
    out = io.StringIO()
    before = totp_code(user=user)
    call_command("demo_totp", "SOMEONE@kapstone.test", stdout=out)
    # The same code, unless a 30-second period ended in between.
    assert out.getvalue().strip() in {before, totp_code(user=user)}
