"""``manage.py audit_verify``: walk the audit trail's hash chain from the first event.

Prints ``OK`` with the number of events and the head hash, or names the first event
where the chain breaks and exits with status 1.
"""

from django.core.management.base import BaseCommand, CommandError

from audit import chain
from audit.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; exit 1 at the first broken event."

    def handle(self, *args, **options):
        verdict = chain.verify(chain.chain_rows(AuditEvent.objects.all()))
        if verdict.broken is not None:
            raise CommandError(
                f"Audit trail BROKEN at {verdict.broken} "
                f"({verdict.checked - 1} events before it verified)."
            )
        self.stdout.write(f"OK: {verdict.checked} events verified; head {verdict.head}")
