"""Curriculum documents are private by default (issue 17, item 4).

The attack: the editor's uploads landed in the Root collection and downloaded
anonymously (/documents/1/handout.pdf → 200); and inside the one protected collection a
reader of any program could download another program's documents.
"""

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from wagtail.documents.models import Document
from wagtail.models import Collection

from cms.models import LessonPage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _upload(title="Handout", collection=None) -> Document:
    return Document.objects.create(
        title=title, collection=collection or Collection.get_first_root_node(),
        file=ContentFile(b"%PDF-1.4 handout", name="handout.pdf"),
    )


def _use_in(lesson: LessonPage, document: Document) -> None:
    lesson.body.append(("document", {"document": document, "description": "Read before class"}))
    lesson.save_revision().publish()


def _get(user, document):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(document.url)


def _second_program(world):
    """Another program with its own cohort, trainee and curriculum, made after the first."""
    from cms.services import curriculum_load
    from factories.accounts import UserFactory
    from factories.cms import curriculum_data
    from factories.courses import CohortFactory, EnrolmentFactory

    cohort = CohortFactory()
    trainee = UserFactory(email="other.program@kapstone.test", roles=["Trainee"])
    EnrolmentFactory(trainee=trainee, cohort=cohort)
    data = curriculum_data(slug="other-program")
    page = curriculum_load(data=data, program=cohort.program)
    return trainee, LessonPage.objects.descendant_of(page).live().order_by("path").first()


def test_an_upload_used_nowhere_is_not_public(world, curriculum):
    """Today's main: 200 for anyone. Now only editors see a document no lesson uses."""
    document = _upload()
    response = _get(None, document)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for who in ("trainee_a", "trainer_a", "program_admin"):
        assert _get(world.users()[who], document).status_code == 404, who
    assert _get(world.editor, document).status_code == 200


@pytest.mark.parametrize("who, status", [
    ("anonymous", 302), ("trainee_a", 200), ("trainee_b", 200), ("trainer_a", 200),
    ("trainer_unassigned", 404), ("program_admin", 200), ("curriculum_editor", 200),
])
def test_a_document_in_a_lesson_is_served_to_that_lessons_readers(world, curriculum, who, status):
    document = _upload()
    _use_in(LessonPage.objects.live().order_by("path").first(), document)
    response = _get(world.users()[who], document)
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_reader_of_one_program_cannot_download_anothers_documents(world, curriculum):
    """Also for a program created after the rule was written: nothing to configure."""
    other_trainee, other_lesson = _second_program(world)
    ours, theirs = _upload("Ours"), _upload("Theirs")
    _use_in(LessonPage.objects.live().order_by("path").first(), ours)
    _use_in(other_lesson, theirs)
    assert _get(world.trainee_a, theirs).status_code == 404
    assert _get(other_trainee, ours).status_code == 404
    assert _get(other_trainee, theirs).status_code == 200
    assert _get(world.trainee_a, ours).status_code == 200


def test_the_old_curriculum_collection_is_no_longer_a_loophole(world, curriculum):
    other_trainee, _ = _second_program(world)
    folder = Collection.get_first_root_node().add_child(name="Curriculum")
    document = _upload(collection=folder)
    _use_in(LessonPage.objects.live().order_by("path").first(), document)
    assert _get(other_trainee, document).status_code == 404


def test_a_document_stops_being_served_when_its_lesson_is_unpublished(world, curriculum):
    document = _upload()
    lesson = LessonPage.objects.live().order_by("path").first()
    _use_in(lesson, document)
    lesson.unpublish()
    assert _get(world.trainee_a, document).status_code == 404
    assert _get(world.editor, document).status_code == 200


def test_a_document_is_public_only_in_a_collection_an_editor_marked_public(world, curriculum):
    from cms.services import collection_mark_public

    folder = Collection.get_first_root_node().add_child(name="Brochures")
    inner = folder.add_child(name="2027")
    document = _upload(collection=inner)
    assert _get(None, document).status_code == 302
    collection_mark_public(actor=world.editor, collection=folder, reason="Program brochure")
    assert _get(None, document).status_code == 200
    assert _get(world.trainee_b, document).status_code == 200


def test_editors_mark_collections_public_in_the_admin_and_it_is_audited(client, world):
    from audit.models import AuditEvent
    from cms.models import PublicCollection

    folder = Collection.get_first_root_node().add_child(name="Brochures")
    client.force_login(world.editor)
    response = client.post(reverse("public_collections:add"),
                           {"collection": folder.pk, "reason": "Brochures for applicants"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert PublicCollection.objects.get().collection == folder
    assert AuditEvent.objects.filter(verb="collection.made_public").count() == 1
    client.force_login(world.trainer_a)
    assert client.get(reverse("public_collections:index")).status_code in (302, 403)


def test_documents_are_served_by_wagtails_view_and_media_is_not_served(world, settings):
    """The hook only runs when Wagtail's view serves the file; nothing routes MEDIA_URL,
    so uploads cannot be fetched around it (the README tells the proxy the same)."""
    assert settings.WAGTAILDOCS_SERVE_METHOD == "serve_view"
    document = _upload()
    client = Client()
    client.force_login(world.trainee_a)
    assert client.get(settings.MEDIA_URL + document.file.name).status_code == 404
