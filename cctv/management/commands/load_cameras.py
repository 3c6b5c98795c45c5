from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cctv.loading import CAMERAS_FILE, CameraFileError, load_cameras


class Command(BaseCommand):
    help = "Load or update the CCTV cameras from a GeoJSON file (default: the Pekanbaru fixture)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", type=Path, default=CAMERAS_FILE)

    def handle(self, file, **options):
        try:
            created, updated = load_cameras(file)
        except CameraFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"==> cameras: {created} created, {updated} updated")
