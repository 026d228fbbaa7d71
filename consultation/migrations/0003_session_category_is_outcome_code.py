"""An entry's category is the code of an experience outcome of its enrolment's framework
version (no longer a fixed E1/E2 choice), so the column widens to the outcome code's
length. Entries keep their codes. Each entry also records the kind of consultation its
outcome names; today's entries are E1 (case consultation: about cases the trainee
conducted) or E2 (about the trainee's own experience), the same split the outcomes
themselves get in competencies 0003.
"""

from django.db import migrations, models


def kinds_from_codes(apps, schema_editor):
    ConsultationSession = apps.get_model("consultation", "ConsultationSession")
    ConsultationSession.objects.filter(category="E1").update(kind="cases")
    ConsultationSession.objects.exclude(category="E1").update(kind="own_experience")


class Migration(migrations.Migration):

    dependencies = [
        ("consultation", "0002_hoursexport"),
    ]

    operations = [
        migrations.AlterField(
            model_name="consultationsession",
            name="category",
            field=models.CharField(
                help_text="The code of the experience outcome of the enrolment's framework version "
                          "these minutes count towards, e.g. E1.",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="consultationsession",
            name="kind",
            field=models.CharField(
                choices=[("cases", "About cases the trainee conducted"),
                         ("own_experience", "About the trainee's own experience")],
                default="own_experience",
                help_text="The outcome's kind when the session was logged (published versions do not change).",
                max_length=16,
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="consultationsession",
            name="share_notes_with_trainer",
            field=models.BooleanField(
                default=False,
                help_text="Notes on own-experience consultation are private unless you share them "
                          "with the trainer.",
            ),
        ),
        migrations.RunPython(kinds_from_codes, migrations.RunPython.noop),
    ]
