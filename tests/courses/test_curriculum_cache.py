"""The cached curriculum tree follows the pages: editors' changes show at once."""

import pytest

from cms.models import LessonPage
from courses.selectors.learning import curriculum_tree

pytestmark = pytest.mark.django_db


def _titles(program_page):
    return [node.page.title for node in curriculum_tree(program_page=program_page).lessons]


def test_the_tree_is_read_once_then_served_from_the_cache(curriculum, django_assert_num_queries):
    curriculum_tree(program_page=curriculum)
    with django_assert_num_queries(0):
        tree = curriculum_tree(program_page=curriculum)
    assert len(tree.lessons) == 6


def test_renaming_unpublishing_and_relinking_a_lesson_show_at_once(curriculum):
    before = _titles(curriculum)
    lesson = LessonPage.objects.live().order_by("path").first()
    lesson.title = "Renamed by an editor"
    lesson.save_revision().publish()
    assert _titles(curriculum)[0] == "Renamed by an editor"
    lesson.unpublish()
    assert len(_titles(curriculum)) == len(before) - 1
    other = LessonPage.objects.live().order_by("path").first()
    other.outcome_links.all().delete()
    assert curriculum_tree(program_page=curriculum).lessons[0].codes == []


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again: nothing listens there


def test_with_the_cache_down_pages_and_eligibility_still_read_the_tree_and_editors_still_publish(
    curriculum, settings, caplog
):
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{_free_port()}/0",
        "OPTIONS": {"socket_connect_timeout": 1},
    }}
    assert len(curriculum_tree(program_page=curriculum).lessons) == 6
    lesson = LessonPage.objects.live().order_by("path").first()
    lesson.title = "Published while Redis was down"
    lesson.save_revision().publish()
    assert _titles(curriculum)[0] == "Published while Redis was down"
    assert "Cache unreachable" in caplog.text


def test_each_process_keeps_the_tree_and_reads_only_its_stamp_while_it_is_current(curriculum, monkeypatch):
    from django.core.cache import cache

    read = []
    real_get = cache.get
    monkeypatch.setattr(cache, "get", lambda key, *a, **kw: read.append(key) or real_get(key, *a, **kw))
    curriculum_tree(program_page=curriculum)
    read.clear()
    first = curriculum_tree(program_page=curriculum)
    assert read == [f"curriculum:3:stamp:{curriculum.pk}"]
    # Each caller fills its own copy: one request's progress never shows in another's.
    first.lessons[0].passed_checks.add("check-1")
    second = curriculum_tree(program_page=curriculum)
    assert second.lessons[0].passed_checks == set() and second.lessons[0] is not first.lessons[0]
    assert second.lessons[0].course is second.courses[0]
    # A change drops the stamp: the tree is read again, from the database.
    lesson = LessonPage.objects.live().order_by("path").first()
    lesson.title = "Renamed while this process held the tree"
    lesson.save_revision().publish()
    assert _titles(curriculum)[0] == "Renamed while this process held the tree"


def test_a_process_never_serves_its_tree_once_the_cache_has_lost_the_stamp(curriculum):
    from django.core.cache import cache

    assert _titles(curriculum)[0] != "Renamed where no signal saw it"
    lesson = LessonPage.objects.live().order_by("path").first()
    # A change no receiver hears, then the cache emptied (Redis restarted, say): the
    # tree this process holds is named by a stamp nobody has any more.
    LessonPage.objects.filter(pk=lesson.pk).update(title="Renamed where no signal saw it")
    cache.clear()
    assert _titles(curriculum)[0] == "Renamed where no signal saw it"
