from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from geo.loading import FixtureError
from geo.loading.gazetteer import rebuild_gazetteer
from geo.loading.osm import import_osm


class Command(BaseCommand):
    help = (
        "Replace roads and places from an OpenStreetMap extract (.osm.pbf or .osm). Data © "
        "OpenStreetMap contributors (ODbL 1.0). A bad file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, file, **options):
        try:
            with transaction.atomic():
                summaries = import_osm(file)
                entries = rebuild_gazetteer()
        except FixtureError as exc:
            raise CommandError(str(exc)) from None
        for line in summaries:
            self.stdout.write(f"==> {line}")
        self.stdout.write(f"==> gazetteer: {entries} names indexed")
