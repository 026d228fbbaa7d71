from django.db import migrations

# The e-mail job moved from accounts to the notifications app (issue 18): jobs still
# waiting, or failed and kept for an admin's retry, follow it. Its payload stays sealed.
_OLD, _NEW = "accounts.tasks.send_email", "notifications.tasks.send_email"


def forwards(apps, schema_editor):
    apps.get_model("jobs", "Job").objects.filter(name=_OLD).update(name=_NEW)


def backwards(apps, schema_editor):
    apps.get_model("jobs", "Job").objects.filter(name=_NEW).update(name=_OLD)


class Migration(migrations.Migration):

    dependencies = [
        ("jobs", "0002_sealed_payloads"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
