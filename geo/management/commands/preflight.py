from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection

from config.env import redact_url
from config.errors import db_reason
from geo.sql import REQUIRED_EXTENSIONS, engine_versions


class Command(BaseCommand):
    help = "Check that the database is reachable and has the extensions, before serving."

    def handle(self, **options):
        url = redact_url(settings.DATABASE_URL)
        try:
            with connection.cursor() as cursor:
                versions = engine_versions(cursor)
        except OperationalError as exc:
            raise CommandError(f"database unreachable at {url}: {db_reason(exc)}") from None
        missing = [name for name in REQUIRED_EXTENSIONS if not versions.get(name)]
        if missing:
            raise CommandError(
                f"database {url} lacks extensions: {', '.join(missing)} (run `make setup`)"
            )
        self.stdout.write(
            f"database ok: {url} (PostGIS {versions['postgis']}, pgRouting {versions['pgrouting']})"
        )
