"""Sign-up with e-mail verification, and each role's sign-in, in a real browser."""

import re

import pytest

pytestmark = pytest.mark.e2e


def test_sign_up_verify_email_then_sign_in(server, browser):
    context = browser.new_context(base_url=server.url)
    page = context.new_page()
    page.goto("/accounts/signup/")
    page.locator("input[name=email]").fill("new.clinician@kapstone.test")
    page.locator("input[name=password1]").fill("a-long-pass-phrase")
    page.locator("input[name=password2]").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))
    mail = server.mail_containing("new.clinician@kapstone.test")
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail).group(1)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill("new.clinician@kapstone.test")
    page.locator("input[name=password]").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/home/$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Welcome")
    assert page.get_by_text("not enrolled in a program yet").is_visible()
    context.close()


@pytest.mark.parametrize(
    "email, landing, heading",
    [
        ("trainee.ellis@kapstone.test", "/trainee/", "My program"),
        ("trainer.okafor@kapstone.test", "/trainer/", "My trainees"),
        ("admin@kapstone.test", "/manage/", "Cohorts and enrolments"),
        ("editor@kapstone.test", "/admin/", None),
    ],
)
def test_each_role_signs_in_and_lands_on_its_page(sessions, as_user, email, landing, heading):
    assert sessions["landings"][email] == landing
    page = as_user(email)
    page.goto(landing)
    if heading:
        assert page.get_by_role("heading", level=1).inner_text() == heading
    else:
        assert "/admin/" in page.url and "Dashboard" in page.title() or page.locator("main").is_visible()


def test_a_trainer_without_a_second_factor_is_sent_to_set_one_up(server, browser):
    server.manage(
        "shell", "-c",
        "from accounts.models import User; from django.contrib.auth.models import Group;"
        "from allauth.account.models import EmailAddress;"
        "u = User.objects.create_user(email='fresh.trainer@kapstone.test', password='kapstone-demo-pass');"
        "EmailAddress.objects.create(user=u, email=u.email, verified=True, primary=True);"
        "u.groups.add(Group.objects.get(name='Trainer'))",
    )
    context = browser.new_context(base_url=server.url)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill("fresh.trainer@kapstone.test")
    page.locator("input[name=password]").fill("kapstone-demo-pass")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    page.goto("/trainer/")
    assert "/accounts/2fa/" in page.url
    assert page.get_by_text("must use two-factor authentication").is_visible()
    context.close()
