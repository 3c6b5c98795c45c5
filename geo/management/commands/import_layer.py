from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from geo.loading import FixtureError
from geo.loading.gazetteer import rebuild_gazetteer
from geo.loading.imports import KINDS, import_layer


class Command(BaseCommand):
    help = (
        "Replace one reference layer (kelurahan, kecamatan, kota, roads, places) from a GeoJSON, "
        "GeoPackage or Shapefile. A bad file gives a clear error and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file", type=Path)

    def handle(self, kind, file, **options):
        try:
            with transaction.atomic():
                summary = import_layer(kind, file)
                entries = rebuild_gazetteer()
        except FixtureError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"==> {summary}; gazetteer: {entries} names indexed")
