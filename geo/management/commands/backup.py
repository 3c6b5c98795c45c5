"""Back the database up: a pg_dump archive and its manifest of row counts (config.backups)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from config import backups


class Command(BaseCommand):
    help = (
        "Write a pg_dump custom-format archive of the database and a manifest (row counts in the "
        "dump's own snapshot, SHA-256); --verify then restores it into a scratch database and "
        "compares."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, help="archive path (default var/backups/…dump)")
        parser.add_argument("--verify", action="store_true", help="restore it and compare")
        parser.add_argument(
            "--keep-days",
            type=int,
            help="then delete this command's archives (siaga112-*.dump) older than this many days "
            "from the same directory, never the newest",
        )

    def handle(self, out=None, verify=False, keep_days=None, **options):
        if keep_days is not None and keep_days < 1:
            raise CommandError("--keep-days must be at least 1")
        out = out or Path("var/backups") / f"siaga112-{timezone.now():%Y%m%dT%H%M%SZ}.dump"
        try:
            manifest = backups.dump(out)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(
            f"{out}: {manifest['bytes']:,} bytes, {len(manifest['row_counts'])} tables, "
            f"{rows:,} rows"
        )
        if verify:
            self.stdout.write(_verified(out))
        if keep_days is not None:
            for old in backups.prune(out.parent, keep_days, keep=out):
                self.stdout.write(f"deleted {old.name}")


def _verified(archive: Path) -> str:
    try:
        result = backups.verify(archive)
    except backups.BackupError as exc:
        raise CommandError(str(exc)) from None
    if not result.ok:
        lines = [
            f"  {t}: {want} in the manifest, {got} restored"
            for t, (want, got) in sorted(result.mismatches.items())
        ]
        raise CommandError("the restored copy differs:\n" + "\n".join(lines))
    return (
        f"verified: restored into a scratch database, {result.rows:,} rows in "
        f"{result.tables} tables match"
    )
