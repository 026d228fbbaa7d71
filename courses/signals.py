"""Keep the cached curriculum trees (courses.selectors.learning) in step with the pages."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from cms.models import LessonOutcome
from cms.sites import forget_sites
from core.cache import forget_now_and_on_commit

from .selectors.learning import curriculum_forget


def _forget(**kwargs) -> None:
    forget_now_and_on_commit(curriculum_forget)
    forget_now_and_on_commit(forget_sites)  # a site holds its root page, which may have changed


@receiver(post_save)
@receiver(post_delete)
def _page_or_outcome_link_changed(sender, instance, **kwargs) -> None:
    if isinstance(instance, (Page, LessonOutcome)):
        _forget()


page_published.connect(_forget, dispatch_uid="courses-curriculum-published")
page_unpublished.connect(_forget, dispatch_uid="courses-curriculum-unpublished")
post_page_move.connect(_forget, dispatch_uid="courses-curriculum-moved")
