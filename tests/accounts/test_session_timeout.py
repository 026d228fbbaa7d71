"""Idle sessions end (issue 17, item 7).

Today's main: a session lives two weeks server-side, however long it sits unused.
"""

import time

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from factories.accounts import PASSWORD, UserFactory, with_totp

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self, monkeypatch):
        from accounts import middleware

        self.now = time.time()
        monkeypatch.setattr(middleware, "now", lambda: self.now)
        monkeypatch.setattr("accounts.signals.session_now", lambda: self.now)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def _sign_in(client, user):
    client.force_login(user)
    return client


def _signed_in(client) -> bool:
    return client.get(reverse("home")).wsgi_request.user.is_authenticated


@pytest.mark.parametrize("roles, idle", [
    (["Trainer"], 30 * 60), (["Program admin"], 30 * 60), (["Curriculum editor"], 30 * 60),
    (["Trainee"], 12 * 60 * 60),
])
def test_a_session_ends_after_its_idle_timeout(client, clock, roles, idle):
    user = with_totp(UserFactory(roles=roles))
    _sign_in(client, user)
    clock.now += idle - 5
    assert _signed_in(client)  # activity: the clock starts again
    clock.now += idle - 5
    assert _signed_in(client)
    clock.now += idle + 1
    assert not _signed_in(client)


def test_the_sign_in_page_says_why(client, clock):
    user = with_totp(UserFactory(roles=["Program admin"]))
    _sign_in(client, user)
    clock.now += 31 * 60
    response = client.get(reverse("courses:admin_home"), follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "signed out after 30 minutes without activity" in page


def test_an_active_session_still_ends_at_its_absolute_lifetime(client, clock, settings):
    user = UserFactory(roles=["Trainee"])
    _sign_in(client, user)
    for hour in range(int(settings.SESSION_ABSOLUTE_LIFETIME // (60 * 60)) - 1):
        clock.now += 60 * 60
        assert _signed_in(client), hour  # active every hour: never idle
    clock.now += 2 * 60 * 60
    response = client.get(reverse("home"), follow=True)
    assert not response.wsgi_request.user.is_authenticated
    assert "signed out because you signed in more than" in response.content.decode()


def test_the_stamp_is_written_at_most_once_a_minute(client, clock, django_assert_num_queries):
    user = UserFactory(roles=["Trainee"])
    _sign_in(client, user)
    key = client.session.session_key
    before = Session.objects.get(session_key=key).session_data
    clock.now += 30
    client.get(reverse("home"))
    assert Session.objects.get(session_key=key).session_data == before  # not written
    clock.now += 31
    client.get(reverse("home"))
    assert Session.objects.get(session_key=key).session_data != before  # refreshed


def test_signing_in_through_the_form_starts_the_clocks(client, clock):
    user = UserFactory(roles=["Trainee"])
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    clock.now += 11 * 60 * 60
    assert _signed_in(client)


def test_server_side_sessions_expire_with_the_absolute_lifetime(settings):
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_ABSOLUTE_LIFETIME <= 24 * 60 * 60
