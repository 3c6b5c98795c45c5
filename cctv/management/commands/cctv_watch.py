import time
from datetime import timedelta

from django.core.management.base import BaseCommand

from cctv.services import mark_silent_offline


class Command(BaseCommand):
    help = "Mark cameras offline when their last heartbeat is older than --limit seconds."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=120, help="seconds without heartbeat")
        parser.add_argument("--interval", type=float, default=15, help="seconds between checks")
        parser.add_argument("--once", action="store_true", help="check once and exit")

    def handle(self, limit, interval, once, **options):
        if limit <= 0 or interval <= 0:
            self.stderr.write("--limit and --interval must be positive")
            raise SystemExit(2)
        while True:
            for code in mark_silent_offline(timedelta(seconds=limit)):
                self.stdout.write(f"offline: {code} (no heartbeat for {limit} s)")
            if once:
                return
            time.sleep(interval)
