"""Program admins manage programs, cohorts, enrolments and trainer assignments in
Wagtail's admin. Every save goes through courses.services (validated and audited).

Below them, what courses tells the curriculum pages (cms.hooks): who may read a program's
courses and lessons (and the documents they use), the reader's enrolment, and what it
adds to a page — progress, knowledge checks, reflections, the application's state. A
lesson page's visit is recorded here, the page-serving layer, through
``services.lesson_viewed``; the selectors only read."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404
from wagtail import hooks
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from audit.services import audit_record
from cms import hooks as cms_hooks
from cms.documents import document_is_public
from core.admin_search import BoundedSearchIndexView
from core.forms import add_service_errors, posted_int

from . import selectors, services
from .admin_forms import (
    AssignmentCreateForm,
    AssignmentEndForm,
    EnrolmentCreateForm,
    EnrolmentEditForm,
)
from .dashboard import KapstonePanel, back_to_site_menu_item
from .models import Cohort, Enrolment, Program, TrainerAssignment
from .permissions import can_download_document, can_read_curriculum


class ServiceSaveMixin:
    """Run the service inside Wagtail's transaction; show its refusal on the form."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            add_service_errors(form, error)
            self.produced_error_message = " ".join(error.messages)
            return self.form_invalid(form)


class ProgramCreate(ServiceSaveMixin, generic.CreateView):
    def save_instance(self):
        return services.program_save(program=self.form.save(commit=False), actor=self.request.user)


class ProgramEdit(ServiceSaveMixin, generic.EditView):
    def save_instance(self):
        return services.program_save(program=self.form.save(commit=False), actor=self.request.user)


class CohortCreate(ServiceSaveMixin, generic.CreateView):
    def save_instance(self):
        return services.cohort_save(cohort=self.form.save(commit=False), actor=self.request.user)


class CohortEdit(ServiceSaveMixin, generic.EditView):
    def save_instance(self):
        return services.cohort_save(cohort=self.form.save(commit=False), actor=self.request.user)


