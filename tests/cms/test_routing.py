"""Pages below the home page are found in one query (cms/routing.py) with Wagtail's
own answers: the same page, the same 404s, the same view restrictions."""

import pytest
from django.test import RequestFactory
from wagtail.models import Page, PageViewRestriction, Site

from cms.models import CoursePage, HomePage, LessonPage, ProgramPage

pytestmark = pytest.mark.django_db


def _route(path):
    """The page our routing serves for ``path``, and the one Wagtail's walk serves."""
    from django.http import Http404

    home = HomePage.objects.get()
    components = [c for c in path.split("/") if c]
    request = RequestFactory().get(path)
    results = []
    for route in (home.route, lambda r, c: Page.route(home, r, c)):
        try:
            results.append(route(request, components).page)
        except Http404:
            results.append(None)
    return results


def _url(page):
    return page.get_url_parts()[2]


def test_every_page_routes_to_itself_with_its_own_type(curriculum):
    pages = [curriculum, *CoursePage.objects.all(), *LessonPage.objects.all()]
    for page in pages:
        ours, wagtails = _route(_url(page))
        assert ours == wagtails == page
        assert type(ours) is type(page.specific)


@pytest.mark.parametrize("path", ["/nothing/", "/program/nothing/", "/program/course-1/lesson-9/",
                                  "/program/course-1/lesson-1/extra/", "/course-1/lesson-1/"])
def test_unknown_paths_are_404_as_with_wagtail(curriculum, path):
    assert _route(path) == [None, None]


def test_a_page_not_live_is_404_but_live_pages_below_a_draft_are_served(curriculum):
    lesson = LessonPage.objects.order_by("path").first()
    course = lesson.get_parent().specific
    lesson_url, course_url = _url(lesson), _url(course)
    LessonPage.objects.filter(pk=lesson.pk).update(live=False)
    assert _route(lesson_url) == [None, None]
    LessonPage.objects.filter(pk=lesson.pk).update(live=True)
    CoursePage.objects.filter(pk=course.pk).update(live=False)
    assert _route(course_url) == [None, None]
    assert _route(lesson_url) == [lesson, lesson]  # Wagtail checks only the last page


def test_a_lesson_routes_in_one_query_below_the_home_page(curriculum, django_assert_num_queries):
    lesson = LessonPage.objects.order_by("path").first()
    request = RequestFactory().get(_url(lesson))
    home = Site.objects.get(is_default_site=True).root_page.specific
    course_id = lesson.get_parent().pk
    with django_assert_num_queries(1):
        page = home.route(request, [c for c in _url(lesson).split("/") if c]).page
    with django_assert_num_queries(0):
        assert page.program_page == curriculum
        assert page.get_parent().pk == course_id
    with django_assert_num_queries(1):
        assert list(page.get_view_restrictions()) == []


@pytest.mark.parametrize("restricted", ["program", "course", "lesson"])
def test_view_restrictions_above_a_lesson_still_apply(client, world, curriculum, restricted):
    lesson = LessonPage.objects.order_by("path").first()
    on = {"program": curriculum, "course": lesson.get_parent(), "lesson": lesson}[restricted]
    restriction = PageViewRestriction.objects.create(
        page=on, restriction_type=PageViewRestriction.PASSWORD, password="s3cret-words"
    )
    client.force_login(world.trainee_a)
    response = client.get(lesson.url)
    assert response.status_code == 200
    assert b"Teaching text" not in response.content and b"password" in response.content.lower()
    home = HomePage.objects.get()
    page = home.route(RequestFactory().get(lesson.url), [c for c in _url(lesson).split("/") if c]).page
    assert list(page.get_view_restrictions()) == [restriction]


def test_pages_under_an_alias_take_wagtails_own_restriction_lookup(curriculum):
    course = CoursePage.objects.order_by("path").first()
    alias = course.create_alias(recursive=True, update_slug="course-alias")
    lesson_alias = LessonPage.objects.get(path__startswith=alias.path, depth=alias.depth + 1,
                                          alias_of=LessonPage.objects.order_by("path").first())
    PageViewRestriction.objects.create(page=course, restriction_type=PageViewRestriction.LOGIN)
    ours, wagtails = _route(_url(lesson_alias))
    assert ours == wagtails == lesson_alias
    assert [r.page_id for r in ours.get_view_restrictions()] == [course.pk]


def test_the_program_page_is_the_one_routed_through(curriculum):
    lesson = LessonPage.objects.order_by("path").first()
    ours, _ = _route(_url(lesson))
    assert isinstance(ours.program_page, ProgramPage) and ours.program_id == curriculum.program_id
