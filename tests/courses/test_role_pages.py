"""Role home pages: what each person sees, and a query count that does not grow."""

import pytest
from django.urls import reverse
from django.utils import timezone

from competencies import services as records
from consultation import services as hours
from factories.courses import CohortFactory, EnrolmentFactory, TrainerAssignmentFactory

pytestmark = pytest.mark.django_db


def test_trainee_sees_program_cohort_license_and_trainers(client, world):
    client.force_login(world.trainee_a)
    page = client.get(reverse("courses:trainee_home")).content.decode()
    assert world.cohort.program.name in page and world.cohort.name in page
    assert world.enrolment_a.license_number in page
    assert str(world.trainer_a) in page
    assert world.enrolment_b.license_number not in page


def test_trainee_home_names_each_trainer_once_and_whom_to_consult(client, world):
    """Two trainers, one holding two roles: each is named once, the consultant first, and
    the next step says to log sessions with them under My hours."""
    from courses.models import TrainerAssignment

    consultant = world.trainer_unassigned
    consultant.full_name = "Zoe Consultant"
    consultant.save()
    TrainerAssignmentFactory(trainer=consultant, trainee=world.trainee_a, cohort=world.cohort,
                             role=TrainerAssignment.Role.CONSULTANT)
    TrainerAssignmentFactory(trainer=consultant, trainee=world.trainee_a, cohort=world.cohort,
                             role=TrainerAssignment.Role.ASSESSOR)
    client.force_login(world.trainee_a)
    page = client.get(reverse("courses:trainee_home")).content.decode()
    assert f"Zoe Consultant (consultant, assessor), {world.trainer_a} (assessor)" in page
    assert page.count("Zoe Consultant") == 2  # the trainers list and the next step
    assert (f"Arrange consultation with Zoe Consultant or {world.trainer_a}, then log each session "
            f'under <a href="{reverse("consultation:my_hours")}">My hours</a>') in page


def test_trainer_sees_only_assigned_trainees(client, world):
    client.force_login(world.trainer_a)
    page = client.get(reverse("courses:trainer_home")).content.decode()
    assert str(world.trainee_a) in page and str(world.trainee_b) not in page
    client.force_login(world.trainer_unassigned)
    page = client.get(reverse("courses:trainer_home")).content.decode()
    assert "No trainees are assigned to you" in page


def test_trainee_b_and_unassigned_trainer_cannot_open_trainee_a(client, world):
    url = reverse("competencies:trainer_trainee", args=[world.enrolment_a.pk])
    client.force_login(world.trainer_unassigned)
    assert client.get(url).status_code == 404
    client.force_login(world.trainee_b)
    assert client.get(url).status_code == 403
    client.force_login(world.trainer_a)
    assert client.get(url).status_code == 200


def _grow(world, n):
    """Add n enrolled trainees, each assigned to trainer A in two roles, in a new cohort."""
    cohort = CohortFactory(program=world.cohort.program)
    for _ in range(n):
        enrolment = EnrolmentFactory(cohort=cohort, framework_version=world.enrolment_a.framework_version)
        for role in ("assessor", "consultant"):
            TrainerAssignmentFactory(trainer=world.trainer_a, trainee=enrolment.trainee, cohort=cohort, role=role)


@pytest.mark.parametrize("extra", [1, 25])
def test_trainer_home_query_count_is_fixed(client, world, django_assert_num_queries, extra):
    _grow(world, extra)
    client.force_login(world.trainer_a)
    client.get(reverse("courses:trainer_home"))  # warm the session
    # session, user, roles, MFA check, assignments, enrolments, and each trainee's
    # progress from the records' set form (competencies.selectors.outcome_records_for,
    # through courses.hooks): enrolments, outcomes, coursework, minutes, evidence,
    # decisions, open requests; the navigation's queue count (review requests,
    # consultation entries: config/context_processors.py)
    with django_assert_num_queries(18):
        response = client.get(reverse("courses:trainer_home"))
    page = response.content.decode()
    assert page.count("/trainer/trainees/") == extra + 1
    assert page.count("0 of 23</span>") == extra + 1


@pytest.mark.parametrize("cohorts", [1, 12])
def test_trainee_home_query_count_is_fixed(client, world, django_assert_num_queries, cohorts):
    for _ in range(cohorts):
        cohort = CohortFactory(program=world.cohort.program)
        EnrolmentFactory(trainee=world.trainee_a, cohort=cohort)
        TrainerAssignmentFactory(trainer=world.trainer_a, trainee=world.trainee_a, cohort=cohort)
    client.force_login(world.trainee_a)
    client.get(reverse("courses:trainee_home"))
    # session, user, roles, enrolments, assignments, program pages (the active
    # enrolments' progress is read from the enrolments already read; the site is
    # remembered since the first request, cms/sites.py)
    with django_assert_num_queries(6):
        response = client.get(reverse("courses:trainee_home"))
    assert response.content.decode().count("<section class=\"card\"") == cohorts + 1


@pytest.mark.parametrize("extra_courses", [0, 5])
def test_trainee_home_with_curriculum_runs_fixed_queries(client, world, curriculum, django_assert_num_queries, extra_courses):
    from cms.services import course_add
    from factories.cms import curriculum_data

    for spec in curriculum_data(courses=extra_courses, lessons=3)["courses"]:
        spec["slug"] += "-more"
        course_add(program_page=curriculum, spec=spec)
    client.force_login(world.trainee_a)
    client.get(reverse("courses:trainee_home"))
    # + site root paths, progress, passed checks (the curriculum tree and the site are
    # remembered since the first request)
    with django_assert_num_queries(8):
        response = client.get(reverse("courses:trainee_home"))
    assert f"0 of {6 + 3 * extra_courses} lessons" in response.content.decode()


def test_my_trainees_shows_each_trainees_outcomes_and_hours(client, world):
    world.cohort.program.competency_signoffs = 1
    world.cohort.program.save()
    records.evidence_add(actor=world.trainee_a, enrolment=world.enrolment_a, outcome_code="C1",
                                kind="written", text="A supervised session.")
    records.signoff_decide(trainer=world.trainer_a, enrolment=world.enrolment_a, outcome_code="C1",
                           decision="met", comment="", request=None)
    session = hours.session_log(actor=world.trainee_a, enrolment=world.enrolment_a, trainer=world.trainer_a,
                                date=timezone.localdate(), minutes=90, category="E1")
    hours.session_confirm(trainer=world.trainer_a, session=session, revision=session.revision)
    client.force_login(world.trainer_a)
    page = client.get(reverse("courses:trainer_home")).content.decode()
    assert '<progress class="d-block w-100" max="23" value="1"' in page and "1 of 23</span>" in page
    assert "E1: 1.5 of 10 h" in page and "E2: 0 of" in page
