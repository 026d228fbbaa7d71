"""Security headers on every page the project renders, and pages that need no inline script.

The URL list is Django's resolver (as in the access-policy walk), each URL fetched as
every role its policy admits, plus every live Wagtail page and the error pages. Headers
are checked as production sends them (over HTTPS, with HSTS on).
"""

import datetime
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import Resolver404, resolve

from url_walk import walk_routes

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
ONE_YEAR = 60 * 60 * 24 * 365

# Our URLs that name one of trainee A's records, with real ids and the role that owns it.
RECORD_URLS = {
    "competencies:trainer_trainee": lambda w: {"enrolment_id": str(w.enrolment_a.pk)},
    "competencies:my_outcome": lambda w: {"enrolment_id": str(w.enrolment_a.pk), "code": "C1"},
    "competencies:admin_record": lambda w: {"enrolment_id": str(w.enrolment_a.pk)},
    "competencies:evidence_file": lambda w: {"evidence_id": str(w.evidence_a.pk)},
    "consultation:session_detail": lambda w: {"session_id": str(w.session_a.pk)},
    "certificates:pdf": lambda w: {"certificate_id": str(w.certificate_a.pk)},
    "certificates:credential": lambda w: {"certificate_id": str(w.certificate_a.pk)},
    "certificates:detail": lambda w: {"certificate_id": str(w.certificate_a.pk)},
    "certificates:verify": lambda w: {"code": w.certificate_a.verification_code},
    "certificates:status_list": lambda w: {"list_id": str(w.certificate_a.status_list_id)},
    "certificates:achievement": lambda w: {"program_slug": w.cohort.program.slug},
    "consultation:export_download": lambda w: {"export_id": str(w.export_a.pk)},
    "certificates:cohort_matrix": lambda w: {"cohort_id": str(w.cohort.pk)},
    "consultation:cohort_summary_csv": lambda w: {"cohort_id": str(w.cohort.pk)},
    "courses:apply": lambda w: {"program_slug": w.cohort.program.slug},
}

# Wagtail's page for testing error reporting: its 500 must carry the headers too.
DELIBERATE_ERROR = "/admin/failwhale/"
# Scripts a browser does not run: data blocks read by the static scripts.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


@pytest.fixture
def production_headers(settings):
    """The header settings production runs with (config/settings/production.py)."""
    settings.SECURE_HSTS_SECONDS = ONE_YEAR
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    return settings


@pytest.fixture
def site(complete, settings, tmp_path):
    """Trainee A's complete record with a file of evidence, a consultation entry, an
    export and a certificate, so every kind of page has something to show."""
    from django.core.files.base import ContentFile
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from certificates.services import certificate_issue
    from competencies.services import evidence_add
    from consultation.models import HoursExport
    from consultation.services import session_log

    world = complete
    settings.MEDIA_ROOT = str(tmp_path)
    world.enrolment_a.refresh_from_db()
    world.evidence_a = evidence_add(
        actor=world.trainee_a, enrolment=world.enrolment_a, outcome_code="C1", kind="file",
        upload=SimpleUploadedFile("case-notes.pdf", b"%PDF-1.4 case notes"),
    )
    world.session_a = session_log(
        actor=world.trainee_a, enrolment=world.enrolment_a, trainer=world.trainer_a,
        date=timezone.localdate() - datetime.timedelta(days=5), minutes=60, category="E1",
        notes="Private",
    )
    world.export_a = HoursExport.objects.create(
        enrolment=world.enrolment_a, completed_at=timezone.now()
    )
    world.export_a.file.save("hours.pdf", ContentFile(b"%PDF-1.4"), save=True)
    world.certificate_a, _ = certificate_issue(actor=world.admin, enrolment=world.enrolment_a)
    return world


def _roles(world):
    from factories.accounts import UserFactory, with_totp

    users = world.users()
    # The Django admin admits superusers only; none of the roles above is one.
    users["superuser"] = with_totp(
        UserFactory(email="root@kapstone.test", is_staff=True, is_superuser=True)
    )
    return users


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


class _InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, event handlers,
    javascript: URLs, <style> elements and style attributes."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler")
            url = (value or "").strip().lower()
            if name in {"href", "src", "action", "formaction"} and url.startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:...>")
        if "style" in attrs and attrs["style"] != "display: none":  # the one hashed in CSP_SITE
            self.problems.append(f"<{tag} style={attrs['style']!r}>")
        if tag == "script" and not attrs.get("src") and "nonce" not in attrs:
            if (attrs.get("type") or "").lower() not in DATA_SCRIPT_TYPES:
                self.problems.append("inline <script> without a nonce")
        if tag == "style":
            self.problems.append("inline <style> element")


