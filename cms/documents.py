"""Who may download a document (Wagtail's ``before_serve_document`` hook, cms.wagtail_hooks).

Private by default. A document is served:

- to anyone, when it is filed in a collection an editor marked public
  (``PublicCollection``, or inside one);
- to people who may read a live course or lesson page that uses it — Wagtail's
  reference index says where each document is used, so this holds for programs made
  later without configuring anything;
- to program admins when some live curriculum page uses it;
- to curriculum editors (and superusers) always, used or not.

A document used nowhere is therefore visible to editors only.
"""

from django.contrib.contenttypes.models import ContentType
from wagtail.models import Page, ReferenceIndex

from core.forms import plain_number
from core.roles import Role, roles_of

from .models import ProgramPage, PublicCollection
from .permissions import readable_program_ids


def document_is_public(document) -> bool:
    collection_ids = [document.collection_id,
                      *document.collection.get_ancestors().values_list("pk", flat=True)]
    return PublicCollection.objects.filter(collection_id__in=collection_ids).exists()


def document_program_ids(document) -> set[int]:
    """Programs with a live page that uses the document (the reference index)."""
    page_ids = (
        ReferenceIndex.get_references_to(document)
        .filter(base_content_type=ContentType.objects.get_for_model(Page))
        .values_list("object_id", flat=True)
    )
    paths = list(
        Page.objects.live().filter(pk__in=[pk for pk in map(plain_number, page_ids) if pk is not None])
        .values_list("path", flat=True)
    )
    if not paths:
        return set()
    programs = ProgramPage.objects.filter(program__isnull=False).values_list("path", "program_id")
    return {program_id for program_path, program_id in programs
            for path in paths if path.startswith(program_path)}


def can_download_document(user, document) -> bool:
    """For a signed-in user; public documents are let through before this."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or Role.CURRICULUM_EDITOR in roles_of(user):
        return True
    used_in = document_program_ids(document)
    if not used_in:
        return False
    readable = readable_program_ids(user)  # None: every program (program admins)
    return readable is None or bool(used_in & readable)
