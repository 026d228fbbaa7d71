"""Every Kapstone page each role can see, checked by axe-core (WCAG 2.2 AA rules) at a
laptop's width (1366 px) and a small phone's (320 px): no serious or critical
violation, and nothing makes the page scroll sideways on the phone (a wide table
scrolls inside its own box instead). Wagtail's own admin screens are not ours to fix
and are left out; its dashboard, where our panel lives, is in.

The demo has no certificate until the certificates journey issues (and revokes)
Dana Nakamura's: this file runs after it, and issues one itself when run alone, so
the verification and certificate pages are always checked."""

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

AXE = Path(__file__).parent / "vendor" / "axe-core-4.11.0" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = (1366, 320)
TRAINEE, FINISHED, TRAINER, ADMIN, EDITOR = (
    "trainee.ellis@kapstone.test", "trainee.nakamura@kapstone.test", "trainer.okafor@kapstone.test",
    "admin@kapstone.test", "editor@kapstone.test",
)

_FACTS = """
import json
from accounts.models import User
from certificates.models import Certificate
from certificates.services import certificate_issue
from cms.models import CoursePage, LessonPage, ProgramPage
from consultation.models import ConsultationSession
from courses.models import Cohort, Enrolment
admin = User.objects.get(email="admin@kapstone.test")
ellis = Enrolment.objects.get(trainee__email="trainee.ellis@kapstone.test")
nakamura = Enrolment.objects.get(trainee__email="trainee.nakamura@kapstone.test")
certificate = Certificate.objects.filter(enrolment=nakamura).order_by("-pk").first()
if certificate is None:
    certificate, _ = certificate_issue(actor=admin, enrolment=nakamura)
print(json.dumps({
    "cohort": Cohort.objects.first().pk, "ellis": ellis.pk, "ellis_user": ellis.trainee_id,
    "session": ConsultationSession.objects.filter(enrolment=ellis).order_by("pk").first().pk,
    "certificate": certificate.pk, "code": certificate.verification_code,
    "program": ProgramPage.objects.live().first().url, "course": CoursePage.objects.live().first().url,
    "lesson": LessonPage.objects.live().first().url,
}))
"""


def _pages(facts) -> dict[str | None, list[str]]:
    f = facts
    account = ["/accounts/email/", "/accounts/password/change/", "/accounts/2fa/", "/me/name/"]
    return {
        None: ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/verify/",
               f"/verify/{f['code']}/", f["program"]],
        TRAINEE: ["/trainee/", "/trainee/outcomes/", f"/trainee/outcomes/{f['ellis']}/C1/",
                  "/trainee/hours/", f"/hours/{f['session']}/", "/certificates/", f["program"],
                  f["course"], f["lesson"], *account],
        FINISHED: ["/certificates/"],
        TRAINER: ["/trainer/", "/trainer/queue/", "/trainer/hours/group/",
                  f"/trainer/trainees/{f['ellis']}/", f"/hours/{f['session']}/", *account],
        ADMIN: ["/manage/", "/manage/applications/", "/manage/jobs/", "/manage/people/",
                f"/manage/people/{f['ellis_user']}/", "/manage/name-changes/",
                f"/manage/cohorts/{f['cohort']}/", f"/manage/records/{f['ellis']}/",
                f"/manage/certificates/{f['certificate']}/", "/admin/", *account],
        EDITOR: ["/", f["program"], "/admin/", *account],
    }


@pytest.fixture(scope="module")
def facts(server):
    return json.loads(server.manage("shell", "-c", _FACTS).strip().splitlines()[-1])


def _check(page, where: str) -> list[str]:
    """axe's serious and critical violations on the page as it is now, one line each."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async (tags) => (await axe.run(document, {runOnly: {type: "tag", values: tags}}))
             .violations.filter(v => v.impact === "serious" || v.impact === "critical")
             .map(v => `${v.impact} ${v.id}: ${v.help} — ` + v.nodes.slice(0, 4)
               .map(n => n.target.join(" ") + " " + (n.failureSummary || "").replace(/\\s+/g, " ")).join(" | "))""",
        WCAG_22_AA,
    )
    return [f"{where}: {line}" for line in violations]


def _sideways(page, where: str) -> list[str]:
    scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    if scroll <= client:
        return []
    wide = page.evaluate(
        """() => [...document.querySelectorAll("body *")]
             .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
             .slice(0, 3).map(e => e.tagName.toLowerCase() + "." + [...e.classList].join("."))"""
    )
    return [f"{where}: scrolls sideways ({scroll} px wide in {client} px): {', '.join(wide)}"]


@pytest.mark.parametrize("who", [None, TRAINEE, FINISHED, TRAINER, ADMIN, EDITOR],
                         ids=lambda who: (who or "anonymous").split("@")[0])
def test_every_page_passes_axe_and_fits_a_phone(who, facts, server, browser, sessions):
    # Our own context: axe is injected as a script, which the site's CSP (rightly) refuses.
    state = sessions.state(who) if who else None
    context = browser.new_context(base_url=server.url, storage_state=state, bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    try:
        for path in _pages(facts)[who]:
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                response = page.goto(path)
                assert response.status < 500, f"{path} answered {response.status}"
                where = f"{path} at {width} px"
                problems += _check(page, where)
                if width == 320:
                    problems += _sideways(page, where)
        if who == TRAINEE:  # a form sent with mistakes: its summary and messages too
            page.goto("/trainee/hours/")
            page.get_by_role("button", name="Log session").click()
            page.wait_for_load_state()
            assert page.locator("[data-error-summary]").evaluate("el => el === document.activeElement")
            problems += _check(page, "/trainee/hours/ with errors at 320 px")
    finally:
        context.close()
    print("\n".join(problems))
    assert problems == []
