"""The framework import / CASE export screens in the Wagtail admin.

Wagtail wraps every ``register_admin_urls`` view in its own admin check, which answers
a refusal with a redirect, and it copies our view's ``access_policy`` onto that wrapper,
so ``config.urls`` would not wrap it again. ``_PolicyFirstPattern`` keeps the declared
policy the outermost check instead: a trainee or a curriculum editor gets the 403 (and
the audit entry) that every other program-admin URL gives. If more apps register admin
URLs this belongs in ``core/access.py``.
"""

from django.urls import URLPattern, reverse
from django.urls.resolvers import RoutePattern
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from cms import hooks as cms_hooks
from core.access import GET, GET_POST, POST, PROGRAM_ADMIN, Policy, enforce
from courses import hooks as courses_hooks

from . import admin_views
from .selectors import framework_codes, outcome_code_choices, outcomes_by_category
from .selectors.trainer import trainee_progress_for


class _PolicyFirstPattern(URLPattern):
    """A URL pattern that re-applies its policy around whatever wraps its view."""

    def __init__(self, pattern, callback, *, policy: Policy, methods: tuple[str, ...], name: str):
        self.policy, self.methods = policy, methods
        super().__init__(pattern, callback, name=name)

    @property
    def callback(self):
        return self._callback

    @callback.setter
    def callback(self, view):
        self._callback = enforce(self.policy, self.methods)(view)


def _admin_path(
    route: str, view, name: str, policy: Policy = PROGRAM_ADMIN, methods: tuple[str, ...] = GET
) -> URLPattern:
    return _PolicyFirstPattern(
        RoutePattern(route, name=name, is_endpoint=True), view, policy=policy, methods=methods,
        name=name,
    )


@hooks.register("register_admin_urls")
def register_framework_admin_urls():
    return [
        _admin_path("frameworks/", admin_views.frameworks_index, "competencies_frameworks"),
        _admin_path(
            "frameworks/import/", admin_views.framework_import, "competencies_framework_import",
            methods=GET_POST,
        ),
        _admin_path(
            "frameworks/versions/<int:version_id>/case.json",
            admin_views.framework_version_export_case,
            "competencies_framework_export_case",
        ),
        _admin_path(
            "frameworks/versions/<int:version_id>/publish/", admin_views.framework_version_publish,
            "competencies_framework_publish", methods=POST,
        ),
    ]


class FrameworksMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_import_frameworks(request.user)


@hooks.register("register_admin_menu_item")
def register_frameworks_menu_item():
    return FrameworksMenuItem(
        "Outcome frameworks", reverse("competencies_frameworks"), name="outcome-frameworks",
        icon_name="list-ul", order=450,
    )


# --- What the curriculum pages ask (cms.hooks) ----------------------------------


@hooks.register(cms_hooks.PROGRAM_PAGE_CONTEXT)
def program_outcome_groups(page, request):
    return {"outcome_groups": outcomes_by_category(program=page.program)}


@hooks.register(cms_hooks.OUTCOME_CODE_CHOICES)
def lesson_outcome_choices():
    return outcome_code_choices()


@hooks.register(cms_hooks.PROGRAM_OUTCOME_CODES)
def lesson_outcome_codes(program):
    if program.framework_id is None:
        return None
    return framework_codes(framework_id=program.framework_id)


# --- What courses' pages ask (courses.hooks) -------------------------------------


@hooks.register(courses_hooks.TRAINEE_PROGRESS)
def caseload_progress(enrolment_ids):
    return trainee_progress_for(enrolment_ids)
