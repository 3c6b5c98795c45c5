import time

from django.core.management.base import BaseCommand, CommandError

from geo.loading import FixtureError
from geo.loading.admin import load_admin_areas
from geo.loading.gazetteer import gazetteer_is_current, rebuild_gazetteer
from geo.loading.places import PLACES_FILE, load_places
from geo.loading.roads import ROADS_FILE, load_roads


class Command(BaseCommand):
    help = (
        "Load the Pekanbaru reference data from fixtures/pekanbaru (idempotent: unchanged "
        "layers are skipped) and rebuild the geocoder's index."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="reload unchanged layers too")

    def handle(self, force, **options):
        started = time.monotonic()
        try:
            results = [load_admin_areas(force=force)]
            if ROADS_FILE.exists():
                results.append(load_roads(force=force))
            if PLACES_FILE.exists():
                results.append(load_places(force=force))
            changed = any(not r.skipped for r in results)
            if changed or not gazetteer_is_current():
                entries = rebuild_gazetteer()
                self.stdout.write(f"==> gazetteer: {entries} names indexed")
        except FixtureError as exc:
            raise CommandError(str(exc)) from None
        for result in results:
            self.stdout.write(f"==> {result}")
        self.stdout.write(f"==> reference data ready in {time.monotonic() - started:.1f} s")
