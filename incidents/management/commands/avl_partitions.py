"""Create the monthly partitions of the AVL history ahead of time (run by `make setup`; run it
monthly from cron in production). Rows that arrived before their month's partition existed sit
in the default partition; the command reports a month it cannot create for that reason."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from psycopg import sql


def _months(start: date, count: int) -> list[tuple[date, date]]:
    out = []
    year, month = start.year, start.month
    for _ in range(count):
        first = date(year, month, 1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        out.append((first, date(year, month, 1)))
    return out


class Command(BaseCommand):
    help = "Create monthly partitions of incidents_unitposition from this month on."

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=3, help="how many months ahead")

    def handle(self, months, **options):
        if not 1 <= months <= 36:
            raise CommandError("--months must be between 1 and 36")
        today = timezone.now().date()  # UTC, as the partition bounds are read by the database
        created = []
        for first, after in _months(date(today.year, today.month, 1), months):
            name = f"incidents_unitposition_{first:%Y%m}"
            statement = sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} PARTITION OF incidents_unitposition "
                "FOR VALUES FROM ({}) TO ({})"
            ).format(
                sql.Identifier(name), sql.Literal(first.isoformat()), sql.Literal(after.isoformat())
            )
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(statement.as_string(connection.connection))
            except DatabaseError as exc:
                raise CommandError(
                    f"{name}: {str(exc).strip().splitlines()[0]} (fixes of that month are in the "
                    "default partition: detach it, create the month, move them back)"
                ) from None
            created.append(name)
        self.stdout.write(f"==> AVL partitions ready: {', '.join(created)}")
