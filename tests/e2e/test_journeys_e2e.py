"""Whole journeys in the browser: curriculum, sign-off, consultation hours."""

import datetime
import json
import re
from pathlib import Path

import pytest

from lesson_steps import answer_check  # same folder

pytestmark = pytest.mark.e2e

CURRICULUM = json.loads(
    (Path(__file__).resolve().parents[2] / "cms" / "data" / "kap_curriculum.json").read_text()
)
TRAINEE, TRAINER = "trainee.ellis@kapstone.test", "trainer.okafor@kapstone.test"


def _progress_done(page) -> int:
    text = page.locator(".progress-row span").first.inner_text()
    return int(re.match(r"(\d+) of", text).group(1))


def test_trainee_reads_a_lesson_fails_then_passes_and_progress_rises(as_user):
    course_spec = CURRICULUM["courses"][0]
    lesson_spec = course_spec["lessons"][1]
    page = as_user(TRAINEE)
    page.goto("/trainee/")
    page.get_by_role("link", name=course_spec["title"]).first.click()
    before = _progress_done(page)
    page.get_by_role("link", name=lesson_spec["title"]).click()
    assert page.get_by_role("heading", level=1).inner_text() == lesson_spec["title"]
    answer_check(page, lesson_spec, correct=False)
    assert page.get_by_text(re.compile(r"You scored \d+%; the pass mark is")).is_visible()
    answer_check(page, lesson_spec, correct=True)
    assert page.get_by_text(re.compile(r"You scored 100% and passed")).is_visible()
    page.get_by_role("link", name=course_spec["title"]).first.click()
    assert _progress_done(page) == before + 1


def test_signoff_not_yet_then_met_flips_the_status(as_user):
    trainee = as_user(TRAINEE)
    trainee.goto("/trainee/outcomes/")
    trainee.get_by_role("link", name="C1", exact=True).click()
    outcome_url = trainee.url
    trainee.get_by_label("Title").fill("Alliance rupture repair")
    trainee.get_by_role("textbox", name="Written reflection").fill("I repaired a rupture in the alliance after a session.")
    trainee.get_by_role("button", name="Add evidence").click()
    trainee.get_by_label("Alliance rupture repair").check()
    trainee.get_by_role("button", name="Ask my trainers for review").click()
    assert trainee.get_by_text("Awaiting review").first.is_visible()

    trainer = as_user(TRAINER)
    trainer.goto("/trainer/queue/")
    card = trainer.locator("section.card", has_text="C1 —")
    card.get_by_label("Not yet", exact=True).check()
    card.get_by_label(re.compile("Comment")).fill("Add how you prepared the patient for termination.")
    card.get_by_role("button", name="Record decision").click()
    assert trainer.get_by_text("C1 for").first.is_visible()

    trainee.goto(outcome_url)
    assert trainee.get_by_text("Add how you prepared the patient for termination.").is_visible()
    trainee.get_by_label("Title").fill("Termination plan")
    trainee.get_by_role("textbox", name="Written reflection").fill("Termination plan agreed over three sessions.")
    trainee.get_by_role("button", name="Add evidence").click()
    trainee.get_by_label("Termination plan").check()
    trainee.get_by_role("button", name="Ask my trainers for review").click()

    trainer.goto("/trainer/queue/")
    card = trainer.locator("section.card", has_text="C1 —")
    card.get_by_label("Met", exact=True).check()
    card.get_by_role("button", name="Record decision").click()

    trainee.goto(outcome_url)
    assert trainee.locator("h1 .badge").inner_text() == "Met"


def test_hours_logged_confirmed_disputed_corrected(as_user):
    day = (datetime.date.today() - datetime.timedelta(days=2)).isoformat()
    trainee = as_user(TRAINEE)
    trainee.goto("/trainee/hours/")
    for category, minutes in (("E1", "60"), ("E2", "45")):
        trainee.get_by_label("Trainer", exact=True).select_option(label="Dr. Maya Okafor")
        trainee.get_by_label("Date", exact=True).fill(day)
        trainee.get_by_label("Minutes", exact=True).fill(minutes)
        trainee.get_by_role("radio", name=re.compile(f"^{category} ")).check()
        trainee.get_by_role("button", name="Log session").click()
        assert trainee.get_by_text("Session logged").is_visible()

    trainer = as_user(TRAINER)
    trainer.goto("/trainer/queue/")
    row = trainer.locator("tr", has_text="E1").filter(has_text="60")
    row.get_by_role("button", name="Confirm").click()
    trainer.locator("tr", has_text="E2").filter(has_text="45").get_by_role("link", name="Dispute…").click()
    trainer.get_by_label("Why are you disputing it?").fill("We met for 50 minutes.")
    trainer.get_by_role("button", name="Dispute").click()

    trainee.goto("/trainee/hours/")
    # The demo gave Jordan one confirmed hour of E1 already (load_demo's consultations).
    assert trainee.get_by_text("2:00 of 10:00 hours confirmed").is_visible()
    trainee.locator("tr", has_text="Disputed").get_by_role("link").first.click()
    assert trainee.get_by_text("We met for 50 minutes.").is_visible()
    trainee.get_by_label("Minutes", exact=True).fill("50")
    trainee.get_by_role("button", name="Save and resubmit").click()

    trainer.goto("/trainer/queue/")
    trainer.locator("tr", has_text="E2").filter(has_text="50").get_by_role("button", name="Confirm").click()

    trainee.goto("/trainee/hours/")
    assert trainee.get_by_text("0:50 of 10:00 hours confirmed").is_visible()
    trainee.goto("/trainee/outcomes/")
    e1 = trainee.locator("tr#outcome-E1")
    assert "In progress" in e1.inner_text() and "8:00 more confirmed consultation hours" in e1.inner_text()
