"""The cohort matrix's rows are rendered once and cached under a digest of everything
they show: change any of it and the next view shows the change, exactly as a view with
nothing cached would; change nothing and the rows come from the cache."""

import datetime
import re
import socket

import pytest
from django.core.cache import cache
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from accounts import services as accounts
from certificates import services as certificates
from certificates.matrix import ROWS_TEMPLATE
from cms.models import LessonPage
from competencies import services as records
from competencies.models import Outcome
from consultation import services as hours
from core.fragments import cached_fragment, fragment_key
from demo.completion import complete_lessons
from factories.courses import TrainerAssignmentFactory
from framework_versions import draft_copy, publish  # tests/

pytestmark = pytest.mark.django_db


def _url(world, **query) -> str:
    from urllib.parse import urlencode

    url = reverse("certificates:cohort_matrix", args=[world.cohort.pk])
    return f"{url}?{urlencode(query)}" if query else url


def _view(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response


def _page(response) -> str:
    # The CSRF token is masked afresh on every response; everything else must match.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def _rows_rendered(response) -> bool:
    return ROWS_TEMPLATE in [t.name for t in response.templates]


def _sign_off_decided(world):
    records.signoff_decide(trainer=world.trainer_a, enrolment=world.enrolment_a, outcome_code="K1",
                           decision="not_yet", comment="Walk me through the evidence again.")


def _hours_confirmed(world):
    b = world.enrolment_b
    hours.session_log(actor=world.trainee_b, enrolment=b, trainer=world.trainer_a,
                      date=timezone.localdate() - datetime.timedelta(days=1), minutes=60, category="E1")
    session = b.consultation_sessions.get()
    hours.session_confirm(trainer=world.trainer_a, session=session, revision=session.revision)


def _lessons_read(world):
    complete_lessons(world.enrolment_b, LessonPage.objects.live().order_by("path")[:2])


def _trainee_renamed(world):
    # Keeps the rows' order (they are sorted by name), so only the name itself changes.
    request = accounts.name_change_request(user=world.trainee_b,
                                           requested_name=f"{world.trainee_b.full_name} Renamed")
    accounts.name_change_decide(actor=world.admin, name_request=request, approve=True)


def _certificate_issued(world):
    certificates.certificate_issue(actor=world.admin, enrolment=world.enrolment_a)


def _certificate_revoked(world):
    certificate = world.enrolment_a.certificates.get()
    certificates.certificate_revoke(actor=world.admin, certificate=certificate, reason="Issued in error.")


def _lesson_unpublished(world):
    LessonPage.objects.live().order_by("path").first().unpublish()


def _outcome_links_changed(world):
    LessonPage.objects.live().order_by("path").first().outcome_links.all().delete()


def _framework_version_moved(world):
    # Hours required are version data, and a published version never changes: more
    # hours come with a newer version the enrolment moves to.
    draft = draft_copy(world.cohort.program.framework)
    draft.outcomes.filter(code="E1").update(hours_required=2)
    records.enrolment_move_version(actor=world.admin, enrolment=world.enrolment_a, version=publish(draft),
                                   mapping={})


def _statement_changed(world):
    # Not something a published version allows; the page must show it all the same.
    Outcome.objects.filter(version=world.enrolment_a.framework_version, code="K1").update(
        statement="A statement nobody has seen before")


ELIGIBLE = '<span class="badge badge-ok">Eligible</span>'
# Each change, with something the page shows only before it (-) or only after it (+).
CHANGES = [
    (_sign_off_decided, ("-", ELIGIBLE)),
    (_hours_confirmed, None),
    (_lessons_read, None),
    (_trainee_renamed, ("+", " Renamed")),
    (_certificate_issued, ("-", 'name="enrolment"')),
    (_lesson_unpublished, None),
    (_outcome_links_changed, None),
    (_framework_version_moved, ("-", ELIGIBLE)),
    (_statement_changed, ("+", "A statement nobody has seen before")),
]


@pytest.mark.parametrize(("change", "shown"), CHANGES, ids=[c.__name__.strip("_") for c, _ in CHANGES])
def test_each_change_shows_at_once_as_a_view_with_nothing_cached_would(
    complete, login, change, shown, django_capture_on_commit_callbacks
):
    TrainerAssignmentFactory(trainer=complete.trainer_a, trainee=complete.trainee_b, cohort=complete.cohort)
    client = login(complete.admin)
    url = _url(complete)
    _view(client, url)
    before = _page(_view(client, url))  # from the cache
    with django_capture_on_commit_callbacks(execute=True):
        change(complete)
    after = _page(_view(client, url))
    assert after != before, change.__name__
    if shown:
        sign, text = shown
        assert (text in before, text in after) == ((True, False) if sign == "-" else (False, True))
    cache.clear()
    assert _page(_view(login(complete.admin), url)) == after


def test_a_certificate_issued_then_revoked_shows_each_time(complete, login, django_capture_on_commit_callbacks):
    client = login(complete.admin)
    url = _url(complete)
    assert _view(client, url).content.decode().count('name="enrolment"') == 1  # A can be issued
    with django_capture_on_commit_callbacks(execute=True):
        _certificate_issued(complete)
    issued = _view(client, url).content.decode()
    serial = complete.enrolment_a.certificates.get().serial
    assert serial in issued and 'name="enrolment"' not in issued and "badge-bad" not in issued
    with django_capture_on_commit_callbacks(execute=True):
        _certificate_revoked(complete)
    revoked = _view(client, url).content.decode()
    assert serial in revoked and 'revoked</span>' in revoked


def test_a_filter_change_shows_other_rows(complete, login):
    client = login(complete.admin)
    everyone = _view(client, _url(complete)).content.decode()
    eligible = _view(client, _url(complete, status="eligible")).content.decode()
    not_eligible = _view(client, _url(complete, status="not_eligible")).content.decode()
    assert "trainee.b@kapstone.test" in everyone and "trainee.a@kapstone.test" in everyone
    assert "trainee.b@kapstone.test" not in eligible and "trainee.a@kapstone.test" in eligible
    assert "trainee.a@kapstone.test" not in not_eligible and "trainee.b@kapstone.test" in not_eligible
    trainer = _view(client, _url(complete, trainer=complete.trainer_a.pk)).content.decode()
    assert "trainee.b@kapstone.test" not in trainer and "trainee.a@kapstone.test" in trainer


def test_a_repeat_view_takes_the_rows_from_the_cache_and_the_page_is_the_same(complete, login):
    client = login(complete.admin)
    first = _view(client, _url(complete))
    repeat = _view(client, _url(complete))
    assert _rows_rendered(first) and not _rows_rendered(repeat)
    assert _page(repeat) == _page(first)
    assert 'name="csrfmiddlewaretoken"' in repeat.content.decode()  # rendered on every view
    assert any(key.startswith(":1:fragment:cohort_matrix_rows:") for key in cache._cache)


def test_with_the_cache_down_the_page_renders_all_the_same(complete, login, settings, caplog):
    client = login(complete.admin)
    expected = _page(_view(client, _url(complete)))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/0", "OPTIONS": {"socket_connect_timeout": 1},
    }}
    try:
        assert _page(_view(client, _url(complete))) == expected
        assert "Cache unreachable: fragment" in caplog.text
    finally:
        cache.close()


def test_a_fragment_key_names_its_parts_and_changes_with_any_of_them():
    key = fragment_key("rows", 1, "a", (2, None))
    assert key == fragment_key("rows", 1, "a", (2, None)) and key.startswith("fragment:rows:")
    assert len({key, fragment_key("rows", 1, "a", (2, 0)), fragment_key("rows", 1, "a", [2, None]),
                fragment_key("other", 1, "a", (2, None)), fragment_key("rows", "1", "a", (2, None))}) == 5


def test_a_cached_fragment_is_rendered_once_and_returned_as_safe_html():
    renders = []

    def render():
        renders.append(1)
        return Template("<tr><td>{{ value }}</td></tr>").render(Context({"value": "<b>"}))

    key = fragment_key("test", "once")
    assert cached_fragment(key, render) == cached_fragment(key, render) == "<tr><td>&lt;b&gt;</td></tr>"
    assert len(renders) == 1 and isinstance(cached_fragment(key, render), SafeString)


def test_a_fragment_must_come_from_a_template():
    with pytest.raises(TypeError, match="rendered by a template"):
        cached_fragment(fragment_key("test", "plain"), lambda: "<b>not escaped</b>")