def inline_code(html: str) -> list[str]:
    parser = _InlineCode()
    parser.feed(html)
    return parser.problems


def _header_problems(path: str, response) -> list[str]:
    problems = []
    csp = response.headers.get("Content-Security-Policy")
    if not csp:
        return ["no Content-Security-Policy"]
    directives = csp_directives(csp)
    in_admin = path.startswith(tuple(django_settings.CSP_ADMIN_PATHS))
    if not in_admin:
        script = directives.get("script-src", directives.get("default-src", []))
        if "'unsafe-inline'" in script or "'unsafe-eval'" in script or "*" in script:
            problems.append(f"script-src allows inline or any script: {script}")
        if directives.get("frame-ancestors") != ["'none'"]:
            problems.append(f"frame-ancestors {directives.get('frame-ancestors')}")
        if response.headers.get("X-Frame-Options") != "DENY":
            problems.append(f"X-Frame-Options {response.headers.get('X-Frame-Options')}")
        if directives.get("object-src") != ["'none'"]:
            problems.append("object-src is not 'none'")
    else:
        if directives.get("frame-ancestors") != ["'self'"]:
            problems.append(f"admin frame-ancestors {directives.get('frame-ancestors')}")
        if response.headers.get("X-Frame-Options") not in ("DENY", "SAMEORIGIN"):
            problems.append(f"X-Frame-Options {response.headers.get('X-Frame-Options')}")
    expected = {
        "Strict-Transport-Security": f"max-age={ONE_YEAR}; includeSubDomains; preload",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
    }
    for name, value in expected.items():
        if response.headers.get(name) != value:
            problems.append(f"{name}: {response.headers.get(name)!r}")
    permissions = response.headers.get("Permissions-Policy", "")
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        if feature not in permissions:
            problems.append(f"Permissions-Policy lacks {feature}")
    return problems


def test_every_page_carries_the_security_headers_and_runs_no_inline_script(
    site, production_headers
):
    from wagtail.models import Page

    world = site
    users = _roles(world)
    routes = walk_routes({name: sample(world) for name, sample in RECORD_URLS.items()})
    # (path, role) → what to fetch: every routed URL as each role its policy admits and
    # as one it refuses, every live Wagtail page as everyone, and a page that does not exist.
    visits: list[tuple[str, str]] = []
    for route in routes:
        try:
            policy = resolve(route.url).func.access_policy
        except Resolver404:
            continue
        admitted = [role for role, user in users.items() if policy.allows(user or _anonymous())]
        refused = [role for role in users if role not in admitted]
        visits += [(route.url, role) for role in admitted + refused[:1]]
    pages = [page.url for page in Page.objects.live().specific() if page.url]
    visits += [(url, role) for url in pages for role in users]
    visits += [("/no-such-page/", role) for role in ("anonymous", "trainee_a")]

    failures, rendered, statuses = [], set(), {}
    clients = {}
    for role, user in users.items():
        clients[role] = Client(raise_request_exception=False)
        if user is not None:
            clients[role].force_login(user)
    for path, role in visits:
        response = clients[role].get(path, secure=True)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        where = f"{role:<18} {response.status_code} {path}"
        failures += [f"{where}: {p}" for p in _header_problems(path, response)]
        if response.status_code >= 500 and path != DELIBERATE_ERROR:
            failures.append(f"{where}: server error")
        is_html = response.headers.get("Content-Type", "").startswith("text/html")
        if is_html and response.status_code == 200 and not getattr(response, "streaming", False):
            rendered.add(path)
            if not path.startswith(tuple(django_settings.CSP_ADMIN_PATHS)):
                failures += [
                    f"{where}: {p}" for p in inline_code(response.content.decode())
                ]

    print(
        f"\nsecurity headers: {len(visits)} responses checked ({dict(sorted(statuses.items()))}),"
        f" {len(rendered)} distinct HTML pages rendered"
        f" ({sum(not p.startswith('/admin/') for p in rendered)} outside the Wagtail admin)"
    )
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(sorted(set(failures))[:80])
    # The walk really reached the pages: each role's home, the CMS pages, the admin.
    homes = ("/trainee/", "/trainer/", "/manage/", "/certificates/", "/admin/", "/accounts/login/")
    for path in homes:
        assert path in rendered, f"{path} was not rendered"
    assert len(pages) > 10 and set(pages) <= rendered, "some CMS pages were not rendered"


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def test_the_site_policy_allows_scripts_from_this_origin_only():
    directives = csp_directives(
        "; ".join(f"{k} {' '.join(v)}" for k, v in django_settings.CSP_SITE.items())
    )
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert all(source.startswith("https://") for source in directives["frame-src"])


