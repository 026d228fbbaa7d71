"""Authentication against a careful attacker: lock-out, one-time codes, password reset,
enumeration, sessions and re-authentication (issue 8, item 1).

The same guarantees across several app processes, Redis and PostgreSQL row locks are in
tests/integration/test_auth_integration.py.
"""

import re
import time
from types import SimpleNamespace

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts import mfa
from accounts.models import User
from factories.accounts import PASSWORD, UserFactory, with_totp

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
MFA = "/accounts/2fa/authenticate/"
LOCKED = "Too many failed login attempts"  # allauth's MFA-step limit
THROTTLED = "Too many failed sign-in attempts from here"  # accounts.throttle
WRONG = "The email address and/or password you specified are not correct."
WRONG_CODE = "Incorrect code."


def clock(monkeypatch, module: str) -> SimpleNamespace:
    """Replace ``time`` inside one allauth module by a clock the test moves on.

    Only that module sees the change (``clock.now += 901``); everything else, including
    the cache's own expiry, keeps the real time.
    """
    fake = SimpleNamespace(now=time.time(), monotonic=time.monotonic, sleep=time.sleep)
    fake.time = lambda: fake.now
    monkeypatch.setattr(f"{module}.time", fake)
    return fake


def totp_code(user, *, at: float | None = None) -> str:
    return mfa.totp_code(user=user, at=at)


def recovery_codes(user) -> list[str]:
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    return RecoveryCodes.activate(user).get_unused_codes()


def attempt(client, email, password, **extra):
    return client.post(LOGIN, {"login": email, "password": password}, **extra)


def waits(response) -> bool:
    """Refused for now: 429, how long in Retry-After, and the reason on the form."""
    return (response.status_code == 429 and int(response["Retry-After"]) > 0
            and THROTTLED in response.content.decode())


def throttled(email: str, address: str) -> bool:
    """The right password, from a new client at ``address``, is asked to wait."""
    return waits(attempt(Client(), email, PASSWORD, REMOTE_ADDR=address))


def reset_link(message) -> str:
    return re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", message.body).group(1)


def signed_in(client) -> bool:
    return client.get("/home/").wsgi_request.user.is_authenticated


def sign_in(client, user, *, code: str | None = None):
    """The whole sign-in a person goes through: password, then the code if asked."""
    response = attempt(client, user.email, PASSWORD)
    if response.get("Location") == MFA:
        response = client.post(MFA, {"code": code or totp_code(user)})
    assert signed_in(client), response
    return response


# --- Failed passwords: progressive delays, never a lock (issue 17, item 8) -------------

ATTACKER, OWNER, NEIGHBOUR = "198.51.100.66", "192.0.2.10", "198.51.100.67"


def test_after_five_failures_from_one_address_the_next_attempt_waits_whatever_is_claimed():
    """From one address, whatever Host spelling, e-mail case or X-Forwarded-For the
    client sends: the count is the account's at that address, the sixth attempt is
    refused with Retry-After, and so is the right password from there."""
    UserFactory(email="target@kapstone.test")
    hosts = ["testserver", "TESTSERVER", "Testserver", "testserver:80", "tEstserver", "teStserver"]
    answers = []
    for i, host in enumerate(hosts):
        response = attempt(
            Client(), ["target@kapstone.test", "TARGET@Kapstone.Test "][i % 2], "wrong-password",
            REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"203.0.113.{i + 1}", HTTP_HOST=host,
        )
        answers.append("wait" if waits(response) else WRONG if WRONG in response.content.decode()
                       else response.status_code)
    assert answers == [WRONG] * 5 + ["wait"]
    right = attempt(Client(), "target@kapstone.test", PASSWORD, REMOTE_ADDR=ATTACKER)
    assert waits(right) and not right.wsgi_request.user.is_authenticated


def test_one_addresss_failures_do_not_lock_other_accounts_behind_it():
    """Today's main: five failures from one address refused every account behind it
    (a clinic's or hospital's shared address)."""
    victim, colleague = UserFactory(), UserFactory()
    for _ in range(8):
        attempt(Client(), victim.email, "wrong-password", REMOTE_ADDR=ATTACKER)
    assert throttled(victim.email, ATTACKER)
    assert attempt(Client(), colleague.email, PASSWORD, REMOTE_ADDR=ATTACKER).status_code == 302


