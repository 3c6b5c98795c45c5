from django.core.management.base import BaseCommand

from layers.context import load_river


class Command(BaseCommand):
    help = "Load the basemap's context layer (the Siak river) from fixtures/pekanbaru/context."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="reload even if unchanged")

    def handle(self, **options):
        self.stdout.write(str(load_river(force=options["force"])))
