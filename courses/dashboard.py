"""Kapstone in Wagtail's admin: a dashboard panel with the links a person's roles give
them (registered in ``wagtail_hooks``), and a menu item back to the site. Wagtail's
own dashboard shows only its page summary, which leaves a program admin nowhere to go.
"""

from django.urls import reverse
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from core.roles import Role, roles_of

from .models import Cohort


def dashboard_links(user) -> list[dict]:
    """Sections of links, each ``{"heading", "links": [(label, url, hint)]}``, for the
    roles this person holds. One query (current cohorts) for a program admin."""
    held = roles_of(user)
    sections = []
    if Role.PROGRAM_ADMIN in held:
        cohorts = Cohort.objects.current().select_related("program").order_by("starts_on", "pk")
        sections.append({"heading": "Program administration", "links": [
            ("Cohorts and enrolments", reverse("courses:admin_home"), "Enrolments, trainers and applications"),
            *[(f"Matrix: {cohort}", reverse("certificates:cohort_matrix", args=[cohort.pk]),
               "Outcomes, hours, eligibility and certificates per trainee") for cohort in cohorts],
            ("Applications", reverse("courses:applications"), "Decide who is enrolled"),
            ("People", reverse("accounts:people"), "Roles and legal names"),
            ("Audit trail", reverse("audit_auditevent:index"), "Every decision, searchable"),
            ("Background jobs", reverse("jobs:list"), "E-mails, PDFs and issuing"),
            ("Outcome frameworks", reverse("competencies_frameworks"), "Import and publish versions of the outcomes"),
        ]})
    if Role.CURRICULUM_EDITOR in held or Role.PROGRAM_ADMIN in held:
        sections.append({"heading": "Curriculum", "links": [
            ("Pages", reverse("wagtailadmin_explore_root"), "Programs, courses and lessons"),
            ("Documents", reverse("wagtaildocs:index"), "Readings and handouts"),
        ]})
    return sections


class KapstonePanel(Component):
    name = "kapstone_links"
    template_name = "wagtailadmin/home/kapstone_links.html"
    order = 50  # above Wagtail's own panels

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        return {"sections": dashboard_links(self.user), "site_url": "/"}


def back_to_site_menu_item() -> MenuItem:
    return MenuItem("Back to Kapstone", reverse("home"), name="back-to-kapstone", icon_name="arrow-left", order=1)
