import datetime

import factory
from django.utils import timezone

from courses.models import Cohort, Enrolment, Program, TrainerAssignment
from factories.accounts import UserFactory


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Certificate program {n}")
    slug = factory.Sequence(lambda n: f"program-{n}")
    summary = "A postgraduate certificate."
    ce_hours = 150


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Cohort {n}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=60))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=300))


class EnrolmentFactory(factory.django.DjangoModelFactory):
    """An enrolment row only; use ``courses.services.enrolment_create`` to test the
    workflow (role grant, audit)."""

    class Meta:
        model = Enrolment

    trainee = factory.SubFactory(UserFactory, roles=["Trainee"])
    cohort = factory.SubFactory(CohortFactory)
    profession = Enrolment.Profession.THERAPIST
    license_type = "LMFT"
    license_number = factory.Sequence(lambda n: f"LMFT-{100000 + n}")
    license_jurisdiction = "California"
    license_expires_on = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=400)
    )
    enrolled_on = factory.LazyAttribute(lambda o: o.cohort.starts_on)


class TrainerAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainerAssignment

    trainer = factory.SubFactory(UserFactory, roles=["Trainer"])
    trainee = factory.SubFactory(UserFactory, roles=["Trainee"])
    cohort = factory.SubFactory(CohortFactory)
    role = TrainerAssignment.Role.ASSESSOR
    starts_on = factory.LazyAttribute(lambda o: o.cohort.starts_on)
