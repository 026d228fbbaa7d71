"""Keep the cached curriculum trees (courses.selectors.learning) in step with the pages."""

from django.db.models.signals import post_delete, post_save
from wagtail.models import get_page_models
from wagtail.signals import page_published, page_unpublished, post_page_move

from cms.models import LessonOutcome
from cms.sites import forget_sites
from core.cache import forget_now_and_on_commit

from .selectors.learning import curriculum_forget


def _forget(**kwargs) -> None:
    forget_now_and_on_commit(curriculum_forget)
    forget_now_and_on_commit(forget_sites)  # a site holds its root page, which may have changed


def connect() -> None:
    """Listen to the models a curriculum tree is read from, by name: every page type
    (a save, a move or a delete outside Wagtail's publishing) and the lesson–outcome
    links; Wagtail's own signals for publishing, unpublishing and moving."""
    for model in (*get_page_models(), LessonOutcome):
        label = model._meta.label_lower
        post_save.connect(_forget, sender=model,
                          dispatch_uid=f"courses-curriculum:{label}:save")
        post_delete.connect(_forget, sender=model,
                            dispatch_uid=f"courses-curriculum:{label}:delete")
    page_published.connect(_forget, dispatch_uid="courses-curriculum-published")
    page_unpublished.connect(_forget, dispatch_uid="courses-curriculum-unpublished")
    post_page_move.connect(_forget, dispatch_uid="courses-curriculum-moved")
