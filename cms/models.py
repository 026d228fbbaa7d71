"""The site's page tree: HomePage → ProgramPage → CoursePage → LessonPage.

Program pages are public. Course and lesson pages are served only to people who may
read that program's curriculum; anyone else is sent to sign in, or gets a 404 once
signed in. Who may read, and what a reader's enrolment adds to a page, come from the
apps above through the hooks named in ``cms.hooks``.
"""

from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils.functional import cached_property
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page

from audit.services import audit_record

from . import hooks as cms_hooks
from .blocks import CheckSpec, LessonBodyBlock, PageBodyBlock

TEXT_FEATURES = ["h3", "bold", "italic", "link", "ol", "ul"]
# The tree is closed: the tree's root (1), the home page (2), program pages (3).
PROGRAM_PAGE_DEPTH = 3


class HomePage(Page):
    """The public front page of the site: what the programs are and how to join."""

    lead = models.TextField(blank=True, help_text="One or two sentences shown under the title.")
    body = StreamField(PageBodyBlock(), blank=True)

    content_panels = Page.content_panels + [FieldPanel("lead"), FieldPanel("body")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.ProgramPage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["program_pages"] = (
            ProgramPage.objects.child_of(self).live().select_related("program").order_by("path")
        )
        return context


class ProgramPage(Page):
    """Public overview of one certificate program, with the way to apply."""

    program = models.OneToOneField(
        "courses.Program", on_delete=models.PROTECT, related_name="page",
        help_text="The program whose cohorts, outcomes and hours this page presents.",
    )
    intro = RichTextField(features=TEXT_FEATURES)
    who_it_is_for = RichTextField(features=TEXT_FEATURES)
    structure = RichTextField(features=TEXT_FEATURES)
    admission_requirements = RichTextField(features=TEXT_FEATURES)
    scope_statement = RichTextField(
        features=TEXT_FEATURES,
        help_text="What the certificate is and is not (it confers no license).",
    )

    content_panels = Page.content_panels + [
        FieldPanel("program"),
        FieldPanel("intro"),
        FieldPanel("who_it_is_for"),
        FieldPanel("structure"),
        FieldPanel("admission_requirements"),
        FieldPanel("scope_statement"),
    ]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.CoursePage"]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["courses"] = list(
            CoursePage.objects.child_of(self).live().specific().order_by("path")
        )
        # Outcome groups, can_read and application (cms.hooks.PROGRAM_PAGE_CONTEXT).
        context.update(cms_hooks.page_context(cms_hooks.PROGRAM_PAGE_CONTEXT, self, request))
        return context


class CurriculumPage(Page):
    """Shared serving rule of course and lesson pages."""

    class Meta:
        abstract = True

    @cached_property
    def program_page(self) -> "ProgramPage | None":
        if not self.path:  # an unsaved page being previewed: find it from its parent
            return None
        # Up the parents, not a query: Wagtail's routing leaves each page it passed on
        # the way as the next one's parent (treebeard's get_parent reads it from there),
        # and the program page is the one below the home page in the closed tree.
        page = self
        while page is not None and page.depth > PROGRAM_PAGE_DEPTH:
            page = page.get_parent()
        if page is None or page.depth != PROGRAM_PAGE_DEPTH:
            return None
        page = page.specific
        return page if isinstance(page, ProgramPage) else None

    @property
    def program_id(self) -> int | None:
        page = self.program_page
        return page.program_id if page else None

    def reader_enrolment(self, user):
        """The user's active enrolment in this page's program (None: not a trainee of
        it), read once for this page object, which serves one request."""
        readers = self.__dict__.setdefault("_reader_enrolments", {})
        if user.pk not in readers:
            readers[user.pk] = cms_hooks.reader_enrolment(user, self.program_id)
        return readers[user.pk]

    def serve(self, request, *args, **kwargs):
        if getattr(request, "is_preview", False):
            # Wagtail's preview views have already checked the editor's permissions.
            return super().serve(request, *args, **kwargs)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        # An active enrolment in the program is leave to read it (the curriculum rule's
        # first case), and the page needs the enrolment anyway: one query for trainees.
        enrolled = request.user.is_active and self.reader_enrolment(request.user) is not None
        if not enrolled and not cms_hooks.can_read_curriculum(request.user, self.program_id):
            audit_record(
                verb="access.refused", request=request, target=self,
                details={"path": request.path[:200]},
            )
            raise Http404("No such page.")
        return super().serve(request, *args, **kwargs)

    def get_sitemap_urls(self, request=None):
        # Restricted content never appears in a sitemap.
        return []


