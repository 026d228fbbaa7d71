from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from wagtail import hooks

from .permissions import readable_program_ids

# Documents filed in this collection (or below it) belong to the curriculum.
CURRICULUM_COLLECTION = "Curriculum"


@hooks.register("before_serve_document")
def curriculum_documents_only_for_readers(document, request):
    """Lesson documents are served through Wagtail's view only to people who may read
    some program's curriculum; everyone else is sent to sign in, or gets a 404."""
    collection = document.collection
    names = {collection.name, *collection.get_ancestors().values_list("name", flat=True)}
    if CURRICULUM_COLLECTION not in names:
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    readable = readable_program_ids(request.user)
    if readable is None or readable:
        return None
    raise Http404("No such document.")