def test_a_named_account_stays_reachable_from_its_owners_network():
    """Today's main: 5 failures per 15 minutes from anywhere kept a named trainer or
    admin out indefinitely. Failures from elsewhere never hold back the owner."""
    owner = UserFactory(roles=["Trainee"])
    for i in range(40):
        attempt(Client(), owner.email, "wrong-password", REMOTE_ADDR=f"203.0.113.{i % 4 + 1}")
    assert throttled(owner.email, "203.0.113.1")
    assert attempt(Client(), owner.email, PASSWORD, REMOTE_ADDR=OWNER).status_code == 302


def test_the_wait_doubles_with_each_failure_and_lifts_when_it_is_over(monkeypatch):
    from accounts import throttle

    user = UserFactory()
    clock = SimpleNamespace(now=time.time())
    monkeypatch.setattr(throttle, "now", lambda: clock.now)
    for _ in range(5):
        attempt(Client(), user.email, "wrong-password", REMOTE_ADDR=ATTACKER)
    waited = []
    for _ in range(3):
        response = attempt(Client(), user.email, "wrong-password", REMOTE_ADDR=ATTACKER)
        assert waits(response)
        waited.append(int(response["Retry-After"]))
        clock.now += waited[-1]  # wait as told: the next attempt is heard, and fails
        assert WRONG in attempt(Client(), user.email, "wrong-password",
                                REMOTE_ADDR=ATTACKER).content.decode()
    assert waited == [30, 60, 120]
    clock.now += 240
    assert attempt(Client(), user.email, PASSWORD, REMOTE_ADDR=ATTACKER).status_code == 302


def test_a_refusal_answers_at_once_instead_of_holding_a_worker():
    user = UserFactory()
    for _ in range(12):
        attempt(Client(), user.email, "wrong-password", REMOTE_ADDR=ATTACKER)
    started = time.monotonic()
    response = attempt(Client(), user.email, "wrong-password", REMOTE_ADDR=ATTACKER)
    assert waits(response) and int(response["Retry-After"]) <= 15 * 60
    assert time.monotonic() - started < 2


def test_an_accounts_other_address_shares_its_count():
    user = UserFactory(email="first@kapstone.test")
    EmailAddress.objects.create(user=user, email="second@kapstone.test", verified=True)
    for email in ["first@kapstone.test", "second@kapstone.test"] * 3:
        response = attempt(Client(), email, "wrong-password", REMOTE_ADDR=ATTACKER)
    assert waits(response)
    assert throttled("first@kapstone.test", ATTACKER)


def test_guessing_many_accounts_from_one_address_is_slowed_too(settings):
    """The address's own count: a password spray over many accounts from one place."""
    settings.KAPSTONE_LOGIN_THROTTLE = {
        **settings.KAPSTONE_LOGIN_THROTTLE,
        "ip": {**settings.KAPSTONE_LOGIN_THROTTLE["ip"], "free": 6},
    }
    people = UserFactory.create_batch(7)
    answers = [waits(attempt(Client(), person.email, "wrong-password", REMOTE_ADDR=ATTACKER))
               for person in people]
    assert answers == [False] * 6 + [True]
    # Someone at another address is not affected.
    assert attempt(Client(), people[0].email, PASSWORD, REMOTE_ADDR=NEIGHBOUR).status_code == 302


def test_signing_in_to_another_account_does_not_clear_the_addresss_count(settings):
    """One known password must not wipe out the guesses made from the same address."""
    settings.KAPSTONE_LOGIN_THROTTLE = {
        **settings.KAPSTONE_LOGIN_THROTTLE,
        "ip": {**settings.KAPSTONE_LOGIN_THROTTLE["ip"], "free": 4},
    }
    own, victims = UserFactory(), UserFactory.create_batch(5)
    for victim in victims[:4]:
        attempt(Client(), victim.email, "wrong-password", REMOTE_ADDR=ATTACKER)
    assert waits(attempt(Client(), own.email, PASSWORD, REMOTE_ADDR=ATTACKER))
    assert waits(attempt(Client(), victims[4].email, "wrong-password", REMOTE_ADDR=ATTACKER))


