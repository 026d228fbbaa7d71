"""A person's own profile: names, time zone, e-mail preferences (issue 19, item 2);
sign-up asks the legal name; Wagtail's user forms edit the fields this User has."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import NameChangeRequest, User
from accounts.services import name_change_decide
from accounts.wagtail_users import KapstoneUserCreationForm, KapstoneUserEditForm
from audit.models import AuditEvent
from factories.accounts import UserFactory, with_totp
from notifications.models import Preference

pytestmark = pytest.mark.django_db


def _profile_post(**changes) -> dict:
    data = {"preferred_name": "", "time_zone": "", "delivery_reviews": "immediate",
            "delivery_hours": "immediate", "delivery_applications": "immediate",
            "delivery_certificates": "immediate", "delivery_reminders": "immediate",
            "delivery_learning": "immediate", "delivery_record": "immediate"}
    data.update(changes)
    return data


def test_profile_saves_preferred_name_time_zone_and_email_preferences(login):
    person = UserFactory(full_name="Jordan Avery Ellis", roles=["Trainee"])
    client = login(person)
    page = client.get(reverse("accounts:profile"))
    assert page.status_code == 200
    assert "Jordan Avery Ellis" in page.content.decode()
    assert '<option value="Europe/Lisbon">Europe/Lisbon</option>' in page.content.decode()

    response = client.post(reverse("accounts:profile"), _profile_post(
        preferred_name="Jo", time_zone="America/New_York", delivery_hours="digest",
    ))
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.preferred_name, person.time_zone) == ("Jo", "America/New_York")
    assert Preference.objects.get(user=person, kind="hours").delivery == "digest"
    event = AuditEvent.objects.get(verb="person.profile_changed")
    assert event.details["changed"]["time_zone"] == ["", "America/New_York"]
    # The greeting and the navbar use the preferred name.
    assert person.get_short_name() == "Jo"
    page = client.get(reverse("accounts:profile")).content.decode()
    assert '<option value="digest" selected>' in page


def test_a_made_up_time_zone_is_refused_beside_the_field(login):
    person = UserFactory(roles=["Trainee"])
    response = login(person).post(reverse("accounts:profile"), _profile_post(time_zone="Mars/Olympus"))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    person.refresh_from_db()
    assert person.time_zone == ""


def test_times_are_shown_in_the_persons_time_zone(login):
    """Every time on a page follows the zone on the profile (TimeZoneMiddleware)."""
    person = UserFactory(full_name="Tz Person", time_zone="Asia/Tokyo", roles=["Trainee"])
    client = login(person)
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    assert timezone.get_current_timezone_name() == "UTC"  # deactivated after the request
    from notifications.services import notify

    notify(person, "application_approved", {"cohort": "Spring"})
    page = client.get(reverse("notifications:list")).content.decode()
    now_tokyo = timezone.now().astimezone(datetime.timezone(datetime.timedelta(hours=9)))
    assert now_tokyo.strftime("%H:") in page and "JST" in page


def test_the_legal_name_shows_its_verification_state(login):
    person = UserFactory(full_name="Old Name", roles=["Trainee"])
    NameChangeRequest.objects.create(user=person, current_name="Old Name", requested_name="New Name")
    page = login(person).get(reverse("accounts:profile")).content.decode()
    assert "Waiting for a program admin" in page and "New Name" in page
    assert reverse("accounts:my_name") in page


def test_sign_up_asks_the_legal_name_and_the_welcome_greets_by_name(
    client, django_capture_on_commit_callbacks
):
    data = {"email": "sam@kapstone.test", "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase"}
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    assert "Enter your name as it appears on your license." in response.content.decode() or \
        "This field is required." in response.content.decode()
    assert not User.objects.filter(email="sam@kapstone.test").exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), {
            **data, "full_name": "  Samira   Okonkwo ", "preferred_name": "Sam"})
    assert response.status_code == 302
    user = User.objects.get(email="sam@kapstone.test")
    assert (user.full_name, user.preferred_name) == ("Samira Okonkwo", "Sam")
    # The proposed name waits for a program admin to check it, like any name change.
    proposal = NameChangeRequest.objects.get(user=user)
    assert proposal.status == "pending" and proposal.requested_name == "Samira Okonkwo"
    assert AuditEvent.objects.filter(verb="name_change.proposed").count() == 1

    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", mail.outbox[0].body).group(1)
    client.post(link)
    client.post(reverse("account_login"), {"login": "sam@kapstone.test", "password": "a-long-pass-phrase"})
    page = client.get(reverse("home")).content.decode()
    assert "Welcome, Sam" in page and "Welcome, sam@kapstone.test" not in page


def test_a_rejected_first_name_is_taken_back_and_asked_again(login):
    person = UserFactory(full_name="", roles=["Trainee"])
    admin = with_totp(UserFactory(roles=["Program admin"]))
    client = login(person)
    # Asked for it before anything else…
    response = client.get(reverse("courses:trainee_home"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile")
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "We do not have your legal name yet" in page
    response = client.post(reverse("accounts:profile"), _profile_post(full_name="Wrong Spelling"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.full_name == "Wrong Spelling"
    assert client.get(reverse("courses:trainee_home")).status_code == 200
    # …and a program admin who finds it does not match the license rejects it.
    name_change_decide(actor=admin, name_request=NameChangeRequest.objects.get(user=person),
                       approve=False, note="Your license reads Right Spelling.")
    person.refresh_from_db()
    assert person.full_name == ""
    assert client.get(reverse("courses:trainee_home"))["Location"] == reverse("accounts:profile")


def test_wagtails_user_forms_edit_the_fields_this_user_has():
    person = UserFactory(full_name="Dana Nakamura", preferred_name="Dana")
    form = KapstoneUserEditForm(instance=person)
    assert "first_name" not in form.fields and "last_name" not in form.fields
    assert "preferred_name" in form.fields
    # The legal name is shown, never edited here: it changes through a verified request.
    assert form.fields["full_name"].disabled and form.initial.get("preferred_name") == "Dana"
    assert "first_name" not in KapstoneUserCreationForm().fields
    form = KapstoneUserEditForm(instance=person, data={
        "email": person.email, "preferred_name": "Dee", "full_name": "Someone Else",
        "is_active": "on",
    })
    assert form.is_valid(), form.errors
    form.save()
    person.refresh_from_db()
    assert (person.full_name, person.preferred_name) == ("Dana Nakamura", "Dee")

