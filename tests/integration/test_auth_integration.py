"""Authentication where it is deployed: several gunicorn processes sharing PostgreSQL and
Redis, clients on different addresses, requests at the same moment (issue 8, item 1)."""

import http.client
import time
from urllib.parse import urlencode

import pytest
from django.test import Client

from audit.models import AuditEvent
from factories.accounts import PASSWORD, UserFactory, with_totp
from support import at_once  # same folder

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
HOME = "redirect /home/"

LOGIN = "/accounts/login/"
MFA = "/accounts/2fa/authenticate/"
LOCKED = "Too many failed login attempts"  # allauth's MFA-step limit
THROTTLED = "Too many failed sign-in attempts from here"  # accounts.throttle
WRONG = "The email address and/or password you specified are not correct."
WRONG_CODE = "Incorrect code."


@pytest.fixture(autouse=True)
def _production_hasher(settings):
    """The app processes run the production settings, which do not read the fast test
    hasher's hashes: users made here get production ones."""
    from django.conf import global_settings

    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS


class Browser:
    """A client with its own cookies, connecting from ``source`` (any 127.0.0.0/8
    address is this machine), sending whatever X-Forwarded-For and Host it likes."""

    def __init__(self, *, source: str = "127.0.0.1", forwarded_for: str | None = None,
                 host: str | None = None):
        self.source = source
        self.forwarded_for = forwarded_for
        self.host = host
        self.cookies: dict[str, str] = {}

    def request(self, server, method: str, path: str, data: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60,
                                                source_address=(self.source, 0))
        headers = {"Host": self.host or f"127.0.0.1:{server.port}"}
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            token = self.cookies.get("csrftoken", "")
            body = urlencode({"csrfmiddlewaretoken": token, **(data or {})})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    cookie_value = rest.split(";", 1)[0]
                    if cookie_value and "max-age=0" not in value.lower():
                        self.cookies[name] = cookie_value
                    else:
                        self.cookies.pop(name, None)
            return response.status, response.getheader("Location"), text
        finally:
            connection.close()

    def sign_in(self, server, email: str, password: str):
        self.request(server, "GET", LOGIN)  # the CSRF cookie
        return self.request(server, "POST", LOGIN, {"login": email, "password": password})

    def signed_in(self, server) -> bool:
        status, location, _ = self.request(server, "GET", "/home/")
        return not (status == 302 and location.startswith("/accounts/login/"))


def verdict(answer) -> str:
    status, location, text = answer
    if status == 302:
        return f"redirect {location}"
    for message in (LOCKED, THROTTLED, WRONG, WRONG_CODE):
        if message in text:
            return message
    return f"{status} {text[:200]!r}"


@pytest.fixture
def two_apps(start_app_server):
    return start_app_server(), start_app_server()


def test_failures_from_one_address_count_across_two_processes_and_never_lock_the_owner_out(
    two_apps, settings
):
    """Each attempt goes to the other process, claiming another X-Forwarded-For and
    spelling the host differently: the count of the account at that address lives in
    Redis, so the sixth attempt is asked to wait (so is the right password from there),
    while the owner at their own address and a colleague behind the attacker's address
    sign in at once."""
    import redis

    user = UserFactory(email="limited.app@kapstone.test")
    hosts = ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}", "Localhost:{port}"]
    answers = []
    for i in range(6):
        server = two_apps[i % 2]
        browser = Browser(source="127.0.0.10", forwarded_for=f"203.0.113.{i + 1}",
                          host=hosts[i % len(hosts)].format(port=server.port))
        answers.append(verdict(browser.sign_in(server, ["limited.app@kapstone.test",
                                                        "Limited.App@Kapstone.test"][i % 2],
                                               "wrong-password")))
    assert answers == [WRONG] * 5 + [THROTTLED]
    for server in two_apps:
        browser = Browser(source="127.0.0.10")
        assert verdict(browser.sign_in(server, user.email, PASSWORD)) == THROTTLED
        assert not browser.signed_in(server)

    # One count, kept in Redis: the burst of failures was audited once, not per process.
    assert AuditEvent.objects.filter(verb="login.failure_burst").count() == 1
    raw = redis.Redis.from_url(settings.REDIS_URL)
    assert list(raw.scan_iter(match="kapstone:*login-throttle*"))

    # The owner elsewhere, and someone else behind the same address, get in.
    assert verdict(Browser(source="127.0.0.30").sign_in(two_apps[0], user.email, PASSWORD)) == HOME
    other = UserFactory()
    assert verdict(Browser(source="127.0.0.10").sign_in(two_apps[1], other.email, PASSWORD)) == HOME


