"""Accounts in a real browser: sign-up with e-mail verification, each demo role's sign-in
(with the authenticator step where the role requires one), and forced MFA enrolment."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e
PASSWORD = "kapstone-demo-pass"  # every demo account's (load_demo)


def test_sign_up_verify_email_then_sign_in(server, new_page, sign_in):
    email, password = "new.clinician@kapstone.test", "a-long-pass-phrase"
    page = new_page()
    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Legal name as on your license").fill("Sam New-Clinician")
    page.get_by_label(re.compile(r"^Password:?$")).fill(password)
    page.get_by_label("Password (again)").fill(password)
    page.get_by_role("button", name="Sign Up").click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify Your Email Address")

    mail = server.mail_containing(f"To: {email}")
    assert "Subject: [Kapstone] Please Confirm Your Email Address" in mail
    link = re.search(re.escape(server.url) + r"/accounts/confirm-email/[-:\w]+/", mail)
    assert link, mail

    # Not verified yet: signing in only leads back to "verify your e-mail".
    assert sign_in(page, email, password) is False
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))

    page.goto(link.group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Email Address")
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("status")).to_contain_text(f"You have confirmed {email}")

    assert sign_in(page, email, password) is False
    expect(page).to_have_url(server.url + "/home/")
    expect(page).to_have_title(re.compile(r"^Welcome"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Welcome"))
    expect(page.get_by_text("you are not enrolled in a program yet")).to_be_visible()


# (demo person, asked for a second factor, landing page, its main heading)
ROLES = {
    "trainee": ("trainee.ellis@kapstone.test", False, "/trainee/", "My program"),
    "trainer": ("trainer.okafor@kapstone.test", True, "/trainer/", "My trainees"),
    "program-admin": ("admin@kapstone.test", True, "/manage/", "Cohorts and enrolments"),
    "curriculum-editor": ("editor@kapstone.test", True, "/admin/", None),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_demo_role_signs_in_and_lands_on_its_page(server, new_page, sign_in, sessions, role):
    email, second_factor, landing, heading = ROLES[role]
    page = new_page()
    assert sign_in(page, email) is second_factor
    expect(page).to_have_url(server.url + landing)
    if heading:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    else:  # the Wagtail admin's dashboard
        expect(page).to_have_title(re.compile(r"^Dashboard"))
        expect(page.get_by_role("navigation", name="Main menu")).to_be_visible()
        expect(page.get_by_role("button", name="Pages")).to_be_visible()
    sessions.remember(email, page.context)  # later tests start signed in


def test_a_trainer_without_a_second_factor_must_set_one_up(server, new_page, sign_in, totp_now):
    email = "fresh.trainer@kapstone.test"
    server.manage(
        "shell", "-c",
        "from accounts.models import User\n"
        "from allauth.account.models import EmailAddress\n"
        "from django.contrib.auth.models import Group\n"
        f"u = User.objects.create_user(email={email!r}, password={PASSWORD!r}, full_name='Fresh Trainer')\n"
        "EmailAddress.objects.create(user=u, email=u.email, verified=True, primary=True)\n"
        "u.groups.add(Group.objects.get(name='Trainer'))\n",
    )
    page = new_page()
    assert sign_in(page, email) is False
    expect(page).to_have_url(server.url + "/accounts/2fa/?required=1")
    expect(page.get_by_role("alert")).to_contain_text("must use two-factor authentication")
    page.goto("/trainer/")  # nowhere else to go until a second factor is set up
    expect(page).to_have_url(server.url + "/accounts/2fa/?required=1")

    page.get_by_role("link", name="Activate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Access")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Activate Authenticator App")
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_now(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page).not_to_have_url(re.compile(r"/totp/activate/"))

    page.goto("/trainer/")
    expect(page).to_have_url(server.url + "/trainer/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My trainees")
