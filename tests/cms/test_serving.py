"""Pages are found by Wagtail's own routing (``Page.route``, issue 18 item 6: the
one-query re-implementation in cms/routing.py is gone); what the pages add on top of it
reads the pages Wagtail passed on the way instead of querying for them again."""

import pytest
from django.test import RequestFactory
from wagtail.models import Page, PageViewRestriction

from cms.models import CoursePage, LessonPage, ProgramPage

pytestmark = pytest.mark.django_db


def _url(page):
    return page.get_url_parts()[2]


def _routed(page):
    """The page Wagtail's routing serves at ``page``'s URL."""
    return Page.route_for_request(RequestFactory().get(_url(page)), _url(page)).page


def test_every_page_is_served_as_its_own_type(curriculum):
    for page in [curriculum, *CoursePage.objects.all(), *LessonPage.objects.all()]:
        routed = _routed(page)
        assert routed == page and type(routed) is type(page.specific)


def test_the_program_page_comes_from_the_pages_routed_through_without_a_query(
    curriculum, django_assert_num_queries
):
    lesson = _routed(LessonPage.objects.order_by("path").first())
    with django_assert_num_queries(0):
        assert lesson.program_page == curriculum and isinstance(lesson.program_page, ProgramPage)
        assert lesson.program_id == curriculum.program_id


def test_a_lesson_loaded_outside_routing_still_finds_its_program_page(curriculum):
    lesson = LessonPage.objects.order_by("path").first()
    assert lesson.program_page == curriculum
    assert CoursePage.objects.order_by("path").first().program_page == curriculum


@pytest.mark.parametrize("restricted", ["program", "course", "lesson"])
def test_view_restrictions_above_a_lesson_still_apply(client, world, curriculum, restricted):
    lesson = LessonPage.objects.order_by("path").first()
    on = {"program": curriculum, "course": lesson.get_parent(), "lesson": lesson}[restricted]
    PageViewRestriction.objects.create(
        page=on, restriction_type=PageViewRestriction.PASSWORD, password="s3cret-words"
    )
    client.force_login(world.trainee_a)
    response = client.get(lesson.url)
    assert response.status_code == 200
    assert b"Teaching text" not in response.content and b"password" in response.content.lower()
