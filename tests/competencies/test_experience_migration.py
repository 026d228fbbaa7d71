"""Migrating today's data: the hours required move from programs to the experience
outcomes of their framework versions, and consultation entries keep their codes."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from competencies.models import Outcome
from consultation.models import ConsultationKind, ConsultationSession

# serialized_rollback: like every transactional test here, so the flush after it does not
# re-create the roles (post_migrate) under the next test's restored copy of them.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [
    ("competencies", "0002_evidenceitem_signoffrequest_signoff_and_more"),
    ("courses", "0008_assignment_history"),
    ("consultation", "0002_hoursexport"),
]
AFTER = [
    ("competencies", "0003_experience_outcome_hours_and_kind"),
    ("courses", "0009_remove_program_hours_required"),
    ("consultation", "0003_session_category_is_outcome_code"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _today_shaped_data(apps) -> dict:
    """Two programs on one framework that disagree (12/8 h and 15/6 h), a third alone on
    another, entries under E1 and E2, a version nobody is enrolled on."""
    from factories.accounts import UserFactory  # accounts is not migrated back: today's model
    Framework = apps.get_model("competencies", "Framework")
    FrameworkVersion = apps.get_model("competencies", "FrameworkVersion")
    Outcome = apps.get_model("competencies", "Outcome")
    Program = apps.get_model("courses", "Program")
    Cohort = apps.get_model("courses", "Cohort")
    Enrolment = apps.get_model("courses", "Enrolment")
    Session = apps.get_model("consultation", "ConsultationSession")
    published = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)

    def framework(slug, numbers):
        f = Framework.objects.create(title=slug, slug=slug, uri=f"https://example.test/{slug}")
        versions = []
        for number in numbers:
            v = FrameworkVersion.objects.create(framework=f, number=number, published_at=published)
            for position, (code, category, rule) in enumerate(
                [("K1", "knowledge", "coursework"), ("E1", "experience", "hours"),
                 ("E2", "experience", "hours")]
            ):
                Outcome.objects.create(version=v, code=code, uri=f"{f.uri}/{number}/{code}", category=category,
                                       evidence_rule=rule, statement=f"{code} statement", position=position)
            versions.append(v)
        return f, versions

    common, (common_v1, common_v2) = framework("common", [1, 2])
    alone, (alone_v1,) = framework("alone", [1])
    _, (orphan_v1,) = framework("orphan", [1])
    program_a = Program.objects.create(name="A", slug="a", framework=common,
                                       e1_hours_required=Decimal(12), e2_hours_required=Decimal(8))
    program_b = Program.objects.create(name="B", slug="b", framework=common,
                                       e1_hours_required=Decimal(15), e2_hours_required=Decimal(6))
    program_c = Program.objects.create(name="C", slug="c", framework=alone,
                                       e1_hours_required=Decimal("7.5"), e2_hours_required=Decimal(3))
    trainer = UserFactory()
    sessions = []
    for n, (program, version) in enumerate([(program_a, common_v1), (program_b, common_v1),
                                            (program_c, alone_v1)]):
        cohort = Cohort.objects.create(program=program, name=f"Cohort {n}", starts_on=datetime.date(2026, 1, 1))
        trainee = UserFactory()
        enrolment = Enrolment.objects.create(
            trainee_id=trainee.pk, cohort=cohort, profession="therapist", license_type="LMFT",
            license_number=f"L{n}", license_jurisdiction="California",
            license_expires_on=datetime.date(2030, 1, 1), framework_version=version,
        )
        for category in ("E1", "E2"):
            sessions.append(Session.objects.create(
                enrolment=enrolment, trainer_id=trainer.pk, date=datetime.date(2026, 2, 1), minutes=60,
                category=category, logged_by_id=trainee.pk, status="confirmed",
            ).pk)
    # v2 of the common framework has no enrolments: both programs on it decide.
    return {"common_v1": common_v1.pk, "common_v2": common_v2.pk, "alone_v1": alone_v1.pk,
            "orphan_v1": orphan_v1.pk, "sessions": sessions, "program_b": program_b.pk}


def _experience(version_id) -> dict:
    return {o.code: (o.hours_required, o.consultation_kind)
            for o in Outcome.objects.filter(version_id=version_id, category="experience")}


def test_hours_move_to_the_versions_outcomes_and_entries_keep_their_codes():
    old_apps = _migrate(BEFORE)
    try:
        ids = _today_shaped_data(old_apps)
    finally:
        _migrate(AFTER)
        # On to the latest migrations, which later ones may add (courses 0010): the next
        # test's database has every table.
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    cases, own = ConsultationKind.CASES, ConsultationKind.OWN_EXPERIENCE
    # Programs A (12/8) and B (15/6) disagree on v1: the higher figure of each.
    assert _experience(ids["common_v1"]) == {"E1": (Decimal(15), cases), "E2": (Decimal(8), own)}
    assert _experience(ids["common_v2"]) == {"E1": (Decimal(15), cases), "E2": (Decimal(8), own)}
    assert _experience(ids["alone_v1"]) == {"E1": (Decimal("7.5"), cases), "E2": (Decimal(3), own)}
    # No program on the framework: the old default.
    assert _experience(ids["orphan_v1"]) == {"E1": (Decimal(10), cases), "E2": (Decimal(10), own)}
    knowledge = Outcome.objects.get(version_id=ids["common_v1"], code="K1")
    assert (knowledge.hours_required, knowledge.consultation_kind) == (None, "")
    sessions = ConsultationSession.objects.filter(pk__in=ids["sessions"]).order_by("pk")
    assert [(s.category, s.kind) for s in sessions] == [("E1", cases), ("E2", own)] * 3
    # The notes rule follows the kind: the trainer reads E1 notes, not unshared E2 notes.
    e1, e2 = sessions[0], sessions[1]
    assert e1.notes_readable_by(e1.trainer) and not e2.notes_readable_by(e2.trainer)