def test_wrong_passwords_when_confirming_identity_count_toward_the_same_delay(client):
    user = UserFactory(roles=["Trainee"])
    sign_in(client, user)
    for _ in range(5):
        client.post(reverse("account_reauthenticate"), {"password": "wrong-password"})
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert waits(response)
    assert throttled(user.email, "127.0.0.1")


def test_resetting_the_password_lifts_the_delay(client, django_capture_on_commit_callbacks):
    """Whoever can read the mailbox could reset the password anyway."""
    user = UserFactory(roles=["Trainee"])
    for _ in range(6):
        attempt(Client(), user.email, "wrong-password")
    assert throttled(user.email, "127.0.0.1")
    _reset_password(client, django_capture_on_commit_callbacks, user.email)
    assert attempt(Client(), user.email, "a-fresh-pass-phrase").status_code == 302


def test_wrong_authenticator_codes_lock_the_second_step_too():
    """The MFA step keeps allauth's per-account limit: only someone who already has the
    password gets there."""
    user = with_totp(UserFactory(roles=["Trainer"]))
    client = Client()
    assert attempt(client, user.email, PASSWORD)["Location"] == MFA
    for _ in range(5):
        assert WRONG_CODE in client.post(MFA, {"code": "000000"}).content.decode()
    response = client.post(MFA, {"code": totp_code(user)})
    assert LOCKED in response.content.decode()
    assert not signed_in(client)


