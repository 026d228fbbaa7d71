"""Lessons, knowledge checks, reflections and progress as a trainee meets them."""

import re

import pytest
from django.urls import reverse

from cms.models import LessonPage
from competencies.selectors import coursework_status_for
from courses.models import KnowledgeCheckAttempt, LessonProgress, Reflection
from courses.selectors import program_progress
from courses.services.learning import score_answers

pytestmark = pytest.mark.django_db


def _lessons():
    return list(LessonPage.objects.order_by("path"))


def _sheet(client, lesson):
    """The check's id, the one-time token and the question/choice ids from the page."""
    html = client.get(lesson.url).content.decode()
    check_id = lesson.check_ids[0]
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    spec = lesson.knowledge_checks()[check_id]
    return check_id, token, spec


def _right(spec):
    return {f"q-{qid}": sorted(correct) for qid, _, correct in spec.questions}


def _submit(client, lesson, check_id, data):
    return client.post(reverse("courses:check_submit", args=[lesson.pk, check_id]), data, follow=True)


@pytest.mark.parametrize(
    "picks, score, passed",
    [
        (("right", "right"), 100, True),
        (("right", "partial"), 50, True),   # a half-right multi-answer question scores 0
        (("wrong", "partial"), 0, False),
        (("wrong", "extra"), 0, False),    # every correct choice plus a wrong one is wrong
        (("wrong", "right"), 50, True),
    ],
)
def test_scoring_is_all_or_nothing_per_question(curriculum, picks, score, passed):
    spec = next(iter(_lessons()[0].knowledge_checks().values()))
    (q1, c1, r1), (q2, c2, r2) = spec.questions
    options = {
        "right": lambda choices, right: sorted(right),
        "wrong": lambda choices, right: [sorted(choices - right)[0]],
        "partial": lambda choices, right: [sorted(right)[0]],
        "extra": lambda choices, right: sorted(choices),
    }
    answers = {q1: options[picks[0]](c1, r1), q2: options[picks[1]](c2, r2)}
    assert score_answers(spec, answers) == (score, passed)


def test_a_trainee_fails_then_passes_and_the_lesson_completes(client, world, curriculum):
    lesson = _lessons()[0]
    client.force_login(world.trainee_a)
    check_id, token, spec = _sheet(client, lesson)
    wrong = {f"q-{qid}": [sorted(choices - correct)[0]] for qid, choices, correct in spec.questions}
    page = _submit(client, lesson, check_id, {"token": token, **wrong}).content.decode()
    assert "You scored 0%; the pass mark is 50%" in page
    assert "Not correct." in page

    client.post(reverse("courses:lesson_read", args=[lesson.pk]))
    assert LessonProgress.objects.get(lesson_id=lesson.pk).completed_at is None

    check_id, token, spec = _sheet(client, lesson)
    page = _submit(client, lesson, check_id, {"token": token, **_right(spec)}).content.decode()
    assert "You scored 100% and passed" in page
    attempts = KnowledgeCheckAttempt.objects.filter(enrolment=world.enrolment_a)
    assert [(a.score, a.passed) for a in attempts] == [(0, False), (100, True)]
    assert LessonProgress.objects.get(lesson_id=lesson.pk).completed_at is not None


def test_a_lesson_without_checks_completes_when_read(client, world, curriculum):
    lesson = _lessons()[2]
    client.force_login(world.trainee_a)
    page = client.post(reverse("courses:lesson_read", args=[lesson.pk]), follow=True).content.decode()
    assert "is complete" in page


@pytest.mark.parametrize(
    "tamper, message",
    [
        ("no_answer", "Answer question 1 before submitting."),
        ("unknown_choice", "a choice that does not exist"),
        ("foreign_choice", "a choice from another question"),
        ("unknown_question", "do not belong to this knowledge check"),
        ("forged_token", "This answer sheet is not valid"),
        ("other_check_token", "belongs to another check"),
    ],
)
def test_bad_submissions_are_refused_and_record_nothing(client, world, curriculum, tamper, message):
    lesson = _lessons()[0]
    client.force_login(world.trainee_a)
    check_id, token, spec = _sheet(client, lesson)
    data = {"token": token, **_right(spec)}
    (q1, c1, _), (q2, c2, _) = spec.questions
    if tamper == "no_answer":
        data.pop(f"q-{q1}")
    elif tamper == "unknown_choice":
        data[f"q-{q1}"] = ["not-a-choice"]
    elif tamper == "foreign_choice":
        data[f"q-{q1}"] = [sorted(c2)[0]]
    elif tamper == "unknown_question":
        data["q-made-up"] = [sorted(c1)[0]]
    elif tamper == "forged_token":
        data["token"] = token[:-4] + "AAAA"
    elif tamper == "other_check_token":
        other = _lessons()[1]
        _, other_token, _ = _sheet(client, other)
        data["token"] = other_token
    page = _submit(client, lesson, check_id, data).content.decode()
    assert message in page
    assert not KnowledgeCheckAttempt.objects.exists()


