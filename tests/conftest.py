"""Shared fixtures: one small world with a person in every role.

``world`` is the cast the access-policy table is written against: trainee A and B in
one cohort, A's assigned trainer, a trainer assigned to nobody, a program admin and a
curriculum editor. Trainers, the admin and the editor have an authenticator, as they must.
"""

from dataclasses import dataclass

import pytest

from factories.accounts import UserFactory, with_totp
from factories.courses import CohortFactory, EnrolmentFactory, TrainerAssignmentFactory


@dataclass
class World:
    cohort: object
    trainee_a: object
    trainee_b: object
    enrolment_a: object
    enrolment_b: object
    trainer_a: object
    trainer_unassigned: object
    admin: object
    editor: object

    def users(self) -> dict[str, object | None]:
        return {
            "anonymous": None,
            "trainee_a": self.trainee_a,
            "trainee_b": self.trainee_b,
            "trainer_a": self.trainer_a,
            "trainer_unassigned": self.trainer_unassigned,
            "program_admin": self.admin,
            "curriculum_editor": self.editor,
        }


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and failure counters live in the cache; no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db) -> World:
    from competencies.services import framework_load_bundled

    # Pinned to the bundled framework: its experience outcomes (E1, E2) are the
    # categories consultation hours are logged under.
    version = framework_load_bundled()
    cohort = CohortFactory(program__framework=version.framework)
    trainee_a = UserFactory(email="trainee.a@kapstone.test", roles=["Trainee"])
    trainee_b = UserFactory(email="trainee.b@kapstone.test", roles=["Trainee"])
    enrolment_a = EnrolmentFactory(trainee=trainee_a, cohort=cohort, framework_version=version)
    enrolment_b = EnrolmentFactory(trainee=trainee_b, cohort=cohort, framework_version=version)
    trainer_a = with_totp(UserFactory(email="trainer.a@kapstone.test", roles=["Trainer"]))
    trainer_unassigned = with_totp(UserFactory(email="trainer.x@kapstone.test", roles=["Trainer"]))
    TrainerAssignmentFactory(trainer=trainer_a, trainee=trainee_a, cohort=cohort)
    admin = with_totp(UserFactory(email="admin@kapstone.test", roles=["Program admin"]))
    editor = with_totp(UserFactory(email="editor@kapstone.test", roles=["Curriculum editor"]))
    return World(cohort, trainee_a, trainee_b, enrolment_a, enrolment_b, trainer_a,
                 trainer_unassigned, admin, editor)


@pytest.fixture
def curriculum(world):
    """The world's program with a framework and a published curriculum of 2 courses × 3
    lessons (K1, K2, K3; two lessons per course carry a knowledge check)."""
    from cms.services import curriculum_load
    from competencies.services import framework_load_bundled
    from factories.cms import curriculum_data, home_page

    version = framework_load_bundled()
    program = world.cohort.program
    program.framework = version.framework
    program.save()
    for enrolment in (world.enrolment_a, world.enrolment_b):
        enrolment.framework_version = version
        enrolment.save()
    home_page()
    return curriculum_load(data=curriculum_data(), program=program)


@pytest.fixture
def complete(world, curriculum):
    """Trainee A with every requirement met, through the services (1 h per E category)."""
    from cms.services import course_add
    from demo.completion import complete_enrolment
    from factories.cms import curriculum_data
    from tests.experience import set_experience_hours

    set_experience_hours(world.enrolment_a.framework_version_id, E1=1, E2=1)
    # Lessons align only to K1–K3 in the test curriculum; give K4–K9 a lesson each too.
    spec = curriculum_data(courses=1, lessons=6, codes=("K4", "K5", "K6", "K7", "K8", "K9"),
                           checks=False)["courses"][0]
    spec["slug"] = "more-knowledge"
    course_add(program_page=curriculum, spec=spec)
    world.enrolment_a.refresh_from_db()
    complete_enrolment(world.enrolment_a, trainers=[world.trainer_a], admin=world.admin,
                       session_minutes=60)
    from django.core.cache import cache

    cache.clear()
    return world


@pytest.fixture
def login(client):
    """``login(user)`` signs the test client in (or out, for None) and returns it."""

    def _login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return _login


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    report = getattr(config, "kapstone_access_report", None)
    if not report:
        return
    patterns, checked, roles_count, methods, outcomes = report
    write = terminalreporter.write_line
    terminalreporter.section("access policy: URL patterns × roles × methods")
    cells = {(policy, role, method) for policy, role, method, _ in outcomes}
    write(f"{patterns} URL patterns walked, {checked} resolved to a declared policy")
    write(f"{checked} patterns × {roles_count} roles × {len(methods)} methods "
          f"= {checked * roles_count * len(methods)} cells; {sum(outcomes.values())} requests "
          f"(Wagtail/Django admin: every role GETs, other methods one role per pattern); "
          f"{len(cells)} policy × role × method groups all exercised")
    roles = sorted({role for _, role, _, _ in outcomes})
    policies = sorted({policy for policy, _, _, _ in outcomes})
    write("requests per policy and role (all methods; /n! = failures):")
    write(f"{'policy':<16}" + "".join(f"{r[:12]:>14}" for r in roles))
    for policy in policies:
        row = []
        for role in roles:
            ok = sum(n for (p, r, _, v), n in outcomes.items() if (p, r, v) == (policy, role, "ok"))
            bad = sum(n for (p, r, _, v), n in outcomes.items() if (p, r, v) == (policy, role, "FAIL"))
            row.append(f"{ok}{'/' + str(bad) + '!' if bad else ''}".rjust(14))
        write(f"{policy:<16}" + "".join(row))
    write("requests per method: " + ", ".join(
        f"{method} {sum(n for (_, _, m, _), n in outcomes.items() if m == method)}" for method in methods
    ))
    write(f"{sum(outcomes.values())} requests checked")
