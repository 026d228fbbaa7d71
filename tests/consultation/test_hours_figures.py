"""One way of writing hours (issue 19): the same minutes read the same on every page,
PDF and CSV, as hours:minutes; the form lands where its errors are; a trainee with no
trainer is told why and whom to ask."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from consultation import services
from consultation.models import HoursExport
from core.hours import hours_minutes
from courses.models import TrainerAssignment
from pdf_reading import pdf_text

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


@pytest.mark.parametrize("minutes, shown", [
    (0, "0:00"), (15, "0:15"), (59, "0:59"), (60, "1:00"), (90, "1:30"), (600, "10:00"),
    (6001, "100:01"), (None, ""),
])
def test_minutes_are_written_as_hours_and_minutes(minutes, shown):
    assert hours_minutes(minutes) == shown


def _log(world, minutes, start):
    return services.session_log(
        actor=world.trainee_a, enrolment=world.enrolment_a, trainer=world.trainer_a, date=YESTERDAY,
        start_time=start, minutes=minutes, category="E1", case_reference="", notes="")


def test_ninety_minutes_read_the_same_everywhere(world, client, settings, tmp_path,
                                                  django_capture_on_commit_callbacks):
    """90 minutes confirmed and 90 pending: "1:30" on My hours, in the printable log, in
    the cohort matrix and its CSV and in the cohort's hours CSV — never 1.5 here and 2
    there."""
    settings.MEDIA_ROOT = str(tmp_path)
    confirmed = _log(world, 90, datetime.time(9, 0))
    services.session_confirm(trainer=world.trainer_a, session=confirmed, revision=confirmed.revision)
    _log(world, 90, datetime.time(14, 0))

    client.force_login(world.trainee_a)
    page = client.get(reverse("consultation:my_hours")).content.decode()
    assert "1:30 of 10:00 hours confirmed; 1:30 waiting for confirmation" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("consultation:export_pdf"))
    text = " ".join(pdf_text(HoursExport.objects.get().file.read()).split())
    assert "E1 About cases the trainee conducted 1:30 1:30 10:00" in text

    client.force_login(world.admin)
    matrix_url = reverse("certificates:cohort_matrix", args=[world.cohort.pk])
    assert '<td class="num">1:30</td>' in client.get(matrix_url).content.decode()
    rows = list(csv.DictReader(io.StringIO(client.get(matrix_url, {"format": "csv"}).content.decode())))
    assert {r["email"]: r["E1 hours confirmed"] for r in rows}["trainee.a@kapstone.test"] == "1:30"
    summary = client.get(reverse("consultation:cohort_summary_csv", args=[world.cohort.pk]))
    row = {r["email"]: r for r in csv.DictReader(io.StringIO(summary.content.decode()))}["trainee.a@kapstone.test"]
    assert (row["E1 confirmed hours"], row["E1 pending hours"], row["E1 required"]) == ("1:30", "1:30", "10:00")


def test_a_form_with_errors_comes_back_where_the_form_is(world, client):
    client.force_login(world.trainee_a)
    page = client.get(reverse("consultation:my_hours")).content.decode()
    assert 'id="log-session"' in page
    response = client.post(reverse("consultation:my_hours"), {
        "trainer": world.trainer_a.pk, "date": YESTERDAY.isoformat(), "minutes": "",
        "category": "E1", "format": "individual", "modality": "video"})
    page = response.content.decode()
    # The summary above the form links to the field, and the error stands beside its
    # field too: after the minutes input, before the next field.
    assert 'href="#id_minutes">Minutes: This field is required.' in page
    minutes_at = page.index('name="minutes"')
    assert minutes_at < page.index("This field is required.", minutes_at) < page.index('name="category"')
    logged = client.post(reverse("consultation:my_hours"), {
        "trainer": world.trainer_a.pk, "date": YESTERDAY.isoformat(), "minutes": "60",
        "category": "E1", "format": "individual", "modality": "video"})
    assert logged["Location"] == "/trainee/hours/#log"


def test_a_trainee_with_no_trainer_is_told_why_and_whom_to_ask(world, client):
    TrainerAssignment.objects.filter(trainee=world.trainee_a).delete()
    world.admin.full_name = "Pat Admin"
    world.admin.save()
    client.force_login(world.trainee_a)
    page = client.get(reverse("consultation:my_hours")).content.decode()
    assert 'name="trainer"' not in page and "Log session" not in page
    assert "no trainer is assigned to you" in page
    assert f'<a href="mailto:{world.admin.email}">Pat Admin</a>' in page
