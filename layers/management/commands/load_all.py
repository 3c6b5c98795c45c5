from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Load every reference layer of the demo in one process: Pekanbaru geography and the "
        "geocoder index (geo), the 35 cameras (cctv), the demo fleet and the AVL partitions "
        "(incidents)."
    )

    def handle(self, **options):
        call_command("load_pekanbaru", stdout=self.stdout)
        call_command("load_context", stdout=self.stdout)
        call_command("load_cameras", stdout=self.stdout)
        call_command("load_fleet", stdout=self.stdout)
        call_command("avl_partitions", stdout=self.stdout)
