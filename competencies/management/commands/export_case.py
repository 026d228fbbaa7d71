from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from competencies.interchange import case_package_dumps
from competencies.models import FrameworkVersion


class Command(BaseCommand):
    help = "Write one framework version as a CASE 1.0 CFPackage (JSON) to stdout or a file."

    def add_arguments(self, parser):
        parser.add_argument(
            "framework", help="The framework's slug, e.g. kap-certificate-outcomes."
        )
        parser.add_argument("version", type=int, help="The version number, e.g. 1.")
        parser.add_argument("-o", "--output", help="Write to this file instead of stdout.")

    def handle(self, *, framework: str, version: int, output: str | None, **options):
        found = (
            FrameworkVersion.objects.select_related("framework")
            .filter(framework__slug=framework, number=version)
            .first()
        )
        if found is None:
            numbers = list(
                FrameworkVersion.objects.filter(framework__slug=framework)
                .order_by("number").values_list("number", flat=True)
            )
            known = (
                f"it has versions {', '.join(map(str, numbers))}" if numbers
                else "no such framework"
            )
            raise CommandError(f"No version {version} of “{framework}” ({known}).")
        text = case_package_dumps(version=found)
        if output:
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error.strerror or error}.") from error
            self.stdout.write(f"Wrote {found} ({found.outcomes.count()} items) to {output}.")
        else:
            self.stdout.write(text, ending="")
