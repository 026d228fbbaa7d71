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
