"""Re-sign every stored credential and status list that fails today's checks.

Run it once after deploying a release that tightens the checks (see the README). It is
idempotent: a second run finds nothing to mend and sends no e-mail.
"""

from django.core.management.base import BaseCommand

from certificates import services
from certificates.models import Certificate, StatusList


class Command(BaseCommand):
    help = ("Re-sign stored credentials (and status lists) that fail JSON-LD safe mode, the "
            "second-processor check, the OB 3.0 schema or their signature; tell live holders.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="Only list what would be re-signed, and why.")

    def handle(self, *args, dry_run, **options):
        mended = sound = 0
        for certificate_id, serial, credential in (
            Certificate.objects.order_by("pk").values_list("pk", "serial", "credential").iterator()
        ):
            if dry_run:
                problems = services.credential_problems_stored(credential)
            else:
                problems = services.certificate_credential_mend(certificate_id=certificate_id)
            if problems:
                mended += 1
                verb = "would re-sign" if dry_run else "re-signed"
                self.stdout.write(f"{serial}: {verb} — {problems[0]}")
            else:
                sound += 1
        lists = 0
        for status_list_id, signed in StatusList.objects.order_by("pk").values_list("pk", "signed"):
            if dry_run:
                problems = services.credential_problems_stored(signed) if signed else []
            else:
                problems = services.status_list_mend(status_list_id=status_list_id)
            if problems:
                lists += 1
                verb = "would re-sign" if dry_run else "re-signed"
                self.stdout.write(f"Status list {status_list_id}: {verb} — {problems[0]}")
        verb = "to re-sign" if dry_run else "re-signed"
        self.stdout.write(self.style.SUCCESS(
            f"Credentials: {mended} {verb}, {sound} already sound. Status lists: {lists} {verb}."))
