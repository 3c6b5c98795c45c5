from django.core.management.base import BaseCommand

from incidents.fleet import load_fleet


class Command(BaseCommand):
    help = "Create the demo fleet: stations from the places layer and plausible units at them."

    def handle(self, **options):
        stations, units = load_fleet()
        self.stdout.write(f"==> fleet: {stations} stations, {units} units (demo assumptions)")