def _project_templates() -> list[Path]:
    folders = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]
    return [
        path for folder in folders for path in sorted(folder.rglob("*.html"))
        if ".venv" not in path.parts
    ]


# Rendered by WeasyPrint into PDFs, never sent to a browser: their <style> is fine.
PDF_TEMPLATES = {"certificates/certificate_pdf.html", "consultation/hours_pdf.html",
                 "mydata/record_pdf.html"}


def test_no_template_has_inline_script_or_event_handlers():
    templates = _project_templates()
    assert len(templates) > 40
    problems = []
    for path in templates:
        name = "/".join(path.parts[path.parts.index("templates") + 1:])
        # Template tags inside attributes confuse an HTML parser less once blanked out.
        html = re.sub(r"{%.*?%}|{{.*?}}", " ", path.read_text(), flags=re.S)
        found = inline_code(html)
        if name in PDF_TEMPLATES:
            found = [p for p in found if "style" not in p]
        problems += [f"{path.relative_to(ROOT)}: {p}" for p in found]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "html, problem",
    [
        ("<script>alert(1)</script>", "inline <script> without a nonce"),
        ('<button onclick="go()">Go</button>', "<button onclick=...> event handler"),
        ('<a href="javascript:go()">Go</a>', "<a href=javascript:...>"),
        ('<div style="color:red"></div>', "<div style='color:red'>"),
    ],
)
def test_the_template_check_catches_what_the_policy_would_block(html, problem):
    assert inline_code(html) == [problem]


@pytest.mark.parametrize(
    "html",
    [
        '<script src="/static/app.js"></script>',
        '<script nonce="abc">go()</script>',
        '<script type="application/json" id="data">{"a": 1}</script>',
        '<form style="display: none"></form>',
    ],
)
def test_the_template_check_lets_through_what_the_policy_allows(html):
    assert inline_code(html) == []


PRODUCTION_PROBE = (
    "import json, django; from django.conf import settings as s; django.setup();"
    "print(json.dumps({k: getattr(s, k) for k in ("
    "'SESSION_COOKIE_NAME', 'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY',"
    " 'CSRF_COOKIE_NAME', 'CSRF_COOKIE_SECURE', 'CSRF_COOKIE_HTTPONLY', 'SECURE_HSTS_SECONDS',"
    " 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', 'SECURE_SSL_REDIRECT',"
    " 'X_FRAME_OPTIONS', 'SECURE_CROSS_ORIGIN_OPENER_POLICY', 'MIDDLEWARE')}))"
)


def test_production_settings_send_cookies_only_over_https_and_keep_them_from_scripts():
    import json
    import os
    import subprocess
    import sys

    inherited = ("DATABASE_", "REDIS_", "SECURE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(inherited)}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "production-grade-secret-key-for-a-settings-test-" + "z" * 20,
        "ALLOWED_HOSTS": "kapstone.example", "REDIS_URL": "redis://127.0.0.1:6379/3",
        "NOTES_ENCRYPTION_KEYS": "HuN92qUeGDFNgbILEvt97LXEFeCOjJRd1aagDcJHefY=",
        "CREDENTIAL_SIGNING_KEY": "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq",
    })
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", PRODUCTION_PROBE], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    s = json.loads(result.stdout.strip().splitlines()[-1])
    assert s["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert s["CSRF_COOKIE_NAME"].startswith("__Host-")
    assert s["SESSION_COOKIE_SECURE"] and s["SESSION_COOKIE_HTTPONLY"]
    assert s["CSRF_COOKIE_SECURE"] and s["CSRF_COOKIE_HTTPONLY"]
    assert s["SECURE_HSTS_SECONDS"] >= ONE_YEAR
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and s["SECURE_HSTS_PRELOAD"]
    assert s["SECURE_SSL_REDIRECT"]
    assert s["X_FRAME_OPTIONS"] == "DENY"
    assert s["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    assert "config.security.SecurityHeadersMiddleware" in s["MIDDLEWARE"]


def test_cookies_set_over_https_are_secure_and_http_only(settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    client = Client()
    response = client.get("/accounts/login/", secure=True)
    assert response.status_code == 200
    csrf = response.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    from factories.accounts import UserFactory

    UserFactory(email="cookie@kapstone.test", password="a-long-password-1")
    response = client.post(
        "/accounts/login/", {"login": "cookie@kapstone.test", "password": "a-long-password-1"},
        secure=True,
    )
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session.value
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
