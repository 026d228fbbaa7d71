from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page

from .blocks import PageBodyBlock


class HomePage(Page):
    """The public front page of the site: what the programs are and how to join."""

    lead = models.TextField(
        blank=True, help_text="One or two sentences shown under the title."
    )
    body = StreamField(PageBodyBlock(), blank=True)

    content_panels = Page.content_panels + [FieldPanel("lead"), FieldPanel("body")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types: list[str] = []
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        from django.db.models import Count, OuterRef, Subquery

        from competencies.models import Outcome
        from courses.models import Program

        context = super().get_context(request, *args, **kwargs)
        latest = (
            Outcome.objects.filter(
                version__framework=OuterRef("framework"), version__published_at__isnull=False
            )
            .order_by()
            .values("version")
            .annotate(n=Count("pk"))
            .order_by("-version__number")
            .values("n")[:1]
        )
        context["programs"] = Program.objects.annotate(outcome_count=Subquery(latest))
        return context