def test_an_authenticator_code_used_on_one_process_is_refused_on_the_other(two_apps):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    user = with_totp(UserFactory(roles=["Trainer"]))
    recovery = RecoveryCodes.activate(user).get_unused_codes()[0]
    if time.time() % 30 > 20:  # not at the end of a window: the code must stay current
        time.sleep(31 - time.time() % 30)
    code = _totp_code(user)

    first = Browser(source="127.0.0.2")
    assert verdict(first.sign_in(two_apps[0], user.email, PASSWORD)) == f"redirect {MFA}"
    assert verdict(first.request(two_apps[0], "POST", MFA, {"code": code})).startswith("redirect")
    assert first.signed_in(two_apps[0]) and first.signed_in(two_apps[1])

    second = Browser(source="127.0.0.3")
    assert verdict(second.sign_in(two_apps[1], user.email, PASSWORD)) == f"redirect {MFA}"
    assert verdict(second.request(two_apps[1], "POST", MFA, {"code": code})) == WRONG_CODE
    assert not second.signed_in(two_apps[1])
    # The second process does accept a good code: the refusal was the reuse.
    answer = second.request(two_apps[1], "POST", MFA, {"code": recovery})
    assert verdict(answer).startswith("redirect")
    assert second.signed_in(two_apps[1])


def test_logging_out_on_one_process_ends_the_session_on_the_other(two_apps):
    user = UserFactory(roles=["Trainee"])
    browser = Browser()
    assert verdict(browser.sign_in(two_apps[0], user.email, PASSWORD)) == HOME
    stolen = Browser(source="127.0.0.5")
    stolen.cookies = dict(browser.cookies)
    assert stolen.signed_in(two_apps[1])
    browser.request(two_apps[0], "POST", "/accounts/logout/")
    assert not stolen.signed_in(two_apps[1]) and not stolen.signed_in(two_apps[0])


def _totp_code(user) -> str:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
    from allauth.mfa.utils import decrypt

    secret = decrypt(Authenticator.objects.get(user=user, type="totp").data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


# --- One code, twenty requests at once ------------------------------------------------

PARALLEL = 20


def _mfa_pending_clients(user, count):
    clients = []
    for i in range(count):
        client = Client(REMOTE_ADDR=f"198.51.100.{i + 1}")
        response = client.post(LOGIN, {"login": user.email, "password": PASSWORD})
        assert response["Location"] == MFA, response
        clients.append(client)
    return clients


def test_one_recovery_code_posted_by_twenty_requests_at_once_signs_in_one(settings):
    """The row lock allauth takes on the codes is what stops a double spend: the rate
    limit is lifted here so that all twenty reach it."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": ""}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # only in-process
    user = with_totp(UserFactory(roles=["Trainer"]))
    code = RecoveryCodes.activate(user).get_unused_codes()[0]
    clients = _mfa_pending_clients(user, PARALLEL)

    outcomes = at_once([lambda c=c: c.post(MFA, {"code": code}) for c in clients])

    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert not errors, errors
    accepted = [o for o in outcomes if o.status_code == 302]
    refused = [o for o in outcomes if o.status_code == 200 and WRONG_CODE in o.content.decode()]
    assert (len(accepted), len(refused)) == (1, PARALLEL - 1), [o.status_code for o in outcomes]
    assert sum(c.get("/home/").wsgi_request.user.is_authenticated for c in clients) == 1
    codes = Authenticator.objects.get(user=user, type="recovery_codes").wrap()
    assert code not in codes.get_unused_codes() and len(codes.get_unused_codes()) == 9


def test_twenty_requests_at_once_over_two_processes_spend_a_recovery_code_once(start_app_server):
    """The same, as deployed: two processes, ten threads each, the rate limit on."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    apps = [start_app_server(threads=PARALLEL // 2) for _ in range(2)]
    user = with_totp(UserFactory(roles=["Trainer"]))
    code = RecoveryCodes.activate(user).get_unused_codes()[0]
    browsers = [Browser(source=f"127.0.1.{i + 1}") for i in range(PARALLEL)]
    for i, browser in enumerate(browsers):
        assert verdict(browser.sign_in(apps[i % 2], user.email, PASSWORD)) == f"redirect {MFA}"

    outcomes = at_once([
        lambda b=b, i=i: verdict(b.request(apps[i % 2], "POST", MFA, {"code": code}))
        for i, b in enumerate(browsers)
    ])

    assert sum(o.startswith("redirect") for o in outcomes) == 1, outcomes
    assert all(o.startswith("redirect") or o in (WRONG_CODE, LOCKED) for o in outcomes), outcomes
    assert sum(b.signed_in(apps[i % 2]) for i, b in enumerate(browsers)) == 1


def test_one_authenticator_code_posted_by_twenty_requests_at_once_signs_in_one(settings):
    """The code is marked used with one atomic Redis write (SET NX): one request wins."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": ""}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # only in-process
    user = with_totp(UserFactory(roles=["Trainer"]))
    clients = _mfa_pending_clients(user, PARALLEL)
    if time.time() % 30 > 20:  # not at the end of a window: the code must stay current
        time.sleep(31 - time.time() % 30)
    code = _totp_code(user)

    outcomes = at_once([lambda c=c: c.post(MFA, {"code": code}) for c in clients])

    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert not errors, errors
    accepted = [o for o in outcomes if o.status_code == 302]
    refused = [o for o in outcomes if o.status_code == 200 and WRONG_CODE in o.content.decode()]
    assert (len(accepted), len(refused)) == (1, PARALLEL - 1), [o.status_code for o in outcomes]
    assert sum(c.get("/home/").wsgi_request.user.is_authenticated for c in clients) == 1