class CoursePage(CurriculumPage):
    summary = models.TextField(help_text="One or two sentences on what the course covers.")

    content_panels = Page.content_panels + [FieldPanel("summary")]

    parent_page_types = ["cms.ProgramPage"]
    subpage_types = ["cms.LessonPage"]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(cms_hooks.page_context(
            cms_hooks.COURSE_PAGE_CONTEXT, self, request, self.reader_enrolment(request.user)
        ))
        return context


class OutcomeCodeSelect(forms.Select):
    """Outcome codes of the published frameworks, grouped by category, read when the
    editor opens (so a newly published framework is offered without a restart); the
    codes come from cms.hooks.OUTCOME_CODE_CHOICES."""

    def optgroups(self, name, value, attrs=None):
        self.choices = [("", "---------")] + cms_hooks.outcome_code_choices()
        return super().optgroups(name, value, attrs)


class LessonOutcome(Orderable):
    """A framework outcome (by its stable code) that a lesson serves."""

    lesson = ParentalKey("cms.LessonPage", on_delete=models.CASCADE, related_name="outcome_links")
    code = models.CharField(max_length=16)

    panels = [FieldPanel("code", widget=OutcomeCodeSelect)]

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(fields=["lesson", "code"], name="lesson_outcome_once"),
        ]

    def __str__(self) -> str:
        return self.code


class LessonPage(CurriculumPage):
    estimated_minutes = models.PositiveSmallIntegerField(
        default=20, help_text="How long a trainee should set aside for this lesson."
    )
    required = models.BooleanField(
        default=True, help_text="Required lessons count toward course completion."
    )
    body = StreamField(LessonBodyBlock())
    # Ids of the lesson's knowledge checks, kept in step with the body on every save so
    # that progress can be computed without loading lesson bodies.
    check_ids = models.JSONField(default=list, editable=False)

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("estimated_minutes"), FieldPanel("required")], heading="Lesson"
        ),
        InlinePanel("outcome_links", heading="Outcomes this lesson serves", label="Outcome"),
        FieldPanel("body"),
    ]

    parent_page_types = ["cms.CoursePage"]
    subpage_types: list[str] = []

    def get_admin_display_title(self):
        codes = ", ".join(link.code for link in self.outcome_links.all())
        title = super().get_admin_display_title()
        return f"{title} · {codes}" if codes else title

    def clean(self):
        super().clean()
        program_page = ProgramPage.objects.ancestor_of(self).select_related("program").first()
        if program_page is None and self.get_parent() is not None:
            parent = self.get_parent()
            program_page = ProgramPage.objects.ancestor_of(parent, inclusive=True).first()
        if program_page is None:
            return
        allowed = cms_hooks.program_outcome_codes(program_page.program)
        if allowed is None:  # the program has no framework yet
            return
        wrong = sorted({link.code for link in self.outcome_links.all()} - allowed)
        if wrong:
            raise ValidationError(
                f"Not outcomes of this program's framework: {', '.join(wrong)}."
            )

    def save(self, *args, **kwargs):
        self.check_ids = [block.id for block in self.body if block.block_type == "knowledge_check"]
        return super().save(*args, **kwargs)

    def knowledge_checks(self) -> dict[str, CheckSpec]:
        return {
            block.id: CheckSpec(block.id, block.value)
            for block in self.body
            if block.block_type == "knowledge_check"
        }

    def reflection_prompts(self) -> dict[str, str]:
        return {
            block.id: block.value["prompt"] for block in self.body if block.block_type == "reflection"
        }

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(cms_hooks.page_context(
            cms_hooks.LESSON_PAGE_CONTEXT, self, request, self.reader_enrolment(request.user)
        ))
        return context


class PublicCollection(models.Model):
    """A collection an editor made public on purpose: its documents (and those of the
    collections inside it) download for anyone. Every other document is served only to
    people who may read a lesson that uses it (courses.permissions)."""

    collection = models.OneToOneField(
        "wagtailcore.Collection", on_delete=models.CASCADE, related_name="public_marker"
    )
    reason = models.CharField(
        max_length=250, help_text="Why anyone may download these documents (e.g. brochures)."
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "public collection"

    def __str__(self) -> str:
        return f"{self.collection.name} (public)"
