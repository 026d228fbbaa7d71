"""Experience requirements move from the program to the framework version.

Until now a Program said how many hours E1 and E2 need (``e1_hours_required``,
``e2_hours_required``) and the code said E1 is case consultation and E2 own-experience
consultation. Now each Experience outcome of a version carries its hours and its kind.

Carrying today's data over, for each framework version:

* the programs that decide are those with enrolments pinned to that version (through
  their cohorts); a version no one is enrolled on takes every program on its framework;
* outcome E1 takes the programs' E1 hours and is about cases the trainee conducted;
  any other Experience outcome (today: E2) takes the E2 hours and is about the trainee's
  own experience — the code only ever knew the two, and read a third as E2-like;
* if those programs disagree, the outcome takes the **highest** figure: no trainee can
  become eligible with fewer hours than their program asked for. Trainees of the program
  that asked for less now need more; certificates already issued are untouched;
* if no program is on the framework, the old default of 10 hours applies.

Published versions are otherwise immutable; this is the one-time move of data that
belonged to them. Backwards restores the fields' values on programs (each program takes
the hours of its framework's newest version's E1 and first other Experience outcome).
"""

from decimal import Decimal

from django.db import migrations, models
from django.db.models import Q

DEFAULT_HOURS = Decimal(10)


def _programs_for(version, Program, Enrolment):
    pinned = Enrolment.objects.filter(framework_version=version).values("cohort__program_id")
    programs = list(Program.objects.filter(pk__in=pinned))
    return programs or list(Program.objects.filter(framework_id=version.framework_id))


def hours_to_outcomes(apps, schema_editor):
    FrameworkVersion = apps.get_model("competencies", "FrameworkVersion")
    Outcome = apps.get_model("competencies", "Outcome")
    Program = apps.get_model("courses", "Program")
    Enrolment = apps.get_model("courses", "Enrolment")
    for version in FrameworkVersion.objects.all():
        programs = _programs_for(version, Program, Enrolment)
        e1 = max((p.e1_hours_required for p in programs), default=DEFAULT_HOURS)
        e2 = max((p.e2_hours_required for p in programs), default=DEFAULT_HOURS)
        experience = Outcome.objects.filter(version=version, category="experience")
        experience.filter(code="E1").update(hours_required=e1, consultation_kind="cases")
        experience.exclude(code="E1").update(hours_required=e2, consultation_kind="own_experience")


def hours_to_programs(apps, schema_editor):
    FrameworkVersion = apps.get_model("competencies", "FrameworkVersion")
    Outcome = apps.get_model("competencies", "Outcome")
    Program = apps.get_model("courses", "Program")
    for program in Program.objects.exclude(framework=None):
        version = FrameworkVersion.objects.filter(framework_id=program.framework_id).order_by("-number").first()
        experience = Outcome.objects.filter(version=version, category="experience").order_by("position")
        cases = experience.filter(consultation_kind="cases").first()
        own = experience.exclude(consultation_kind="cases").first()
        program.e1_hours_required = cases.hours_required if cases else DEFAULT_HOURS
        program.e2_hours_required = own.hours_required if own else DEFAULT_HOURS
        program.save(update_fields=["e1_hours_required", "e2_hours_required"])


class Migration(migrations.Migration):

    dependencies = [
        ("competencies", "0002_evidenceitem_signoffrequest_signoff_and_more"),
        ("courses", "0008_assignment_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="outcome",
            name="hours_required",
            field=models.DecimalField(
                blank=True, decimal_places=1, max_digits=5, null=True,
                help_text="Experience outcomes: confirmed consultation hours that meet the outcome.",
                verbose_name="consultation hours required",
            ),
        ),
        migrations.AddField(
            model_name="outcome",
            name="consultation_kind",
            field=models.CharField(
                blank=True,
                choices=[("cases", "About cases the trainee conducted"),
                         ("own_experience", "About the trainee's own experience")],
                help_text="Experience outcomes: what the consultation is about.",
                max_length=16,
            ),
        ),
        migrations.RunPython(hours_to_outcomes, hours_to_programs),
        migrations.AddConstraint(
            model_name="outcome",
            constraint=models.CheckConstraint(
                condition=(Q(category="experience", hours_required__gt=0) & ~Q(consultation_kind=""))
                | (~Q(category="experience") & Q(hours_required__isnull=True) & Q(consultation_kind="")),
                name="experience_outcomes_say_hours_and_kind",
                violation_error_message="An Experience outcome needs the hours required (more than "
                                        "0) and the kind of consultation; other outcomes have neither.",
            ),
        ),
    ]
