import pytest
from django.core.exceptions import ValidationError
from wagtail.models import Page

from cms.models import CoursePage, HomePage, LessonPage, ProgramPage

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "child, parent, allowed",
    [
        (HomePage, Page, True),
        (ProgramPage, HomePage, True),
        (CoursePage, ProgramPage, True),
        (LessonPage, CoursePage, True),
        (LessonPage, ProgramPage, False),
        (CoursePage, HomePage, False),
        (ProgramPage, CoursePage, False),
        (LessonPage, LessonPage, False),
        (LessonPage, Page, False),
    ],
)
def test_the_page_tree_is_closed(child, parent, allowed):
    fits = parent in child.allowed_parent_page_models() and child in parent.allowed_subpage_models()
    assert fits is allowed


def test_program_page_is_public_and_lists_outcomes_and_courses(client, curriculum):
    page = client.get(curriculum.url).content.decode()
    assert "Course 1" in page and "Course 2" in page
    assert "K1" in page and "C12" in page and "E2" in page
    assert "Confers no license" in page
    assert "Teaching text" not in page


@pytest.mark.parametrize(
    "who, status",
    [
        ("anonymous", 302),
        ("trainee_a", 200),
        ("trainee_b", 200),
        ("trainer_a", 200),
        ("trainer_unassigned", 404),
        ("program_admin", 200),
        ("curriculum_editor", 200),
    ],
)
def test_course_and_lesson_pages_are_for_the_program_only(client, world, curriculum, who, status):
    user = world.users()[who]
    if user is not None:
        client.force_login(user)
    for page in (CoursePage.objects.first(), LessonPage.objects.first()):
        response = client.get(page.url)
        assert response.status_code == status, (who, page.url)
        if status == 302:
            assert response["Location"].startswith("/accounts/login/")
        if status != 200:
            assert b"Teaching text" not in response.content


def test_a_withdrawn_trainee_loses_access(client, world, curriculum):
    world.enrolment_a.status = "withdrawn"
    world.enrolment_a.save()
    client.force_login(world.trainee_a)
    assert client.get(LessonPage.objects.first().url).status_code == 404


def test_restricted_pages_stay_out_of_sitemaps(curriculum):
    for page in (CoursePage.objects.first(), LessonPage.objects.first()):
        assert page.get_sitemap_urls() == []


def test_lesson_outcomes_must_come_from_the_program_framework(curriculum):
    lesson = LessonPage.objects.first()
    from cms.models import LessonOutcome

    lesson.outcome_links = [LessonOutcome(code="K1"), LessonOutcome(code="Z9")]
    with pytest.raises(ValidationError, match="Z9"):
        lesson.full_clean()


def test_lesson_listing_title_shows_its_outcomes(curriculum):
    lesson = LessonPage.objects.first()
    assert lesson.get_admin_display_title().endswith("· K1")


def test_check_ids_follow_the_body(curriculum):
    lessons = LessonPage.objects.order_by("path")
    assert [len(lesson.check_ids) for lesson in lessons] == [1, 1, 0, 1, 1, 0]
    lesson = lessons[0]
    assert set(lesson.check_ids) == set(lesson.knowledge_checks())


def test_unsaved_lessons_preview_for_editors(curriculum, world, rf):
    from cms.services import lesson_body
    from factories.cms import check

    lesson = LessonPage(title="Draft", slug="draft", body=lesson_body([check()], "draft"))
    request = rf.get("/")
    request.user = world.editor
    response = lesson.make_preview_request(original_request=request)
    assert response.status_code == 200
    assert b"Which schedule is ketamine in" in response.content


def test_unpublishing_or_moving_a_lesson_keeps_progress(client, world, curriculum):
    from django.urls import reverse

    from cms.models import CoursePage
    from courses.models import LessonProgress

    lesson = LessonPage.objects.order_by("path").first()
    client.force_login(world.trainee_a)
    client.post(reverse("courses:lesson_read", args=[lesson.pk]))
    lesson.unpublish()
    assert LessonProgress.objects.filter(lesson_id=lesson.pk).count() == 1
    lesson.refresh_from_db()
    lesson.slug = "moved-lesson"
    lesson.save_revision().publish()
    lesson.move(CoursePage.objects.order_by("path").last(), pos="last-child")
    assert LessonProgress.objects.filter(lesson_id=lesson.pk, read_at__isnull=False).count() == 1


@pytest.mark.parametrize(
    "who, status",
    [("anonymous", 302), ("trainee_a", 200), ("trainer_unassigned", 404), ("curriculum_editor", 200)],
)
def test_curriculum_documents_are_served_only_to_readers(client, world, curriculum, who, status):
    """The lesson's readers; the full rule is in tests/cms/test_documents.py."""
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document
    from wagtail.models import Collection

    document = Document.objects.create(
        title="Consent form", collection=Collection.get_first_root_node(),
        file=ContentFile(b"%PDF-1.4 consent", name="consent.pdf"),
    )
    lesson = LessonPage.objects.live().order_by("path").first()
    lesson.body.append(("document", {"document": document, "description": ""}))
    lesson.save_revision().publish()
    user = world.users()[who]
    if user is not None:
        client.force_login(user)
    response = client.get(document.url)
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_every_lesson_block_has_an_admin_preview(world):
    from django.test import RequestFactory

    from cms.blocks import LessonBodyBlock

    request = RequestFactory().get("/")
    request.user = world.editor
    for name, block in LessonBodyBlock().child_blocks.items():
        assert block.is_previewable, name
        html = block.render(block.get_preview_value(), {"request": request}) if name not in {"image", "document"} else ""
        if name in {"paragraph", "heading", "callout", "knowledge_check", "reflection", "video"}:
            assert html.strip(), name


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://www.youtube.com/watch?v=aqz-KE-bpKQ", "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ"),
        ("https://youtu.be/aqz-KE-bpKQ", "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ"),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1"),
        ("https://evil.example/watch?v=x", None),
        ("javascript:alert(1)", None),
    ],
)
def test_video_links_become_privacy_friendly_embeds(url, ok):
    from cms.blocks import video_embed_url

    assert video_embed_url(url) == ok


def test_editors_write_lessons_in_the_admin_and_trainers_cannot(client, world, curriculum):
    from cms.models import CoursePage

    course = CoursePage.objects.first()
    lesson = LessonPage.objects.first()
    assert course.permissions_for_user(world.editor).can_add_subpage()
    assert lesson.permissions_for_user(world.editor).can_publish()
    client.force_login(world.editor)
    page = client.get(f"/admin/pages/{lesson.pk}/edit/").content.decode()
    assert "Outcomes this lesson serves" in page and "K1 —" in page
    listing = client.get(f"/admin/pages/{course.pk}/").content.decode()
    assert "Lesson 1.1 · K1" in listing
    add = client.get(f"/admin/pages/add/cms/lessonpage/{course.pk}/")
    assert add.status_code == 200
    client.force_login(world.trainer_a)
    assert client.get(f"/admin/pages/{lesson.pk}/edit/").status_code in (302, 403)
