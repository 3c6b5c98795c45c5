from django.core.management.base import BaseCommand, CommandError

from geo.loaders import FixtureError, load_admin_areas


class Command(BaseCommand):
    help = "Load the Pekanbaru reference data from fixtures/pekanbaru (idempotent)."

    def handle(self, **options):
        try:
            results = [load_admin_areas()]
        except FixtureError as exc:
            raise CommandError(str(exc)) from None
        for result in results:
            self.stdout.write(f"==> {result}")
