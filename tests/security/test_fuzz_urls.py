"""The parts of our URLs a user can type: ids, outcome codes, check and prompt ids,
verification codes and slugs. Hostile values get a 404 (or a refusal), never a 5xx.

Routes come from the URL walk; each is requested by a role its policy admits, with every
parameter replaced by fuzz that still matches the route's converter.
"""

import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import resolve
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from fuzzing import STRANGE_TEXT
from url_walk import walk_routes

pytestmark = pytest.mark.django_db

EXAMPLES = 12

_SEGMENT = st.one_of(
    st.sampled_from([
        "0", "-1", "9" * 30, "C1", "c1", "K1 ", "C1%00", "..", "%2e%2e", "<script>", "' OR 1=1",
        "\u202e", "x" * 2000, "%", "%ff", "1e309", "NaN",
    ]),
    st.text(min_size=1, max_size=40).filter(lambda t: "/" not in t and t.strip() == t and t),
    st.integers(min_value=0, max_value=2**80).map(str),
    STRANGE_TEXT.filter(lambda t: "/" not in t and t.strip() == t),
)
OUR_APPS = {"courses", "competencies", "consultation", "certificates", "jobs"}
_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _routes():
    """(name, route template, policy) for our routes with parameters."""
    seen = []
    for route in walk_routes():
        # Our own views; Wagtail's admin views take only integer ids, which Wagtail checks.
        if not (route.has_args and ":" in route.name and route.name.split(":")[0] in OUR_APPS):
            continue
        seen.append(route)
    return seen


def _role_for(policy, world):
    candidates = {
        "public": None, "signed-in": world.trainee_a, "trainee": world.trainee_a,
        "trainer": world.trainer_a, "program-admin": world.admin, "wagtail-admin": world.admin,
    }
    return candidates[policy.name]


def test_hostile_url_parameters_get_404_not_server_errors(populated, request):
    world = populated
    client = Client(raise_request_exception=False)
    routes = _routes()
    errors, examples = [], 0
    for route in routes:
        match = resolve(route.url)
        policy = match.func.access_policy
        user = _role_for(policy, world)
        pattern = match.route
        client.logout()
        if user is not None:
            client.force_login(user)

        @hsettings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                   phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(values=st.lists(_SEGMENT, min_size=5, max_size=5))
        def run(values):
            nonlocal examples
            examples += 1
            it = iter(values)

            def sub(m):
                value = next(it)
                if m.group("converter") == "int":
                    # What the int converter matches: ASCII digits (not str.isdigit()).
                    value = "".join(c for c in value if c in "0123456789") or "0"
                elif m.group("converter") == "slug":
                    value = re.sub(r"[^-a-zA-Z0-9_]", "", value) or "x"
                return quote(value, safe="")

            # run() is called below, in the iteration that defines it: it sees this pattern.
            url = "/" + _PARAM.sub(sub, pattern)  # noqa: B023
            for method in (client.get, client.post):
                response = method(url)
                if response.status_code >= 500:
                    errors.append(f"{response.status_code} {method.__name__.upper()} {url[:120]}")

        run()
    request.config.kapstone_url_fuzz = (len(routes), examples)
    assert not errors, "\n".join(errors[:40])
    assert len(routes) >= 20


# Every name a view of ours reads from a query string (or a form, as GET data).
QUERY_NAMES = ["trainer", "cohort", "status", "page", "version", "format", "next", "step",
               "enrolment", "q", "p", "category", "id"]


def test_hostile_query_strings_get_no_server_errors(populated):
    """The penetration test's 500s came from query strings (``?trainer=²``): every GET
    page of ours, as a role its policy admits, with each name it might read set to fuzz,
    Unicode digits, full-width and combining characters above all."""
    from certificates.models import Certificate
    from consultation.models import ConsultationSession

    world = populated
    # Real objects, so that the pages get past their lookups to the query string.
    ids = {
        "cohort_id": world.cohort.pk, "enrolment_id": world.enrolment_a.pk,
        "certificate_id": Certificate.objects.values_list("pk", flat=True).first(),
        "session_id": ConsultationSession.objects.filter(enrolment=world.enrolment_a)
        .values_list("pk", flat=True).first(),
        "program_slug": world.cohort.program.slug,
    }
    ours = [r for r in walk_routes() if ":" in r.name and r.name.split(":")[0] in OUR_APPS]
    overrides = {r.name: {k: str(v) for k, v in ids.items() if v is not None} for r in ours}
    client = Client(raise_request_exception=False)
    errors = []
    for route in walk_routes(overrides):
        if ":" not in route.name or route.name.split(":")[0] not in OUR_APPS:
            continue
        match = resolve(route.url)
        if "GET" not in (getattr(match.func, "http_methods", None) or ("GET",)):
            continue
        user = _role_for(match.func.access_policy, world)
        client.logout()
        if user is not None:
            client.force_login(user)

        @hsettings(max_examples=4, deadline=None, derandomize=True, database=None,
                   phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(values=st.lists(STRANGE_TEXT | _SEGMENT, min_size=len(QUERY_NAMES),
                               max_size=len(QUERY_NAMES)))
        def run(values):
            # run() is called below, in the iteration that defines it: it sees this route.
            query = dict(zip(QUERY_NAMES, values, strict=True))
            response = client.get(route.url, query)  # noqa: B023
            if response.status_code >= 500:
                errors.append(f"{response.status_code} GET {route.url} {query!r:.200}")  # noqa: B023

        run()
    assert not errors, "\n".join(errors[:40])