def test_no_project_code_reaches_into_allauths_internals_for_limits():
    """Public configuration and adapter hooks only (ACCOUNT_RATE_LIMITS,
    pre_authenticate, authentication_failed, get_client_ip)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root)) for app in ("accounts", "certificates", "config", "cms", "courses")
        for path in (root / app).rglob("*.py")
        if "allauth.core.internal" in path.read_text() or "_get_login_attempts_cache_key" in path.read_text()
    ]
    assert offenders == []


# --- Which client address is believed -------------------------------------------------


@pytest.mark.parametrize(
    "proxies, forwarded_for, seen",
    [
        (0, "", "192.0.2.10"),
        (0, "203.0.113.5", "192.0.2.10"),
        (0, "203.0.113.5, 198.51.100.7", "192.0.2.10"),
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "1.2.3.4, 203.0.113.5", "203.0.113.5"),  # what the client wrote itself is ignored
        (2, "1.2.3.4, 203.0.113.5, 198.51.100.7", "203.0.113.5"),
        (1, "", "192.0.2.10"),
    ],
)
def test_the_client_address_comes_from_x_forwarded_for_only_behind_configured_proxies(
    rf, settings, proxies, forwarded_for, seen
):
    from allauth.account.adapter import get_adapter

    from audit.context import client_ip

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    request = rf.post(LOGIN, REMOTE_ADDR="192.0.2.10", **headers)
    assert get_adapter().get_client_ip(request) == seen  # rate limits
    assert client_ip(request) == seen  # audit trail


def test_one_address_cannot_spread_its_guesses_over_forged_forwarded_for_headers(settings):
    """Guessing several accounts' passwords from one address: a new X-Forwarded-For per
    request does not make it look like many clients (no proxy configured)."""
    settings.KAPSTONE_LOGIN_THROTTLE = {
        **settings.KAPSTONE_LOGIN_THROTTLE,
        "ip": {**settings.KAPSTONE_LOGIN_THROTTLE["ip"], "free": 5},
    }
    people = UserFactory.create_batch(6)
    answers = [
        waits(attempt(Client(), person.email, "wrong-password", REMOTE_ADDR="198.51.100.50",
                      HTTP_X_FORWARDED_FOR=f"203.0.113.{i}"))
        for i, person in enumerate(people)
    ]
    assert answers == [False] * 5 + [True]


# --- One-time codes -----------------------------------------------------------------


def test_an_authenticator_code_works_once_even_within_its_window(monkeypatch):
    user = with_totp(UserFactory(roles=["Trainer"]))
    now = clock(monkeypatch, "allauth.mfa.totp.internal.auth")
    now.now = (int(now.now) // 30) * 30 + 1  # one second into a 30-second window
    code = totp_code(user, at=now.now)

    first = Client()
    sign_in(first, user, code=code)

    now.now += 20  # same window: the code is still the current one
    second = Client()
    assert attempt(second, user.email, PASSWORD)["Location"] == MFA
    response = second.post(MFA, {"code": code})
    assert WRONG_CODE in response.content.decode() and not signed_in(second)

    # Nor does it confirm the account holder's identity a second time.
    response = first.post(reverse("mfa_reauthenticate"), {"code": code})
    assert WRONG_CODE in response.content.decode()

    now.now += 30  # the next window's code is accepted: the refusal was the reuse
    assert second.post(MFA, {"code": totp_code(user, at=now.now)}).status_code == 302
    assert signed_in(second)


def test_a_recovery_code_works_once():
    user = with_totp(UserFactory(roles=["Trainer"]))
    code = recovery_codes(user)[0]
    sign_in(Client(), user, code=code)
    again = Client()
    attempt(again, user.email, PASSWORD)
    assert WRONG_CODE in again.post(MFA, {"code": code}).content.decode()
    assert not signed_in(again)
    assert code not in recovery_codes(user) and len(recovery_codes(user)) == 9


# --- Password reset -------------------------------------------------------------------


def _reset_password(client, capture, email, new_password="a-fresh-pass-phrase"):
    with capture(execute=True):
        client.post(reverse("account_reset_password"), {"email": email})
    link = reset_link(mail.outbox[-1])
    form_url = client.get(link)["Location"]  # allauth moves the key into the session
    with capture(execute=True):
        return client.post(form_url, {"password1": new_password, "password2": new_password})


@pytest.mark.parametrize("login_on_reset", [False, True])
def test_password_reset_does_not_get_past_the_second_factor(
    client, settings, django_capture_on_commit_callbacks, login_on_reset
):
    settings.ACCOUNT_LOGIN_ON_PASSWORD_RESET = login_on_reset  # Kapstone's is False
    user = with_totp(UserFactory(roles=["Trainer"]))
    elsewhere = Client()
    sign_in(elsewhere, user)

    response = _reset_password(client, django_capture_on_commit_callbacks, user.email)
    assert response.status_code == 302
    assert response["Location"] in ("/accounts/password/reset/key/done/", MFA)
    assert not signed_in(client)
    assert client.get("/trainer/")["Location"].startswith("/accounts/login/")

    # The new password leads to the code, not into the account.
    response = attempt(Client(), user.email, "a-fresh-pass-phrase")
    assert response["Location"] == MFA
    # And a session opened with the old password is over.
    assert not signed_in(elsewhere)


def test_a_password_reset_link_works_once(client, django_capture_on_commit_callbacks):
    user = UserFactory(roles=["Trainee"])
    _reset_password(client, django_capture_on_commit_callbacks, user.email)
    link = reset_link(mail.outbox[-2])  # the last one says the password was changed
    again = Client()
    response = again.get(link, follow=True)
    assert "The password reset link was invalid" in response.content.decode()
    again.post(response.redirect_chain[-1][0] if response.redirect_chain else link,
               {"password1": "attacker-pass-phrase", "password2": "attacker-pass-phrase"})
    user.refresh_from_db()
    assert user.check_password("a-fresh-pass-phrase")


# --- The same answer for known and unknown addresses -----------------------------------


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting how many passwords it hashes (each one costs the same
    time with the production hasher)."""

    algorithm = "counting_md5"
    hashed = 0

    def encode(self, password, salt):
        CountingHasher.hashed += 1
        return super().encode(password, salt)


def _page_text(response) -> str:
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    return re.sub(r"\S+@kapstone\.test", "EMAIL", text)


def _answer(client, url, data):
    hashed = CountingHasher.hashed
    response = client.post(url, data)
    page = client.get(response["Location"]) if response.status_code == 302 else response
    return {
        "status": response.status_code,
        "location": response.get("Location"),
        "page_status": page.status_code,
        "page": _page_text(page),
        "passwords_hashed": CountingHasher.hashed - hashed,
    }


