"""Browser tests: the demo served by runserver in a subprocess, driven by Playwright in
Debian's Chromium. The server has its own SQLite database and writes e-mail to files."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "kapstone-demo-pass"


class DemoServer:
    def __init__(self, base_dir: Path):
        self.base_dir = base_dir
        self.mail_dir = base_dir / "mail"
        self.mail_dir.mkdir()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DEBUG": "True",
            "DATABASE_URL": f"sqlite:///{base_dir / 'e2e.sqlite3'}",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "MEDIA_ROOT": str(base_dir / "media"),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": self.url,
        }

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
            capture_output=True, text=True, timeout=300,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def totp(self, email: str) -> str:
        return self.manage("demo_totp", email).strip().splitlines()[-1]

    def mail_containing(self, needle: str, timeout: float = 15) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for path in self.mail_dir.glob("*.log"):
                text = path.read_text(errors="replace")
                if needle in text:
                    return text
            time.sleep(0.2)
        raise AssertionError(f"no e-mail containing {needle!r}")


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    demo = DemoServer(tmp_path_factory.mktemp("e2e"))
    demo.manage("migrate", "--no-input", "-v", "0")
    demo.manage("load_demo")
    log = open(demo.base_dir / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{demo.port}", "--noreload"],
        cwd=ROOT, env=demo.env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(demo.url + "/healthz", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError((demo.base_dir / "server.log").read_text())
            time.sleep(0.3)
    yield demo
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def sessions(server, browser, tmp_path_factory):
    """Each demo person signs in once (with their second factor where required); tests
    reuse the saved browser state. Records where each one landed."""
    folder = tmp_path_factory.mktemp("states")
    states, landings = {}, {}
    for email in ("trainee.ellis@kapstone.test", "trainer.okafor@kapstone.test",
                  "admin@kapstone.test", "editor@kapstone.test"):
        context = browser.new_context(base_url=server.url)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill(email)
        page.locator("input[name=password]").fill(PASSWORD)
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_load_state()
        if "/accounts/2fa/authenticate/" in page.url:
            page.locator("input[name=code]").fill(server.totp(email))
            page.get_by_role("button", name="Sign In").click()
        page.wait_for_load_state()
        landings[email] = page.url.removeprefix(server.url)
        states[email] = str(folder / f"{email}.json")
        context.storage_state(path=states[email])
        context.close()
    return {"states": states, "landings": landings}


@pytest.fixture
def as_user(server, browser, sessions, request):
    """``as_user(email)`` → a page signed in as that demo person."""
    opened = []

    def open_page(email):
        context = browser.new_context(base_url=server.url, storage_state=sessions["states"][email])
        opened.append(context)
        return context.new_page()

    yield open_page
    failed = getattr(request.node, "rep_call", None)
    for i, context in enumerate(opened):
        if failed is not None and failed.failed:
            out = ROOT / "test-results"
            out.mkdir(exist_ok=True)
            for j, page in enumerate(context.pages):
                page.screenshot(path=str(out / f"{request.node.name}-{i}-{j}.png"), full_page=True)
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
