from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand
from django.db import transaction

from consultation.models import ConsultationSession
from jobs.services import sealed_payloads_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every consultation note, and every waiting sealed job payload (e-mails), "
        "under the first key in NOTES_ENCRYPTION_KEYS. "
        "To rotate: put a new key first (keep the old ones after it), run this, then drop the old keys."
    )

    def add_arguments(self, parser):
        parser.add_argument("--new-key", action="store_true", help="Print a fresh key and exit.")

    def handle(self, *args, new_key=False, **options):
        if new_key:
            self.stdout.write(Fernet.generate_key().decode())
            return
        count = 0
        ids = ConsultationSession.objects.exclude(notes="").values_list("pk", flat=True)
        for pk in ids.iterator():
            with transaction.atomic():
                session = ConsultationSession.objects.select_for_update().only("pk", "notes").get(pk=pk)
                # Reading decrypts with any listed key; writing encrypts with the first.
                ConsultationSession.objects.filter(pk=pk).update(notes=session.notes)
            count += 1
        self.stdout.write(f"Re-encrypted the notes of {count} session{'s' if count != 1 else ''}.")
        jobs = sealed_payloads_rotate()
        self.stdout.write(
            f"Re-encrypted the payloads of {jobs} waiting job{'s' if jobs != 1 else ''}."
        )
