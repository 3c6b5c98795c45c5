"""Erase callers' numbers past the retention period (run daily from cron or a systemd timer)."""

from django.core.management.base import BaseCommand, CommandError

from incidents import retention


class Command(BaseCommand):
    help = (
        "Erase the caller numbers of calls older than CALLER_NUMBER_RETENTION_DAYS (or --days); "
        "the calls and incidents stay. One audit entry per run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="keep numbers this many days (at least 30)")
        parser.add_argument("--dry-run", action="store_true", help="count only, erase nothing")

    def handle(self, days=None, dry_run=False, **options):
        try:
            before, count = retention.erase_caller_numbers(days, dry_run=dry_run)
        except retention.RetentionTooShort as exc:
            raise CommandError(str(exc)) from None
        verb = "would erase" if dry_run else "erased"
        self.stdout.write(
            f"{verb} {count} caller numbers of calls received before {before:%Y-%m-%d %H:%M} UTC"
        )