def test_sign_up_answers_the_same_for_a_taken_and_a_free_address(
    settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    UserFactory(email="taken@kapstone.test")
    UserFactory(email="taken2@kapstone.test")
    answers = {}
    for email in ("taken@kapstone.test", "Taken2@Kapstone.TEST", "free@kapstone.test"):
        with django_capture_on_commit_callbacks(execute=True):
            answers[email] = _answer(
                Client(), reverse("account_signup"),
                {"email": email, "password1": "a-long-pass-phrase",
                 "password2": "a-long-pass-phrase", "full_name": "Someone New"},
            )
    assert answers["taken@kapstone.test"] == answers["free@kapstone.test"]
    assert answers["Taken2@Kapstone.TEST"] == answers["free@kapstone.test"]
    assert answers["free@kapstone.test"]["status"] == 302
    assert answers["free@kapstone.test"]["passwords_hashed"] >= 1
    assert User.objects.filter(email__iexact="taken2@kapstone.test").count() == 1
    # What differs is in the mailbox, which only its owner reads.
    by_recipient = {m.to[0]: m.body for m in mail.outbox}
    assert "already" in by_recipient["taken@kapstone.test"]
    assert "already" in by_recipient["taken2@kapstone.test"]
    assert "/accounts/confirm-email/" in by_recipient["free@kapstone.test"]


def test_password_reset_answers_the_same_for_a_known_and_an_unknown_address(
    django_capture_on_commit_callbacks,
):
    UserFactory(email="known@kapstone.test")
    answers = {}
    for email in ("known@kapstone.test", "unknown@kapstone.test"):
        with django_capture_on_commit_callbacks(execute=True):
            answers[email] = _answer(Client(), reverse("account_reset_password"), {"email": email})
    assert answers["known@kapstone.test"] == answers["unknown@kapstone.test"]
    assert answers["known@kapstone.test"]["status"] == 302
    by_recipient = {m.to[0]: m.body for m in mail.outbox}
    assert "/accounts/password/reset/key/" in by_recipient["known@kapstone.test"]
    assert "/accounts/password/reset/key/" not in by_recipient["unknown@kapstone.test"]


def test_a_wrong_password_reads_the_same_for_a_known_and_an_unknown_address(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    UserFactory(email="known@kapstone.test")
    answers = [
        _answer(Client(), LOGIN, {"login": email, "password": "wrong-password"})
        for email in ("known@kapstone.test", "unknown@kapstone.test")
    ]
    assert answers[0] == answers[1]
    assert answers[0]["status"] == 200 and WRONG in answers[0]["page"]


# --- Sessions ----------------------------------------------------------------------------


def _planted_session(client) -> str:
    """A session the visitor holds before signing in (or one an attacker planted)."""
    session = client.session
    session["planted"] = True
    session.save()
    client.cookies["sessionid"] = session.session_key
    return session.session_key


def _with_cookie(key: str) -> Client:
    other = Client()
    other.cookies["sessionid"] = key
    return other


@pytest.mark.parametrize("with_mfa", [False, True])
def test_signing_in_gives_a_new_session_key_and_retires_the_old_one(client, with_mfa):
    user = UserFactory(roles=["Trainer"] if with_mfa else ["Trainee"])
    if with_mfa:
        with_totp(user)
    before = _planted_session(client)
    sign_in(client, user)
    after = client.cookies["sessionid"].value
    assert after != before
    assert not SessionStore(session_key=before).exists(before)
    assert not signed_in(_with_cookie(before))
    assert signed_in(_with_cookie(after))


def test_signing_out_ends_the_session_for_whoever_holds_its_cookie(client):
    user = UserFactory(roles=["Trainee"])
    sign_in(client, user)
    key = client.cookies["sessionid"].value
    copy = _with_cookie(key)
    assert signed_in(copy)
    client.post(reverse("account_logout"))
    assert not signed_in(copy)
    assert not SessionStore(session_key=key).exists(key)


def test_changing_the_password_retires_this_and_every_other_session(client):
    user = UserFactory(roles=["Trainee"])
    sign_in(client, user)
    other_device = Client()
    sign_in(other_device, user)
    old_key = client.cookies["sessionid"].value

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "a-new-pass-phrase",
         "password2": "a-new-pass-phrase"},
    )
    assert response.status_code == 302
    assert signed_in(client)  # the person who changed it stays signed in, on a new key
    assert client.cookies["sessionid"].value != old_key
    assert not signed_in(_with_cookie(old_key))
    assert not signed_in(other_device)


