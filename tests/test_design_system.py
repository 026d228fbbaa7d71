"""The design system as people meet it: every form's help and errors are where its
controls say they are (no dangling aria-describedby), a form sent with mistakes opens
with a summary that links to each field, messages look like their level, the
navigation marks the current page and shows what waits in a trainer's queue, and the
Wagtail dashboard leads back to Kapstone."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.fallback import FallbackStorage
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.described: list[tuple[str, str]] = []  # (element, id it names)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for ref in (attrs.get("aria-describedby") or "").split():
            self.described.append((f"<{tag} name={attrs.get('name')!r}>", ref))


def dangling(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    return [f"{element} → #{ref}" for element, ref in parser.described if ref not in parser.ids]


@pytest.fixture
def issued(complete):
    from certificates.services import certificate_issue

    world = complete
    world.certificate_a, _ = certificate_issue(actor=world.admin, enrolment=world.enrolment_a)
    return world


# Every page with a form, as the person who uses it: (who, url, what an invalid POST
# sends, or None for pages whose forms post elsewhere).
def _form_pages(w):
    return [
        (None, "/accounts/login/", {}),
        (None, "/accounts/signup/", {}),
        (None, "/accounts/password/reset/", {}),
        (None, reverse("certificates:verify_file"), {"credential_text": "{not json"}),
        (w.trainee_a, reverse("consultation:my_hours"), {"minutes": "abc"}),
        (w.trainee_a, reverse("competencies:my_outcome", args=[w.enrolment_a.pk, "C1"]), {"action": "evidence"}),
        (w.trainee_b, reverse("competencies:my_outcome", args=[w.enrolment_b.pk, "C1"]), {"action": "request"}),
        (w.trainee_a, reverse("accounts:my_name"), {}),
        (w.trainee_a, "/accounts/email/", {"action_add": "", "email": "not an address"}),
        (w.trainee_a, "/accounts/password/change/", {}),
        (w.trainee_b, reverse("courses:apply", args=["program"]), {}),
        (w.trainer_a, reverse("consultation:group_session"), {}),
        (w.trainer_a, reverse("competencies:trainer_queue"), None),
        (w.trainer_a, reverse("competencies:trainer_trainee", args=[w.enrolment_a.pk]), None),
        (w.admin, reverse("accounts:people"), None),
        (w.admin, reverse("accounts:person_edit", args=[w.trainee_b.pk]), {"full_name": ""}),
        (w.admin, reverse("certificates:cohort_matrix", args=[w.cohort.pk]), None),
        (w.admin, reverse("certificates:detail", args=[w.certificate_a.pk]), None),
        (w.admin, reverse("certificates:revoke", args=[w.certificate_a.pk]), {"reason": ""}),
    ]


def test_every_forms_aria_describedby_names_text_on_the_page(issued, login):
    checked = 0
    problems = []
    for user, url, invalid in _form_pages(issued):
        client = login(user)
        responses = [("GET", client.get(url))]
        if invalid is not None:
            responses.append(("POST", client.post(url, invalid)))
        for method, response in responses:
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            html = response.content.decode()
            checked += html.count("aria-describedby")
            problems += [f"{method} {url}: {line}" for line in dangling(html)]
    assert checked > 10, "the pages rendered no described fields: the scan proves nothing"
    assert problems == []


def test_a_form_sent_with_mistakes_opens_with_a_summary_linking_to_each_field(world, login):
    client = login(world.trainee_a)
    response = client.post(reverse("consultation:my_hours"), {"minutes": "abc"})
    html = response.content.decode()
    summary = re.search(r'<div class="alert alert-danger error-summary"[^>]*data-error-summary>(.*?)</div>', html, re.S)
    assert summary, "no error summary at the top of the form"
    assert 'tabindex="-1"' in html.split("data-error-summary")[0].rsplit("<div", 1)[1]
    links = dict(re.findall(r'<a href="#([\w-]+)">([^<]+)</a>', summary.group(1)))
    assert "id_minutes" in links and links["id_minutes"].startswith("Minutes:")
    # …and the same message beside the field, which names it for screen readers.
    assert re.search(r'<input[^>]*aria-describedby="[^"]*id_minutes_error[^"]*"[^>]*id="id_minutes"', html)
    assert re.search(r'<ul class="errorlist invalid-feedback d-block" id="id_minutes_error">', html)
    assert 'src="/static/js/site.js"' in html


@pytest.mark.parametrize("level, alert", [
    (constants.SUCCESS, "alert-success"), (constants.WARNING, "alert-warning"),
    (constants.ERROR, "alert-danger"), (constants.INFO, "alert-info"),
])
def test_messages_look_like_their_level(level, alert, world):
    request = RequestFactory().get("/")
    request.user = world.trainee_a
    request.session = {}
    storage = FallbackStorage(request)
    storage.add(level, "Saved your entry.")
    html = render_to_string("base.html", {"messages": storage}, request=request)
    assert re.search(rf'<div class="alert {alert}[^"]*">\s*<svg[^>]*><use href="/static/icons/sprite.svg#[\w-]+">'
                     r'</use></svg>\s*<div>Saved your entry.</div>', html)


def test_the_navigation_marks_the_current_page_and_its_section(world, login):
    client = login(world.trainee_a)
    html = client.get(reverse("consultation:my_hours")).content.decode()
    assert re.search(r'<a class="nav-link active" href="/trainee/hours/" aria-current="page">', html)
    assert len(re.findall(r'aria-current="page"', html)) == 1
    html = client.get(reverse("competencies:my_outcome", args=[world.enrolment_a.pk, "C1"])).content.decode()
    assert re.search(r'<a class="nav-link active" href="/trainee/outcomes/" aria-current="true">', html)
    assert 'href="/trainee/" aria-current' not in html


def test_the_trainers_queue_link_counts_what_waits(world, login):
    from competencies.services import signoff_request
    from consultation.services import session_log

    client = login(world.trainer_a)
    html = client.get(reverse("courses:trainer_home")).content.decode()
    assert re.search(r"> Queue</a>", html), "nothing waits: no count"
    signoff_request(actor=world.trainee_a, enrolment=world.enrolment_a, outcome_code="C1")
    session_log(actor=world.trainee_a, enrolment=world.enrolment_a, trainer=world.trainer_a,
                date=timezone.localdate() - datetime.timedelta(days=2), minutes=60, category="E1", notes="")
    html = client.get(reverse("courses:trainer_home")).content.decode()
    badge = re.search(r'Queue <span class="badge[^"]*" title="([^"]+)">(\d+)<', html)
    assert badge and badge.group(2) == "2"
    assert badge.group(1) == "1 review request and 1 consultation entry waiting"


def test_the_wagtail_dashboard_shows_kapstones_links_and_the_way_back(world, login):
    client = login(world.admin)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Back to Kapstone" in html
    for url in (reverse("courses:admin_home"), reverse("accounts:people"),
                reverse("certificates:cohort_matrix", args=[world.cohort.pk]),
                reverse("audit_auditevent:index")):
        assert f'<a href="{url}">' in html, url
    client = login(world.editor)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Back to Kapstone" in html and f'<a href="{reverse("wagtailadmin_explore_root")}">Pages</a>' in html
    assert reverse("accounts:people") not in html and "Audit trail" not in html
