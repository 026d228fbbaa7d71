"""Browser tests: the demo served by ``runserver`` in a subprocess (its own SQLite
database, e-mail written to files, tasks run eagerly), driven by Playwright's sync API
in Debian's Chromium. Nothing here uses pytest-django's database.

Fixtures:
  server    the running demo (URL, ``manage()``, ``totp()``, ``mail_containing()``)
  browser   one Chromium for the session
  new_page  ``new_page()`` → a page in a fresh context; screenshots on failure
  sign_in   ``sign_in(page, email)`` through the login form (and the second factor)
  as_user   ``as_user(email)`` → a page already signed in as that demo person
  totp_now  ``totp_now(secret)`` → the current code of an authenticator app
"""

import base64
import hashlib
import hmac
import os
import re
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "test-results"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # make test-e2e CHROMIUM=…
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "kapstone-demo-pass"  # demo/management/commands/load_demo.py
TOTP_PERIOD = 30
TIMEOUT_MS = 15_000


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
    # On CI every browser test must run: a skip is reported as a failure.
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped on CI, where every browser test must run: {report.longrepr}"


def totp_code(secret: str, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 6 digits, 30 s), as allauth's authenticator app expects."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int(time.time() if at is None else at) // TOTP_PERIOD
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


def wait_for_fresh_totp_period(min_left: float) -> None:
    """Codes are valid for their 30 s period only: start late in one, and wait for the next."""
    left = TOTP_PERIOD - time.time() % TOTP_PERIOD
    if left < min_left:
        time.sleep(left + 0.2)


class DemoServer:
    def __init__(self, base_dir: Path):
        self.base_dir = base_dir
        self.mail_dir = base_dir / "mail"
        self.mail_dir.mkdir()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        drop = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL"}
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in drop},
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DATABASE_URL": f"sqlite:///{base_dir / 'e2e.sqlite3'}",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "MEDIA_ROOT": str(base_dir / "media"),
            "CREDENTIAL_SIGNING_KEY_FILE": str(base_dir / "credential-key.json"),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": self.url,
            "PYTHONUNBUFFERED": "1",
        }
        self.process = None

    def manage(self, *args: str, timeout: float = 300) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def totp(self, email: str) -> str:
        """The demo person's current code, from ``manage.py demo_totp`` (as the README says)."""
        wait_for_fresh_totp_period(min_left=10)  # the command itself takes a few seconds
        return self.manage("demo_totp", email).strip().splitlines()[-1]

    def mail_containing(self, needle: str, timeout: float = 15) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for path in sorted(self.mail_dir.glob("*.log")):
                text = path.read_text(errors="replace")
                if needle in text:
                    return text
            time.sleep(0.2)
        raise AssertionError(f"no e-mail containing {needle!r} within {timeout}s")

    def start(self) -> None:
        self.log = open(self.base_dir / "server.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("runserver did not answer /healthz:\n" + self.server_log())
            time.sleep(0.3)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def server_log(self) -> str:
        return (self.base_dir / "server.log").read_text(errors="replace")


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    demo = DemoServer(tmp_path_factory.mktemp("e2e"))
    demo.manage("migrate", "--no-input", "-v", "0")
    demo.manage("load_demo")
    demo.start()
    try:
        yield demo
    finally:
        demo.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(server, browser, request):
    """``new_page(storage_state=None)``: a page in a fresh browser context on the demo
    server. When the test fails, every page it opened is saved to test-results/."""
    contexts = []

    def open_page(storage_state=None):
        context = browser.new_context(base_url=server.url, storage_state=storage_state)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    report = getattr(request.node, "rep_call", None)
    failed = report is None or report.failed
    name = re.sub(r"[^\w.-]+", "_", request.node.name).strip("_")
    for i, context in enumerate(contexts):
        if failed:
            RESULTS.mkdir(exist_ok=True)
            for j, page in enumerate(context.pages):
                try:
                    page.screenshot(path=str(RESULTS / f"{name}-{i}-{j}.png"), full_page=True)
                except Exception as error:  # noqa: BLE001 - a screenshot must not hide the failure
                    print(f"screenshot of {page.url} failed: {error}")
        context.close()


@pytest.fixture(scope="session")
def sign_in(server):
    """``sign_in(page, email, password)``: through the login form, and the authenticator
    step when one is asked for. Returns whether a second factor was asked for."""
    from playwright.sync_api import expect

    def _sign_in(page, email: str, password: str = PASSWORD) -> bool:
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign In").click()
        expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
        if "/accounts/2fa/authenticate/" not in page.url:
            return False
        expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
        for _ in range(2):
            page.get_by_label("Code").fill(server.totp(email))
            page.get_by_role("button", name="Sign In").click()
            page.wait_for_load_state()
            if "/accounts/2fa/authenticate/" not in page.url:
                return True
            wait_for_fresh_totp_period(min_left=TOTP_PERIOD)  # a new code next time
        raise AssertionError(f"the authenticator code for {email} was refused twice")

    return _sign_in


@pytest.fixture(scope="session")
def totp_now():
    """``totp_now(secret)``: what an authenticator app shows now (never in the last
    seconds of its period, so it is still valid when submitted)."""

    def code(secret: str) -> str:
        wait_for_fresh_totp_period(min_left=3)
        return totp_code(secret)

    return code


@pytest.fixture(scope="session")
def sessions(server, browser, sign_in, tmp_path_factory):
    """Saved sign-ins of demo people, made on first use and reused after that:
    ``sessions.state(email)`` → a storage-state file; ``sessions.remember(email, context)``."""

    class SignedIn:
        folder = tmp_path_factory.mktemp("states")
        states: dict[str, str] = {}

        def remember(self, email, context):
            self.states[email] = str(self.folder / f"{email}.json")
            context.storage_state(path=self.states[email])

        def state(self, email):
            if email not in self.states:
                context = browser.new_context(base_url=server.url)
                context.set_default_timeout(TIMEOUT_MS)
                try:
                    sign_in(context.new_page(), email)
                    self.remember(email, context)
                finally:
                    context.close()
            return self.states[email]

    return SignedIn()


@pytest.fixture
def as_user(new_page, sessions):
    """``as_user(email)`` → a page signed in as that demo person (own browser context)."""

    def open_page(email):
        return new_page(storage_state=sessions.state(email))

    return open_page
