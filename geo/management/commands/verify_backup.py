"""Restore a backup into a scratch database and compare it with its manifest."""

from pathlib import Path

from django.core.management.base import BaseCommand

from geo.management.commands.backup import _verified


class Command(BaseCommand):
    help = "Restore an archive written by `manage.py backup` into a scratch database and check it."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)

    def handle(self, archive, **options):
        self.stdout.write(_verified(archive))