# --- Recent re-authentication -------------------------------------------------------------


SECOND = "second@kapstone.test"


def _second_address(user):
    EmailAddress.objects.create(user=user, email=SECOND, verified=True)


def _no_authenticator(user):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.filter(user=user).delete()


def _email_add(client):
    email = f"added{EmailAddress.objects.count()}@kapstone.test"
    return client.post(reverse("account_email"), {"action_add": "", "email": email})


def _email_primary(client):
    return client.post(reverse("account_email"), {"action_primary": "", "email": SECOND})


def _email_remove(client):
    return client.post(reverse("account_email"), {"action_remove": "", "email": SECOND})


def _totp_add(client):
    return client.get(reverse("mfa_activate_totp"))


def _totp_remove(client):
    return client.post(reverse("mfa_deactivate_totp"))


def _recovery_regenerate(client):
    return client.post(reverse("mfa_generate_recovery_codes"))


def _recovery_view(client):
    return client.get(reverse("mfa_view_recovery_codes"))


def _recovery_download(client):
    return client.get(reverse("mfa_download_recovery_codes"))


def _webauthn_add(client):
    return client.get(reverse("mfa_add_webauthn"))


def _account_state(user):
    from allauth.mfa.models import Authenticator

    return (
        sorted(EmailAddress.objects.filter(user=user).values_list("email", "primary")),
        sorted(Authenticator.objects.filter(user=user).values_list("type", "data")),
    )


@pytest.mark.parametrize(
    "has_totp, prepare, change, changes_state",
    [
        # allauth refuses new addresses outright once MFA is on
        pytest.param(False, None, _email_add, True, id="add-email"),
        pytest.param(False, _second_address, _email_primary, True, id="change-primary-email"),
        pytest.param(True, _second_address, _email_primary, True, id="change-primary-with-mfa"),
        pytest.param(True, _second_address, _email_remove, True, id="remove-email"),
        pytest.param(False, None, _totp_add, False, id="add-totp"),  # the page showing the secret
        pytest.param(True, None, _totp_remove, True, id="remove-totp"),
        pytest.param(True, recovery_codes, _recovery_regenerate, True, id="regenerate-codes"),
        pytest.param(True, None, _webauthn_add, False, id="add-security-key"),
        # Reading the codes records that they were seen.
        pytest.param(True, recovery_codes, _recovery_view, True, id="view-codes"),
        pytest.param(True, recovery_codes, _recovery_download, True, id="download-codes"),
    ],
)
def test_changing_email_or_second_factor_asks_to_confirm_who_you_are(
    client, monkeypatch, has_totp, prepare, change, changes_state
):
    user = UserFactory(roles=["Trainee"])
    if has_totp:
        with_totp(user)
    sign_in(client, user)
    if prepare:
        prepare(user)
    before = _account_state(user)
    # Having just signed in is not enough: the person at the keyboard confirms again.
    response = change(client)
    assert response.status_code == 302
    assert response["Location"].split("?")[0] == reverse("account_reauthenticate")
    assert _account_state(user) == before

    # Having just confirmed, the same change goes through.
    assert client.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
    response = change(client)
    assert response.status_code in (200, 302)
    assert "reauthenticate" not in response.get("Location", "")
    assert (_account_state(user) != before) is changes_state

    # Five minutes later it is asked for again.
    now = clock(monkeypatch, "allauth.account.internal.flows.reauthentication")
    now.now += 301
    response = (_webauthn_add if has_totp else _email_add)(client)
    assert response["Location"].split("?")[0] == reverse("account_reauthenticate")


def test_the_wagtail_account_page_cannot_change_the_email(world):
    client = Client()
    client.force_login(world.editor)
    response = client.get("/admin/account/")
    assert response.status_code == 200
    assert b'name="name_email-email"' not in response.content
    client.post("/admin/account/", {"name_email-email": "hijack@evil.test",
                                    "name_email-full_name": "Ed Itor"})
    world.editor.refresh_from_db()
    assert world.editor.email == "editor@kapstone.test"
