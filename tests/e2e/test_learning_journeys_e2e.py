"""Issue 19's trainee journeys in the browser at 1366 px: a lesson's check passed
completes the lesson and the outline shows it; the add-evidence form shows only the
chosen kind's fields. Screenshots of the pages at 1366 and 390 px go to test-results/."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from lesson_steps import answer_check  # same folder

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CURRICULUM = json.loads((ROOT / "cms" / "data" / "kap_curriculum.json").read_text())
SHOTS = ROOT / "test-results" / "learning"
TRAINEE = "trainee.ellis@kapstone.test"
WIDE, NARROW = {"width": 1366, "height": 900}, {"width": 390, "height": 844}


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("1366", WIDE), ("390", NARROW)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(WIDE)


def _has_check(lesson) -> bool:
    return any(block["type"] == "knowledge_check" for block in lesson["body"])


def test_passing_the_check_completes_the_lesson_and_the_outline_shows_it(as_user):
    page = as_user(TRAINEE)
    page.set_viewport_size(WIDE)
    # A lesson with a check the demo trainee has not passed yet, from the last course back.
    for course in reversed(CURRICULUM["courses"]):
        lesson = next((x for x in reversed(course["lessons"]) if _has_check(x)), None)
        if lesson is None:
            continue
        page.goto("/trainee/")
        page.get_by_role("link", name=course["title"], exact=True).first.click()
        page.get_by_role("link", name=lesson["title"], exact=True).first.click()
        if page.get_by_role("button", name="Submit answers").count():
            break
    else:
        pytest.fail("every demo lesson with a check is passed already")
    expect(page.get_by_role("button", name="Mark as read")).to_have_count(0)
    expect(page.locator("#lesson-status")).to_contain_text("Pass the knowledge check above to complete this lesson.")
    outline = page.get_by_role("navigation", name="Course outline")
    current = outline.locator('[aria-current="page"]')
    expect(current).to_contain_text(lesson["title"])
    expect(current).not_to_contain_text("Complete")
    _shot(page, "lesson-before")

    answer_check(page, lesson, correct=True)
    result = page.locator('[id^="check-result-"]')
    expect(result).to_contain_text("You scored 100% and passed")
    expect(result).to_be_focused()
    assert re.search(r"#check-result-", page.url)
    expect(page.get_by_role("button", name="Submit answers")).to_have_count(0)
    expect(page.locator("#lesson-status")).to_contain_text("Complete")
    expect(current).to_contain_text("Complete")
    _shot(page, "lesson-passed")


def test_the_evidence_form_shows_only_the_chosen_kinds_fields(as_user):
    page = as_user(TRAINEE)
    page.set_viewport_size(WIDE)
    page.goto("/trainee/outcomes/")
    page.get_by_role("link", name="C3", exact=True).click()
    form = page.locator("form[data-evidence-kinds]")
    expect(form.locator('textarea[name="text"]')).to_be_visible()
    expect(form.locator('input[type="file"]')).to_be_hidden()
    expect(form.locator('select[name="lesson"]')).to_be_hidden()
    _shot(page, "outcome-written")
    form.locator('input[name="kind"][value="file"]').check()
    expect(form.locator('input[type="file"]')).to_be_visible()
    expect(form.locator('textarea[name="text"]')).to_be_hidden()
    form.locator('input[name="kind"][value="lesson"]').check()
    expect(form.locator('select[name="lesson"]')).to_be_visible()
    expect(form.locator('input[type="file"]')).to_be_hidden()
    expect(form.locator('select[name="reflection"]')).to_be_hidden()
    _shot(page, "outcome-lesson-kind")
    page.goto("/trainee/hours/")
    _shot(page, "my-hours")
    page.goto("/trainee/")
    _shot(page, "trainee-home")