def test_a_replayed_answer_sheet_counts_once(client, world, curriculum):
    lesson = _lessons()[0]
    client.force_login(world.trainee_a)
    check_id, token, spec = _sheet(client, lesson)
    _submit(client, lesson, check_id, {"token": token, **_right(spec)})
    page = _submit(client, lesson, check_id, {"token": token, **_right(spec)}).content.decode()
    assert "already submitted" in page
    assert KnowledgeCheckAttempt.objects.count() == 1


def test_attempts_beyond_the_limit_are_refused(client, world, curriculum):
    lesson = _lessons()[0]
    body = lesson.body.raw_data
    for block in body:
        if block["type"] == "knowledge_check":
            block["value"]["max_attempts"] = 2
    lesson.body = body
    lesson.save()
    client.force_login(world.trainee_a)
    for _ in range(2):
        check_id, token, spec = _sheet(client, lesson)
        wrong = {f"q-{q}": [sorted(c - r)[0]] for q, c, r in spec.questions}
        _submit(client, lesson, check_id, {"token": token, **wrong})
    check_id, token, spec = _sheet(client, lesson)
    page = _submit(client, lesson, check_id, {"token": token, **_right(spec)}).content.decode()
    assert "You have used all 2 attempts" in page
    assert KnowledgeCheckAttempt.objects.count() == 2


def test_trainers_read_lessons_without_recording_progress(client, world, curriculum):
    lesson = _lessons()[0]
    client.force_login(world.trainer_a)
    page = client.get(lesson.url).content.decode()
    assert "progress and answers are recorded only for enrolled trainees" in page
    assert client.post(reverse("courses:lesson_read", args=[lesson.pk])).status_code == 403
    assert not LessonProgress.objects.exists()


def test_trainee_b_cannot_act_on_a_lesson_of_another_program(client, world, curriculum):
    from factories.courses import CohortFactory, EnrolmentFactory

    stranger = EnrolmentFactory(cohort=CohortFactory()).trainee
    client.force_login(stranger)
    lesson = _lessons()[0]
    assert client.get(lesson.url).status_code == 404
    assert client.post(reverse("courses:lesson_read", args=[lesson.pk])).status_code == 404
    assert not LessonProgress.objects.exists()


def test_reflections_are_private_and_saved(client, world, curriculum):
    lesson = _lessons()[0]
    prompt_id = next(iter(lesson.reflection_prompts()))
    client.force_login(world.trainee_a)
    url = reverse("courses:reflection_save", args=[lesson.pk, prompt_id])
    page = client.post(url, {"text": "  "}, follow=True).content.decode()
    assert "Write your reflection" in page or "This field is required" in page
    assert not Reflection.objects.exists()
    client.post(url, {"text": "I noticed <script>alert(1)</script> my own fear."})
    reflection = Reflection.objects.get()
    assert reflection.prompt == "What did you notice?"
    page = client.get(lesson.url).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    client.force_login(world.trainee_b)
    assert "my own fear" not in client.get(lesson.url).content.decode()
    client.force_login(world.trainer_a)
    assert "my own fear" not in client.get(lesson.url).content.decode()


def test_progress_bars_resume_and_navigation(client, world, curriculum):
    lessons = _lessons()
    client.force_login(world.trainee_a)
    client.post(reverse("courses:lesson_read", args=[lessons[2].pk]))
    client.get(lessons[4].url)
    home = client.get(reverse("courses:trainee_home")).content.decode()
    assert f'Continue where you left off: {lessons[4].title}' in home
    assert "1 of 6 lessons (17%)" in home
    page = client.get(lessons[1].url).content.decode()
    assert f'rel="prev" href="{lessons[0].url}"' in page
    assert f'rel="next" href="{lessons[2].url}"' in page
    assert "serves" in page and "K2" in page


def test_coursework_status_per_outcome(client, world, curriculum):
    lessons = _lessons()
    client.force_login(world.trainee_a)
    client.post(reverse("courses:lesson_read", args=[lessons[2].pk]))  # K3, no check
    check_id, token, spec = _sheet(client, lessons[0])                 # K1, with check
    _submit(client, lessons[0], check_id, {"token": token, **_right(spec)})
    status = coursework_status_for([world.enrolment_a])[world.enrolment_a.pk]
    assert (status["K3"].lessons_done, status["K3"].lessons_total) == (1, 2)
    # Passing a lesson's only check completes it (issue 19: no separate "mark as read").
    assert (status["K1"].lessons_done, status["K1"].checks_passed, status["K1"].checks_total) == (1, 1, 2)
    assert status["K4"].lessons_total == 0 and not status["K4"].complete
    assert "E1" not in status and "C1" in status


def _activity(world, curriculum, rounds):
    """Every lesson opened, read and attempted ``rounds`` times by trainee A."""
    import secrets

    from django.utils import timezone

    for lesson in _lessons():
        LessonProgress.objects.create(
            enrolment=world.enrolment_a, lesson_id=lesson.pk, last_opened_at=timezone.now(),
            read_at=timezone.now(),
        )
        for check_id in lesson.check_ids:
            for r in range(rounds):
                KnowledgeCheckAttempt.objects.create(
                    enrolment=world.enrolment_a, lesson_id=lesson.pk, check_id=check_id,
                    answers={}, score=50, passed=r == rounds - 1, nonce=secrets.token_hex(8),
                )


