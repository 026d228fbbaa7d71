from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certificates.keys import generate_key_file


class Command(BaseCommand):
    help = "Make a new Ed25519 key file for signing credentials (mode 0600)."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="Where to write the key file.")
        parser.add_argument("--force", action="store_true", help="Replace an existing key file.")

    def handle(self, *args, output, force, **options):
        path = Path(output)
        if path.exists() and not force:
            raise CommandError(
                f"{path} already exists. Credentials signed with it would stop verifying if it "
                "were replaced; pass --force only if that is what you want."
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        key = generate_key_file(path, force=force)
        self.stdout.write(f"Wrote {path}")
        self.stdout.write(f"Public key (Multikey): {key.public_multikey}")
        self.stdout.write(f"Issuer DID: {key.did}")
        self.stdout.write(f"Point CREDENTIAL_SIGNING_KEY_FILE at {path.resolve()}.")
