"""The site navigation for ``templates/base.html``: which links a person's roles give
them, which one is the current page, and how much waits behind the trainer's queue.

It lives in the composition root because the queue's count reads two apps
(competencies' review requests, consultation's pending hours) that no lower app may
import. Everything is lazy: a page that never shows the navigation (a PDF, an e-mail,
a JSON response) runs no query, and a trainer's page runs exactly two counts.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from competencies.permissions import requests_for_trainer
from consultation.models import ConsultationSession
from core.roles import Role, roles_of
from courses.models import Enrolment


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    icon: str
    current: str = ""  # "page" on the page itself, "true" below it, "" elsewhere
    count: int = 0
    count_label: str = ""


def queue_waiting(user) -> tuple[int, int]:
    """Review requests and unconfirmed consultation entries waiting for this trainer:
    two count queries, whatever the numbers."""
    requests = requests_for_trainer(user).count()
    entries = (
        ConsultationSession.objects.pending()
        .filter(trainer=user, enrolment__in=Enrolment.objects.for_trainer(user))
        .count()
    )
    return requests, entries


def _items(request) -> list[NavItem]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    held = roles_of(user)
    links: list[tuple[str, str, str, int, str]] = []
    if Role.TRAINEE in held:
        links += [
            ("My program", reverse("courses:trainee_home"), "house", 0, ""),
            ("My outcomes", reverse("competencies:my_outcomes"), "journal-check", 0, ""),
            ("My hours", reverse("consultation:my_hours"), "clock", 0, ""),
            ("Certificate", reverse("certificates:mine"), "award", 0, ""),
        ]
    if Role.TRAINER in held:
        requests, entries = queue_waiting(user)
        waiting = f"{requests} review request{'s' if requests != 1 else ''} and " \
                  f"{entries} consultation entr{'ies' if entries != 1 else 'y'} waiting"
        links += [
            ("My trainees", reverse("courses:trainer_home"), "people", 0, ""),
            ("Queue", reverse("competencies:trainer_queue"), "inbox", requests + entries, waiting),
        ]
    if Role.PROGRAM_ADMIN in held:
        links += [
            ("Cohorts", reverse("courses:admin_home"), "grid-3x3", 0, ""),
            ("People", reverse("accounts:people"), "person-badge", 0, ""),
        ]
    if Role.PROGRAM_ADMIN in held or Role.CURRICULUM_EDITOR in held:
        links.append(("Admin", reverse("wagtailadmin_home"), "gear", 0, ""))
    # The deepest link the current path lies under is the current section.
    path = request.path
    below = [url for _, url, *_ in links if path.startswith(url)]
    section = max(below, key=len, default=None)
    return [
        NavItem(label=label, url=url, icon=icon, count=count, count_label=count_label,
                current=("page" if url == path else "true") if url == section else "")
        for label, url, icon, count, count_label in links
    ]


def navigation(request):
    """``kap_nav``: the main navigation's links for this person on this page."""
    return {"kap_nav": SimpleLazyObject(lambda: _items(request))}