@pytest.mark.parametrize("extra_courses, rounds", [(0, 1), (4, 6)])
def test_coursework_status_runs_fixed_queries(world, curriculum, django_assert_num_queries, extra_courses, rounds):
    from cms.services import course_add
    from factories.cms import curriculum_data

    for spec in curriculum_data(courses=extra_courses, lessons=4)["courses"]:
        spec["slug"] += "-extra"
        course_add(program_page=curriculum, spec=spec)
    _activity(world, curriculum, rounds)
    # (the enrolments come with their cohorts) program pages, courses, lessons, outcome links, codes,
    # completed lessons, passed checks
    with django_assert_num_queries(7):
        statuses = coursework_status_for([world.enrolment_a, world.enrolment_b])
    assert statuses[world.enrolment_a.pk]["K1"].checks_passed >= 2
    # The curriculum tree now comes from the cache (the call above stored it):
    # enrolments, program pages, progress, passed checks.
    with django_assert_num_queries(4):
        progress = program_progress(trainee=world.trainee_a)
    assert progress[0]["curriculum"].total == 6 + 4 * extra_courses


@pytest.mark.parametrize("rounds", [1, 8])
def test_lesson_page_runs_fixed_queries(client, world, curriculum, django_assert_num_queries, rounds):
    _activity(world, curriculum, rounds)
    lesson = _lessons()[0]
    client.force_login(world.trainee_a)
    client.get(lesson.url)
    # session, user, roles; Wagtail's routing, two per level below the home page (the
    # child by its slug, then its own type: program, course, lesson), the view
    # restrictions of the page and its ancestors (two); the trainee's enrolment (also
    # their leave to read), progress, attempts, reflections. The program page is the
    # routed lesson's grandparent (no query). The site and its home page (cms/sites.py)
    # and the curriculum tree are remembered since the first request, and reloading the
    # lesson last opened writes nothing.
    with django_assert_num_queries(15):
        response = client.get(lesson.url)
    assert response.status_code == 200


def _opened(world, lesson):
    return LessonProgress.objects.get(enrolment=world.enrolment_a, lesson_id=lesson.pk).last_opened_at


def test_reloading_the_lesson_last_opened_writes_nothing_but_the_order_of_visits_is_kept(
    client, world, curriculum, django_assert_num_queries
):
    import datetime

    from courses.services.learning import LESSON_OPENED_RESOLUTION

    first, second = _lessons()[0], _lessons()[1]
    client.force_login(world.trainee_a)
    client.get(first.url)
    opened = _opened(world, first)
    client.get(first.url)
    assert _opened(world, first) == opened  # the latest lesson, opened just now: no write
    client.get(second.url)
    client.get(first.url)
    assert _opened(world, first) > _opened(world, second)  # back to an earlier one: written
    home = client.get(reverse("courses:trainee_home")).content.decode()
    assert f"Continue where you left off: {first.title}" in home
    # Older than the resolution, even the latest lesson is written again.
    long_ago = _opened(world, first) - LESSON_OPENED_RESOLUTION - datetime.timedelta(seconds=1)
    LessonProgress.objects.filter(enrolment=world.enrolment_a, lesson_id=first.pk).update(last_opened_at=long_ago)
    client.get(first.url)
    assert _opened(world, first) > long_ago + LESSON_OPENED_RESOLUTION


def test_the_lesson_page_shows_the_readers_own_progress(client, world, curriculum):
    lesson = _lessons()[0]
    client.force_login(world.trainee_a)
    check_id, token, spec = _sheet(client, lesson)
    _submit(client, lesson, check_id, {"token": token, **_right(spec)})
    client.post(reverse("courses:lesson_read", args=[lesson.pk]))
    page_a = client.get(lesson.url).content.decode()
    assert "Passed" in page_a and "1 of 3 lessons" in page_a
    client.force_login(world.trainee_b)
    page_b = client.get(lesson.url).content.decode()
    assert "Pass the knowledge check above to complete this lesson." in page_b
    assert "Passed" not in page_b and "0 of 3 lessons" in page_b
    assert "Complete" not in page_b
    assert not LessonProgress.objects.filter(enrolment=world.enrolment_b, completed_at__isnull=False).exists()


def test_program_progress_from_given_enrolments_keeps_to_the_trainees_active_ones(world, curriculum):
    from courses.models import Enrolment

    world.enrolment_a.status = Enrolment.Status.WITHDRAWN
    world.enrolment_a.save()
    everyone = list(Enrolment.objects.select_related("cohort"))
    assert program_progress(trainee=world.trainee_a, enrolments=everyone) == []
    mine = program_progress(trainee=world.trainee_b, enrolments=everyone)
    assert [p["enrolment"] for p in mine] == [world.enrolment_b]
