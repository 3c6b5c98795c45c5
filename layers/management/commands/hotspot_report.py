from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from incidents.choices import Category
from layers.kde import BANDWIDTH_RANGE_M
from layers.management.commands.export_layer import selection_from_options
from layers.report import write_report


class Command(BaseCommand):
    help = (
        "Write the planner's hotspot report: one standalone HTML file (opens offline) with an "
        "interactive deck.gl map, a static PNG map, plots by hour and month, and tables per "
        "kelurahan."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", help="ISO date or date-time (WIB when no zone)")
        parser.add_argument("--until", help="ISO date (inclusive day) or date-time (exclusive)")
        parser.add_argument("--category", choices=Category.values)
        parser.add_argument("--bandwidth-m", type=float, default=300.0, help="KDE bandwidth")
        parser.add_argument("--out", required=True, help="HTML file to write")

    def handle(self, *args, **options):
        selection = selection_from_options(options)
        low, high = BANDWIDTH_RANGE_M
        if not low <= options["bandwidth_m"] <= high:
            raise CommandError(f"--bandwidth-m must be between {low:g} and {high:g}")
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"--out: folder {out.parent} does not exist")
        size = write_report(selection, out, bandwidth_m=options["bandwidth_m"])
        self.stdout.write(f"report written: {out} ({size / 1e6:.1f} MB)")
