"""The lesson journey (issue 19): passing the check completes the lesson, the check
collapses to its result where the page lands, an outline of the course beside the
text, and a way on when the attempts run out (a grant by the trainee's trainer or a
program admin, audited, and the trainee told)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from audit.models import AuditEvent
from cms.models import LessonPage
from courses.models import KnowledgeCheckAttempt, KnowledgeCheckGrant, LessonProgress

pytestmark = pytest.mark.django_db


def _lessons():
    return list(LessonPage.objects.order_by("path"))


def _sheet(client, lesson):
    html = client.get(lesson.url).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    check_id = lesson.check_ids[0]
    return check_id, token, lesson.knowledge_checks()[check_id]


def _answers(spec, right: bool):
    if right:
        return {f"q-{q}": sorted(r) for q, _, r in spec.questions}
    return {f"q-{q}": [sorted(c - r)[0]] for q, c, r in spec.questions}


def _submit(client, lesson, right: bool):
    check_id, token, spec = _sheet(client, lesson)
    return client.post(reverse("courses:check_submit", args=[lesson.pk, check_id]),
                       {"token": token, **_answers(spec, right)})


def _limit(lesson, attempts: int):
    body = lesson.body.raw_data
    for block in body:
        if block["type"] == "knowledge_check":
            block["value"]["max_attempts"] = attempts
    lesson.body = body
    lesson.save()


def test_passing_the_check_completes_the_lesson_and_collapses_it_to_its_result(client, world, curriculum):
    lesson = _lessons()[0]
    client.force_login(world.trainee_a)
    page = client.get(lesson.url).content.decode()
    assert "Mark as read" not in page and "Pass the knowledge check above to complete this lesson." in page

    failed = _submit(client, lesson, right=False)
    check_id = lesson.check_ids[0]
    assert failed["Location"].endswith(f"#check-result-{check_id}")
    page = client.get(lesson.url).content.decode()
    assert f'id="check-result-{check_id}"' in page and "You scored 0%; the pass mark is 50%" in page
    # One verdict per choice, then the explanation: never "Not correct: Incorrect."
    assert "<strong>Not correct.</strong> No accepted use." in page

    passed = _submit(client, lesson, right=True)
    assert passed["Location"].endswith(f"#check-result-{check_id}")
    page = client.get(lesson.url).content.decode()
    result = re.search(rf'<div id="check-result-{check_id}"[^>]*tabindex="-1">(.*?)</div>', page, re.S).group(1)
    assert "You scored 100% and passed (pass mark 50%)" in result
    assert "Submit answers" not in page and "<summary>Review your answers</summary>" in page
    assert "You finished this lesson on" in page
    progress = LessonProgress.objects.get(enrolment=world.enrolment_a, lesson_id=lesson.pk)
    assert progress.completed_at is not None and progress.read_at is not None
    # The page loads the script that moves focus to the result.
    assert "/static/js/focus-target.js" in page


def test_the_outline_lists_the_courses_lessons_with_status_and_marks_this_one(client, world, curriculum):
    first, second, third = _lessons()[:3]
    client.force_login(world.trainee_a)
    _submit(client, first, right=True)
    client.get(third.url)
    page = client.get(second.url).content.decode()
    outline = re.search(r'<nav class="lesson-outline.*?</nav>', page, re.S).group(0)
    items = re.findall(r"<li[^>]*>(.*?)</li>", outline, re.S)
    assert len(items) == 3
    assert f'href="{first.url}"' in items[0] and "Complete" in items[0]
    assert 'aria-current="page"' in outline and f'href="{second.url}"' not in items[1]
    assert "Started" in items[2]


@pytest.mark.parametrize("lessons", [1, 3])
def test_the_outline_costs_no_query_per_lesson(client, world, curriculum, django_assert_num_queries, lessons):
    for lesson in _lessons()[:lessons]:
        _limit(lesson, 0)
    client.force_login(world.trainee_a)
    for lesson in _lessons()[:lessons]:
        client.get(lesson.url)
    lesson = _lessons()[1]
    client.get(lesson.url)
    # As test_lesson_page_runs_fixed_queries pins it: the outline reads the tree and
    # progress the page read already.
    with django_assert_num_queries(15):
        client.get(lesson.url)


def test_out_of_attempts_says_what_next_and_a_trainer_grants_one_more(
    client, world, curriculum, django_capture_on_commit_callbacks
):
    lesson = _lessons()[0]
    _limit(lesson, 1)
    client.force_login(world.trainee_a)
    _submit(client, lesson, right=False)
    page = client.get(lesson.url).content.decode()
    assert "You have used all 1 attempt at this check." in page
    assert "your trainer or a program admin can give you another attempt" in page
    assert "Submit answers" not in page

    grant_url = reverse("courses:check_attempts", args=[world.enrolment_a.pk])
    # Not the trainee themselves, not a trainer who is not theirs.
    assert client.get(grant_url).status_code == 404
    client.force_login(world.trainer_unassigned)
    assert client.get(grant_url).status_code == 404
    client.force_login(world.trainer_a)
    listing = client.get(grant_url).content.decode()
    assert lesson.title in listing and "Grant one more attempt" in listing
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(grant_url, {"lesson": lesson.pk, "check": lesson.check_ids[0]})
    assert response.status_code == 302
    grant = KnowledgeCheckGrant.objects.get()
    assert grant.granted_by == world.trainer_a and grant.attempts == 1
    event = AuditEvent.objects.get(verb="knowledge_check.attempt_granted")
    assert event.details["check"] == lesson.check_ids[0]
    assert mail.outbox[-1].to == [world.trainee_a.email] and "another attempt" in mail.outbox[-1].body
    assert "No knowledge check of this trainee is out of attempts." in client.get(grant_url).content.decode()
    # Granting again while an attempt is open is refused.
    client.post(grant_url, {"lesson": lesson.pk, "check": lesson.check_ids[0]})
    assert KnowledgeCheckGrant.objects.count() == 1

    client.force_login(world.trainee_a)
    page = client.get(lesson.url).content.decode()
    assert "1 attempt left." in page and "Submit answers" in page
    _submit(client, lesson, right=True)
    assert KnowledgeCheckAttempt.objects.filter(passed=True).count() == 1
    assert LessonProgress.objects.get(enrolment=world.enrolment_a, lesson_id=lesson.pk).completed_at


def test_a_program_admin_grants_too(client, world, curriculum):
    lesson = _lessons()[0]
    _limit(lesson, 1)
    client.force_login(world.trainee_a)
    _submit(client, lesson, right=False)
    client.force_login(world.admin)
    client.post(reverse("courses:check_attempts", args=[world.enrolment_a.pk]),
                {"lesson": lesson.pk, "check": lesson.check_ids[0]})
    assert KnowledgeCheckGrant.objects.get().granted_by == world.admin