class EnrolmentCreate(ServiceSaveMixin, generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return services.enrolment_create(
            actor=self.request.user, trainee=data["trainee"], cohort=data["cohort"],
            profession=data["profession"], license_type=data["license_type"],
            license_number=data["license_number"], license_jurisdiction=data["license_jurisdiction"],
            license_expires_on=data["license_expires_on"], license_verified=data["license_verified"],
        )


class EnrolmentEdit(ServiceSaveMixin, generic.EditView):
    def save_instance(self):
        data = dict(self.form.cleaned_data)
        verify = data.pop("verify_license", False)
        enrolment = Enrolment.objects.get(pk=self.object.pk)
        enrolment = services.enrolment_update(actor=self.request.user, enrolment=enrolment, **data)
        if verify:
            enrolment = services.enrolment_verify_license(actor=self.request.user, enrolment=enrolment)
        return enrolment


class AssignmentCreate(ServiceSaveMixin, generic.CreateView):
    def get_initial(self):
        # Approving an application leads here with the new trainee and cohort chosen.
        initial = super().get_initial()
        for name in ("trainee", "cohort"):
            if (value := posted_int(self.request.GET, name)) is not None:
                initial[name] = value
        return initial

    def save_instance(self):
        data = self.form.cleaned_data
        return services.assignment_create(
            actor=self.request.user, trainer=data["trainer"], trainee=data["trainee"],
            cohort=data["cohort"], role=data["role"], starts_on=data["starts_on"],
        )


class AssignmentEnd(ServiceSaveMixin, generic.EditView):
    def save_instance(self):
        assignment = TrainerAssignment.objects.get(pk=self.object.pk)
        return services.assignment_end(
            actor=self.request.user, assignment=assignment, on=self.form.cleaned_data["ends_on"]
        )


class ListingQueryMixin:
    """The listing's queryset with what its columns need, so rows cost no queries."""

    select_related: tuple[str, ...] = ()
    index_view_class = BoundedSearchIndexView

    def get_index_view_kwargs(self, **kwargs):
        queryset = self.model._default_manager.select_related(*self.select_related)
        return super().get_index_view_kwargs(queryset=queryset, **kwargs)


class ProgramViewSet(ListingQueryMixin, ModelViewSet):
    model = Program
    name = "courses_program"
    icon = "doc-full-inverse"
    menu_label = "Programs"
    add_view_class = ProgramCreate
    edit_view_class = ProgramEdit
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = [
        "name", "slug", "summary", "ce_hours", "framework", "knowledge_signoffs",
        "competency_signoffs",
        "session_min_minutes", "session_max_minutes", "pending_reminder_days",
        "credential_valid_months", "signature_image", "signatory", "seal_image",
    ]
    list_display = ["name", "ce_hours", "framework"]
    search_fields = ["name", "summary"]

    select_related = ("framework",)


class CohortViewSet(ListingQueryMixin, ModelViewSet):
    model = Cohort
    name = "courses_cohort"
    icon = "group"
    menu_label = "Cohorts"
    add_view_class = CohortCreate
    edit_view_class = CohortEdit
    copy_view_enabled = False
    form_fields = ["program", "name", "starts_on", "ends_on", "capacity", "open_for_applications"]
    list_display = ["name", "program", "starts_on", "ends_on", "open_for_applications"]
    list_filter = ["program", "open_for_applications"]
    search_fields = ["name"]

    select_related = ("program",)


class EnrolmentViewSet(ListingQueryMixin, ModelViewSet):
    model = Enrolment
    name = "courses_enrolment"
    icon = "user"
    menu_label = "Enrolments"
    add_view_class = EnrolmentCreate
    edit_view_class = EnrolmentEdit
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["trainee", "cohort", "status", "license_jurisdiction", "license_expires_on",
                    "license_verified_at"]
    list_filter = ["cohort", "status", "profession"]
    search_fields = ["trainee__email", "trainee__full_name", "license_number"]

    def get_form_class(self, for_update=False):
        return EnrolmentEditForm if for_update else EnrolmentCreateForm

    select_related = ("trainee", "cohort__program")

    @property
    def permission_policy(self):
        return _no_delete(super().permission_policy)


class TrainerAssignmentViewSet(ListingQueryMixin, ModelViewSet):
    model = TrainerAssignment
    name = "courses_trainerassignment"
    icon = "link"
    menu_label = "Trainer assignments"
    add_view_class = AssignmentCreate
    edit_view_class = AssignmentEnd
    copy_view_enabled = False
    list_display = ["trainer", "trainee", "cohort", "role", "starts_on", "ends_on"]
    list_filter = ["cohort", "role"]
    search_fields = ["trainer__email", "trainer__full_name", "trainee__email", "trainee__full_name"]

    def get_form_class(self, for_update=False):
        return AssignmentEndForm if for_update else AssignmentCreateForm

    select_related = ("trainer", "trainee", "cohort__program")

    @property
    def permission_policy(self):
        return _no_delete(super().permission_policy)


def _no_delete(policy):
    """Enrolments are withdrawn and assignments ended, never deleted (the records and
    the audit trail refer to them)."""
    original = policy.user_has_permission

    def user_has_permission(user, action):
        return action != "delete" and original(user, action)

    policy.user_has_permission = user_has_permission
    return policy


class PeopleGroup(ModelViewSetGroup):
    menu_label = "Programs & people"
    menu_icon = "group"
    menu_order = 200
    items = (ProgramViewSet, CohortViewSet, EnrolmentViewSet, TrainerAssignmentViewSet)


@hooks.register("register_admin_viewset")
def register_people_viewsets():
    return PeopleGroup()


# --- What the curriculum pages ask (cms.hooks) ----------------------------------


@hooks.register(cms_hooks.CAN_READ_CURRICULUM)
def curriculum_readers(user, program_id):
    return can_read_curriculum(user, program_id)


@hooks.register(cms_hooks.READER_ENROLMENT)
def reader_enrolment(user, program_id):
    return selectors.active_enrolment(user=user, program_id=program_id)


@hooks.register(cms_hooks.PROGRAM_PAGE_CONTEXT)
def program_page_context(page, request):
    return {
        "can_read": can_read_curriculum(request.user, page.program_id),
        "application": selectors.application_state(user=request.user, program=page.program),
    }


@hooks.register(cms_hooks.COURSE_PAGE_CONTEXT)
def course_page_context(page, request, enrolment):
    return selectors.course_view(course=page, enrolment=enrolment)


@hooks.register(cms_hooks.LESSON_PAGE_CONTEXT)
def lesson_page_context(page, request, enrolment):
    """The lesson page for its reader, recording a trainee's visit first (for "continue
    where you left off"; services.lesson_viewed writes only when that would change)."""
    program_page = page.program_page
    if enrolment is None or program_page is None:
        return selectors.lesson_view(lesson=page, enrolment=enrolment)
    curriculum = selectors.curriculum_tree(program_page=program_page)
    progress = selectors.lesson_progress(curriculum=curriculum, enrolment=enrolment)
    progress[page.pk] = services.lesson_viewed(
        enrolment=enrolment, lesson=page, progress=progress.get(page.pk),
        latest_opened_at=max((p.last_opened_at for p in progress.values()), default=None),
    )
    return selectors.lesson_view(
        lesson=page, enrolment=enrolment, curriculum=curriculum, progress=progress
    )


@hooks.register("before_serve_document")
def documents_only_for_their_readers(document, request):
    """Documents are private by default (cms.documents): anyone else is sent to sign
    in, or gets a 404 once signed in (the refusal is audited)."""
    if document_is_public(document):
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if can_download_document(request.user, document):
        return None
    audit_record(verb="access.refused", request=request, target=document,
                 details={"path": request.path[:200]})
    raise Http404("No such document.")



# --- Kapstone in the admin: its links on the dashboard, a way back to the site ---


@hooks.register("construct_homepage_panels")
def add_kapstone_panel(request, panels):
    panels.append(KapstonePanel(request.user))


@hooks.register("register_admin_menu_item")
def register_back_to_site():
    return back_to_site_menu_item()
