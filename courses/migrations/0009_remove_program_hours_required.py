"""The hours required leave the program: they are on the Experience outcomes of each
framework version now (competencies 0003 copied them there first)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("courses", "0008_assignment_history"),
        ("competencies", "0003_experience_outcome_hours_and_kind"),
    ]

    operations = [
        migrations.RemoveField(model_name="program", name="e1_hours_required"),
        migrations.RemoveField(model_name="program", name="e2_hours_required"),
    ]
