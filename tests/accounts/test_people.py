"""People management is Kapstone's own and audited (issue 17, item 1).

The attack: a program admin opened Wagtail's user edit form, changed a trainee's
e-mail to their own address (then reset the password and read the trainee's notes)
and ticked "Administrator". Neither change was audited.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import EmailChange, NameChangeRequest, User
from audit.models import AuditEvent
from core.roles import forget_roles, roles_of
from factories.accounts import UserFactory, with_totp

pytestmark = pytest.mark.django_db


def _events(after: int):
    return list(AuditEvent.objects.filter(pk__gt=after).order_by("pk"))


def _last_event() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _form(person, **overrides):
    data = {
        "full_name": person.full_name, "preferred_name": person.preferred_name,
        "email": person.email, "is_active": "on" if person.is_active else "",
        "roles": sorted(roles_of(person)),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v not in ("", None)}


# --- The attack through Wagtail's screens ---------------------------------------------


@pytest.mark.parametrize("url_name", ["wagtailusers_users:edit", "wagtailusers_users:delete"])
def test_a_program_admin_cannot_use_wagtails_user_screens(client, world, url_name):
    client.force_login(world.admin)
    url = reverse(url_name, args=[world.trainee_a.pk])
    assert client.get(url).status_code == 302
    response = client.post(url, {
        "email": "attacker@evil.test", "is_active": "on", "is_superuser": "on",
        "first_name": "x", "last_name": "y", "groups": [],
    })
    assert response.status_code == 302
    world.trainee_a.refresh_from_db()
    assert world.trainee_a.email == "trainee.a@kapstone.test"
    assert not world.trainee_a.is_superuser and not world.trainee_a.is_staff
    assert User.objects.filter(pk=world.trainee_a.pk).exists()


def test_wagtails_user_screens_are_closed_to_superusers_too(client, world):
    """The "Administrator" flag is nowhere in the web UI."""
    root = with_totp(User.objects.create_superuser("root@kapstone.test", "a-long-password-1"))
    client.force_login(root)
    response = client.post(reverse("wagtailusers_users:edit", args=[world.trainee_a.pk]), {
        "email": world.trainee_a.email, "is_active": "on", "is_superuser": "on",
    })
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:person_edit", args=[world.trainee_a.pk])
    world.trainee_a.refresh_from_db()
    assert not world.trainee_a.is_superuser
    assert client.get(reverse("wagtailusers_users:add")).status_code == 302


def test_program_admins_do_not_see_wagtails_users_menu(client, world):
    client.force_login(world.admin)
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("wagtailusers_users:index") not in page
    assert not world.admin.has_perm("accounts.change_user")


# --- Kapstone's people page -------------------------------------------------------------


def test_the_person_form_has_no_superuser_or_staff_flag_and_no_first_or_last_name(client, world):
    client.force_login(world.admin)
    page = client.get(reverse("accounts:person_edit", args=[world.trainee_a.pk])).content.decode()
    for name in ("is_superuser", "is_staff", "first_name", "last_name"):
        assert f'name="{name}"' not in page
    assert 'name="full_name"' in page and 'name="preferred_name"' in page


def test_posting_a_superuser_flag_changes_nothing(client, world):
    client.force_login(world.admin)
    client.post(reverse("accounts:person_edit", args=[world.trainee_a.pk]),
                _form(world.trainee_a, is_superuser="on", is_staff="on"))
    world.trainee_a.refresh_from_db()
    assert not world.trainee_a.is_superuser and not world.trainee_a.is_staff


def test_an_admins_email_change_waits_for_the_new_owner_and_tells_the_old_address(
    client, world, django_capture_on_commit_callbacks
):
    trainee = world.trainee_a
    client.force_login(world.admin)
    mark = _last_event()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:person_edit", args=[trainee.pk]),
                               _form(trainee, email="new.address@kapstone.test"))
    assert response.status_code == 302
    trainee.refresh_from_db()
    assert trainee.email == "trainee.a@kapstone.test"  # not yet
    events = _events(mark)
    assert [e.verb for e in events] == ["person.changed"]
    assert events[0].details["email_change_requested"] == [
        "trainee.a@kapstone.test", "new.address@kapstone.test"]
    verification = [m for m in mail.outbox if m.to == ["new.address@kapstone.test"]]
    assert len(verification) == 1

    # Whoever holds the new address cannot reset the password through it meanwhile.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("account_reset_password"), {"email": "new.address@kapstone.test"})
    assert not [m for m in mail.outbox if "password" in m.subject.lower()]

    # The owner of the new address follows the link: now it changes, the old is told.
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", verification[0].body).group(1)
    mark = _last_event()
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(link)
    trainee.refresh_from_db()
    assert trainee.email == "new.address@kapstone.test"
    assert list(EmailAddress.objects.filter(user=trainee).values_list("email", "primary", "verified")) == [
        ("new.address@kapstone.test", True, True)]
    told = [m for m in mail.outbox if m.to == ["trainee.a@kapstone.test"]]
    assert told and "new.address@kapstone.test" in told[0].body
    assert [e.verb for e in _events(mark)] == ["person.email_changed"]
    assert EmailChange.objects.get().completed_at is not None


def test_each_submission_writes_exactly_one_event_naming_what_changed(client, world):
    person = world.trainee_b
    client.force_login(world.admin)
    mark = _last_event()
    client.post(reverse("accounts:person_edit", args=[person.pk]), _form(
        person, full_name="Bee Legal", preferred_name="Bee", is_active="",
        roles=["Trainee", "Trainer"],
    ))
    events = _events(mark)
    assert [e.verb for e in events] == ["person.changed"]
    details = events[0].details
    assert set(details["changed"]) == {"full_name", "preferred_name", "is_active"}
    assert details["roles_granted"] == ["Trainer"]
    assert events[0].actor == world.admin
    person.refresh_from_db()
    assert (person.full_name, person.preferred_name, person.is_active) == ("Bee Legal", "Bee", False)
    forget_roles(person)
    assert roles_of(person) == {"Trainee", "Trainer"}


def test_an_unchanged_submission_writes_nothing(client, world):
    client.force_login(world.admin)
    mark = _last_event()
    client.post(reverse("accounts:person_edit", args=[world.trainee_b.pk]), _form(world.trainee_b))
    assert _events(mark) == []


def test_mfa_reset_removes_the_authenticators_and_is_audited(client, world):
    client.force_login(world.admin)
    mark = _last_event()
    client.post(reverse("accounts:person_edit", args=[world.trainer_a.pk]),
                _form(world.trainer_a, reset_mfa="on"))
    assert not Authenticator.objects.filter(user=world.trainer_a).exists()
    [event] = _events(mark)
    assert event.details == {"mfa_reset": True}


@pytest.mark.parametrize("field, value", [
    ("full_name", "Me Myself"), ("roles", ["Program admin", "Trainer"]), ("reset_mfa", "on"),
    ("is_active", ""),
])
def test_an_admin_does_not_change_their_own_account_here(client, world, field, value):
    client.force_login(world.admin)
    mark = _last_event()
    response = client.post(reverse("accounts:person_edit", args=[world.admin.pk]),
                           _form(world.admin, **{field: value}))
    assert response.status_code == 200
    assert "Another program admin must" in response.content.decode()
    assert _events(mark) == []
    world.admin.refresh_from_db()
    assert roles_of(world.admin) == {"Program admin"} and world.admin.is_active


def test_an_address_someone_else_uses_is_refused_with_a_message(client, world):
    client.force_login(world.admin)
    response = client.post(reverse("accounts:person_edit", args=[world.trainee_a.pk]),
                           _form(world.trainee_a, email=world.trainee_b.email))
    assert "Another account already uses this address." in response.content.decode()
    assert not EmailChange.objects.exists()


def test_superusers_are_not_managed_from_the_web(client, world):
    root = User.objects.create_superuser("root@kapstone.test", "a-long-password-1")
    client.force_login(world.admin)
    assert client.get(reverse("accounts:person_edit", args=[root.pk])).status_code == 404
    assert "root@kapstone.test" not in client.get(reverse("accounts:people")).content.decode()


# --- Legal name -------------------------------------------------------------------------


def test_a_trainee_asks_for_a_name_change_and_an_admin_approves_it(
    client, world, complete, django_capture_on_commit_callbacks
):
    from certificates.services import certificate_issue

    trainee = world.trainee_a
    with django_capture_on_commit_callbacks(execute=True):
        certificate_issue(actor=world.admin, enrolment=world.enrolment_a)
    client.force_login(trainee)
    client.post(reverse("accounts:my_name"), {"requested_name": "Alex New-Name", "reason": "Married"})
    name_request = NameChangeRequest.objects.get()
    trainee.refresh_from_db()
    assert trainee.full_name != "Alex New-Name"  # an admin decides

    client.force_login(world.admin)
    mark = _last_event()
    response = client.post(reverse("accounts:name_request_decide", args=[name_request.pk]),
                           {"decision": "approve"})
    assert response.status_code == 302
    trainee.refresh_from_db()
    assert trainee.full_name == "Alex New-Name"
    [event] = _events(mark)
    assert event.verb == "name_change.approved"
    assert event.details["changed"]["full_name"][1] == "Alex New-Name"
    page = client.get(response["Location"]).content.decode()
    assert "1 certificate issued under the name" in page and "re-issue" in page


def test_a_legal_name_change_tells_the_admin_about_certificates_and_they_keep_their_name(
    client, complete, django_capture_on_commit_callbacks
):
    from certificates.models import Certificate
    from certificates.services import certificate_issue

    world = complete
    old_name = world.trainee_a.full_name
    with django_capture_on_commit_callbacks(execute=True):
        certificate, _ = certificate_issue(actor=world.admin, enrolment=world.enrolment_a)
    client.force_login(world.admin)
    response = client.post(reverse("accounts:person_edit", args=[world.trainee_a.pk]),
                           _form(world.trainee_a, full_name="Renamed Person"), follow=True)
    page = response.content.decode()
    assert "1 certificate issued under the name" in page and "re-issue" in page
    certificate = Certificate.objects.get(pk=certificate.pk)
    assert certificate.snapshot["trainee_name"] == old_name


def test_nobody_decides_their_own_name_change(world):
    from django.core.exceptions import ValidationError

    from accounts.services import name_change_decide, name_change_request

    name_request = name_change_request(user=world.admin, requested_name="Admin Renamed")
    with pytest.raises(ValidationError, match="another program admin"):
        name_change_decide(actor=world.admin, name_request=name_request, approve=True)


def test_a_second_pending_request_is_refused(client, world):
    client.force_login(world.trainee_a)
    client.post(reverse("accounts:my_name"), {"requested_name": "First Try"})
    response = client.post(reverse("accounts:my_name"), {"requested_name": "Second Try"})
    assert "already waiting for a decision" in response.content.decode()
    assert NameChangeRequest.objects.count() == 1


# --- Pinned query counts ----------------------------------------------------------------


@pytest.mark.parametrize("extra", [0, 30])
def test_the_people_list_runs_a_fixed_number_of_queries(client, world, extra,
                                                        django_assert_num_queries):
    for _ in range(extra):
        UserFactory(roles=["Trainee"])
    client.force_login(world.admin)
    client.get(reverse("accounts:people"))
    with django_assert_num_queries(7):
        assert client.get(reverse("accounts:people")).status_code == 200


@pytest.mark.parametrize("extra", [0, 5])
def test_the_person_page_runs_a_fixed_number_of_queries(client, world, extra,
                                                        django_assert_num_queries):
    from factories.courses import CohortFactory, EnrolmentFactory

    for _ in range(extra):
        EnrolmentFactory(trainee=world.trainee_a, cohort=CohortFactory())
    client.force_login(world.admin)
    url = reverse("accounts:person_edit", args=[world.trainee_a.pk])
    client.get(url)
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200
