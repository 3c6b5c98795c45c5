from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

from geo.sql import REQUIRED_EXTENSIONS


class Command(BaseCommand):
    help = "Create the PostgreSQL extensions the project needs (postgis, pgrouting, pg_trgm)."

    def handle(self, **options):
        with connection.cursor() as cursor:
            for name in REQUIRED_EXTENSIONS:
                try:
                    # Identifiers cannot be bound; names come from the constant above only.
                    cursor.execute(f"CREATE EXTENSION IF NOT EXISTS {name}")
                except DatabaseError as exc:
                    raise CommandError(
                        f"cannot create extension {name}: {str(exc).strip().splitlines()[0]}"
                    ) from None
