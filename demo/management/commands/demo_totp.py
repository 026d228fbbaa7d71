from django.core.management.base import BaseCommand, CommandError

from accounts.mfa import totp_code
from accounts.models import User


class Command(BaseCommand):
    help = "Print the current TOTP code of an account (for the demo and browser tests)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        user = User.objects.filter(email=email.lower()).first()
        code = totp_code(user=user) if user is not None else None
        if code is None:
            raise CommandError(f"{email} has no authenticator app set up.")
        self.stdout.write(code)
