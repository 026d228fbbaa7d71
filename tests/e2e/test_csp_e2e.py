"""The Content Security Policy in a real browser: Chromium reports no violation on the
site's pages (strict policy) nor in the Wagtail admin (its own policy), and the admin's
preview still loads in its frame."""

import pytest

pytestmark = pytest.mark.e2e

TRAINEE, TRAINER, ADMIN, EDITOR = (
    "trainee.ellis@kapstone.test", "trainer.okafor@kapstone.test",
    "admin@kapstone.test", "editor@kapstone.test",
)
PAGES = {
    None: ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/verify/"],
    TRAINEE: ["/trainee/", "/trainee/outcomes/", "/trainee/hours/", "/certificates/",
              "/accounts/email/", "/accounts/2fa/", "/accounts/2fa/totp/activate/"],
    TRAINER: ["/trainer/", "/trainer/queue/", "/trainer/hours/group/"],
    ADMIN: ["/manage/", "/manage/applications/", "/manage/jobs/"],
    EDITOR: ["/admin/", "/admin/pages/", "/admin/images/", "/admin/documents/"],
}


def _watch(page) -> list[str]:
    """Chromium logs every blocked script, style, frame or image to the console."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(f"{page.url}: {message.text}")
        if "Content Security Policy" in message.text else None,
    )
    return violations


def _visit(page, paths) -> list[str]:
    violations = _watch(page)
    for path in paths:
        response = page.goto(path)
        assert response.ok, f"{path} answered {response.status}"
        policy = response.headers["content-security-policy"]
        if not path.startswith("/admin/"):
            assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
        page.wait_for_load_state("networkidle")
    return violations


@pytest.mark.parametrize("who", list(PAGES), ids=lambda who: (who or "anonymous").split("@")[0])
def test_no_page_breaks_its_content_security_policy(who, new_page, as_user):
    page = new_page() if who is None else as_user(who)
    assert _visit(page, PAGES[who]) == []


def test_the_wagtail_admin_edits_and_previews_a_lesson_within_its_policy(server, as_user):
    lesson_id = server.manage(
        "shell", "-c", "from cms.models import LessonPage; print(LessonPage.objects.first().pk)"
    ).strip().splitlines()[-1]
    page = as_user(EDITOR)
    violations = _watch(page)
    page.goto(f"/admin/pages/{lesson_id}/edit/")
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Toggle preview").click()
    # Wagtail double-buffers the preview in two frames; the lesson renders in one.
    page.locator("iframe[title='Preview']").first.wait_for()
    frame = page.frame_locator("iframe[title='Preview']").first
    frame.locator("h1").first.wait_for()
    assert violations == []
