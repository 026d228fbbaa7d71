import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from factories.accounts import PASSWORD, UserFactory, with_totp

pytestmark = pytest.mark.django_db


def _signup(client, capture, email="new.person@kapstone.test", password="a-long-pass-phrase"):
    with capture(execute=True):
        return client.post(
            reverse("account_signup"),
            {"email": email, "password1": password, "password2": password,
             "full_name": "New Person"},
        )


def test_sign_up_requires_verifying_the_email_before_signing_in(client, django_capture_on_commit_callbacks):
    response = _signup(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.person@kapstone.test"]
    assert "Hello from Kapstone!" in mail.outbox[0].body and "on testserver" in mail.outbox[0].body
    assert not client.get(reverse("home")).wsgi_request.user.is_authenticated

    # Signing in before verifying sends the visitor back to the verification notice.
    response = client.post(
        reverse("account_login"), {"login": "new.person@kapstone.test", "password": "a-long-pass-phrase"}
    )
    assert response["Location"] == reverse("account_email_verification_sent")

    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", mail.outbox[0].body).group(1)
    response = client.post(link)
    assert response.status_code == 302
    response = client.post(
        reverse("account_login"),
        {"login": "NEW.Person@kapstone.test", "password": "a-long-pass-phrase"},
        follow=True,
    )
    assert response.wsgi_request.user.email == "new.person@kapstone.test"
    assert b"not enrolled in a program yet" in response.content


def test_sign_up_with_bad_input_shows_field_errors_and_creates_nobody(client, django_capture_on_commit_callbacks):
    response = _signup(client, django_capture_on_commit_callbacks, email="not-an-email", password="short")
    assert response.status_code == 200
    form = response.context["form"]
    assert "email" in form.errors and "password1" in form.errors
    assert not User.objects.exists() and not mail.outbox


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client, django_capture_on_commit_callbacks):
    UserFactory(email="known@kapstone.test")
    answers = []
    for email in ("known@kapstone.test", "unknown@kapstone.test"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("account_reset_password"), {"email": email})
        answers.append((response.status_code, response["Location"]))
    assert answers[0] == answers[1]
    assert [m.to for m in mail.outbox if "reset" in m.body.lower() and "known@" in m.to[0]]


@pytest.mark.parametrize(
    "roles, landing",
    [
        (["Trainee"], "/trainee/"),
        (["Trainer"], "/trainer/"),
        (["Program admin"], "/manage/"),
        (["Curriculum editor"], "/admin/"),
        (["Trainer", "Trainee"], "/trainer/"),
    ],
)
def test_each_role_lands_on_its_own_page(client, roles, landing):
    user = UserFactory(roles=roles)
    if {"Trainer", "Program admin", "Curriculum editor"} & set(roles):
        with_totp(user)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == landing


@pytest.mark.parametrize("role", ["Trainer", "Program admin", "Curriculum editor"])
def test_trainers_admins_and_editors_must_set_up_mfa_before_anything_else(client, role):
    user = UserFactory(roles=[role])
    client.force_login(user)
    for path in ("/home/", "/trainer/", "/manage/", "/admin/", "/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/accounts/2fa/?required=1"
    page = client.get("/accounts/2fa/?required=1")
    assert b"must use two-factor authentication" in page.content
    with_totp(user)
    assert client.get("/home/").status_code == 302
    assert client.get("/home/")["Location"] != "/accounts/2fa/?required=1"


def test_trainees_are_not_forced_into_mfa(client):
    client.force_login(UserFactory(roles=["Trainee"]))
    assert client.get("/trainee/").status_code == 200


def test_a_user_with_totp_is_asked_for_the_code_after_the_password(client):
    user = with_totp(UserFactory(roles=["Trainer"]))
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert not client.get("/trainer/").wsgi_request.user.is_authenticated


@pytest.mark.parametrize(
    "side_door, destination",
    [
        ("/admin/login/", "/accounts/login/"),
        ("/_util/login/", "/accounts/login/"),
        ("/admin/password_reset/", "/accounts/password/reset/"),
        ("/admin/", "/accounts/login/"),
        ("/django-admin/", "/accounts/login/"),
        ("/django-admin/login/", "/accounts/login/"),
    ],
)
def test_admin_logins_go_through_allauth(client, side_door, destination):
    response = client.get(side_door)
    assert response.status_code in (301, 302)
    assert response["Location"].split("?")[0] == destination


def test_posting_credentials_to_the_old_admin_login_signs_nobody_in(client):
    user = UserFactory(roles=["Program admin"])
    client.post("/admin/login/", {"username": user.email, "password": PASSWORD})
    client.post("/django-admin/login/", {"username": user.email, "password": PASSWORD})
    assert not client.get("/home/").wsgi_request.user.is_authenticated


def test_a_burst_of_failed_logins_is_audited_once(client, settings):
    UserFactory(email="target@kapstone.test")
    for _ in range(settings.KAPSTONE_LOGIN_FAILURE_BURST + 2):
        client.post(reverse("account_login"), {"login": "target@kapstone.test", "password": "wrong-password"})
    events = AuditEvent.objects.filter(verb="login.failure_burst")
    assert events.count() == 1
    assert events.get().target_repr == "target@kapstone.test"


def test_login_is_rate_limited_after_repeated_failures(client):
    user = UserFactory(email="limited@kapstone.test")
    for _ in range(6):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong-password"})
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert not response.wsgi_request.user.is_authenticated
    assert response.status_code in (200, 429)


def test_refused_access_is_audited(client, world):
    client.force_login(world.trainee_a)
    assert client.get("/manage/").status_code == 403
    event = AuditEvent.objects.filter(verb="access.refused").latest("id")
    assert event.actor == world.trainee_a and event.details["path"] == "/manage/"


def test_unknown_urls_get_a_404_page_in_the_site_layout(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content and b"skip-link" in response.content


def test_server_errors_show_a_plain_page_without_details(world):
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(world.admin)
    # Wagtail's own deliberate-error view stands in for any crash.
    response = client.get("/admin/failwhale/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert "Traceback" not in body and "SECRET_KEY" not in body and "failwhale" not in body


def test_only_the_four_role_groups_exist():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) == {
        "Trainee", "Trainer", "Program admin", "Curriculum editor",
    }
