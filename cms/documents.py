"""Which documents are public and where each is used. Who may download a private one
is decided above cms, by the curriculum's readers (``courses.permissions.
can_download_document``, run by Wagtail's ``before_serve_document`` hook in
courses.wagtail_hooks).

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

from .models import ProgramPage, PublicCollection


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
