"""In-app notifications, the bell and the daily digest (issue 19, item 9)."""

import pytest
from django.core import mail
from django.urls import reverse

from factories.accounts import UserFactory
from notifications.models import Notification, Preference
from notifications.services import digests_send, notify
from notifications.tasks import send_digests

pytestmark = pytest.mark.django_db


def _approved(to, capture):
    with capture(execute=True):
        notify(to, "application_approved", {"cohort": "Spring 2027"})


def test_each_person_gets_it_in_the_app_and_by_email_at_once(django_capture_on_commit_callbacks):
    ana, ben = UserFactory(), UserFactory()
    _approved([ana, ben.email], django_capture_on_commit_callbacks)
    # An address that belongs to an account is the account: both are kept for the app.
    assert sorted(Notification.objects.values_list("user__email", flat=True)) == sorted(
        [ana.email, ben.email])
    note = Notification.objects.get(user=ana)
    assert note.kind == "applications" and note.read_at is None and note.emailed_at is not None
    assert "Spring 2027" in note.body and not note.subject.startswith("[Kapstone]")
    assert len(mail.outbox) == 1 and sorted(mail.outbox[0].to) == sorted([ana.email, ben.email])


def test_an_address_without_an_account_gets_the_email_alone(django_capture_on_commit_callbacks):
    _approved("stranger@example.org", django_capture_on_commit_callbacks)
    assert not Notification.objects.exists()
    assert mail.outbox[0].to == ["stranger@example.org"]


def test_a_digest_preference_holds_the_email_for_the_daily_digest(django_capture_on_commit_callbacks):
    ana = UserFactory(preferred_name="Ana")
    Preference.objects.create(user=ana, kind="applications", delivery="digest")
    _approved(ana, django_capture_on_commit_callbacks)
    _approved(ana, django_capture_on_commit_callbacks)
    assert not mail.outbox  # nothing yet: it is in the app, and waits for the digest
    assert Notification.objects.filter(user=ana, emailed_at__isnull=True).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        assert send_digests() == 1
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == [ana.email] and digest.subject == "[Kapstone] Your Kapstone digest: 2 updates"
    assert "Hello Ana" in digest.body and digest.body.count("--- Welcome to Spring 2027") == 2

    # Idempotent: a second run (a retry, a second beat) sends nothing again.
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send() == 0
    assert len(mail.outbox) == 1
    # A new item goes into the next digest, alone.
    _approved(ana, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        digests_send()
    assert len(mail.outbox) == 2 and "1 update" in mail.outbox[1].subject


def test_reminders_that_are_already_digests_go_out_at_once(django_capture_on_commit_callbacks):
    trainer = UserFactory()
    Preference.objects.create(user=trainer, kind="reminders", delivery="digest")
    with django_capture_on_commit_callbacks(execute=True):
        notify(trainer.email, "signoff_review_digest", {"requests": []})
    assert len(mail.outbox) == 1


def test_the_bell_counts_unread_without_a_query_of_its_own(login, django_assert_num_queries):
    person = UserFactory(roles=["Trainee"])
    client = login(person)
    client.get(reverse("notifications:list"))  # the site is looked up once, then cached
    with django_assert_num_queries(4):  # session, user with its unread count, roles, the page
        page = client.get(reverse("notifications:list")).content.decode()
    assert "unread" not in page.lower() or "Notifications, " not in page
    for _ in range(3):
        notify(person, "application_approved", {"cohort": "Spring 2027"})
    with django_assert_num_queries(4):
        page = client.get(reverse("notifications:list")).content.decode()
    assert 'aria-label="Notifications, 3 unread"' in page


def test_the_list_is_newest_first_paged_and_opening_marks_read(login):
    person, other = UserFactory(), UserFactory()
    for number in range(25):
        notify(person, "application_approved", {"cohort": f"Cohort {number:02d}"})
    notify(other, "application_declined", {"cohort": "Theirs", "reason": "Full"})
    client = login(person)
    page = client.get(reverse("notifications:list")).content.decode()
    assert page.count('<li class="list-group-item') == 20 and "Next notifications" in page
    assert "declined" not in page.lower()
    newest = Notification.objects.filter(user=person).first()
    assert "Cohort 24" in newest.body

    response = client.get(reverse("notifications:detail", args=[newest.pk]))
    assert response.status_code == 200 and "Cohort 24" in response.content.decode()
    newest.refresh_from_db()
    assert newest.read_at is not None
    # Somebody else's notification is not found, and stays unread.
    theirs = Notification.objects.get(user=other)
    assert client.get(reverse("notifications:detail", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None

    assert client.get(reverse("notifications:mark_all_read")).status_code == 405
    response = client.post(reverse("notifications:mark_all_read"), follow=True)
    assert "24 notifications marked read." in response.content.decode()
    assert not Notification.objects.filter(user=person, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=other, read_at__isnull=True).count() == 1
