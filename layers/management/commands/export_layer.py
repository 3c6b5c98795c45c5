from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from incidents.choices import Category
from layers.exports import EXPORTABLE, FORMATS, write
from layers.window import Window, parse_moment


class Command(BaseCommand):
    help = (
        "Export an analytic layer (kelurahan-stats, kde-contours, incidents) to GeoPackage, "
        "GeoJSON or CSV. Incidents are the analytic ones (no prank, cancelled, merged) without "
        "any caller data."
    )

    def add_arguments(self, parser):
        parser.add_argument("layer", choices=sorted(EXPORTABLE))
        parser.add_argument("--format", choices=sorted(FORMATS), required=True)
        parser.add_argument("--out", required=True, help="file to write")
        parser.add_argument("--since", help="ISO date or date-time (WIB when no zone)")
        parser.add_argument("--until", help="ISO date (inclusive day) or date-time (exclusive)")
        parser.add_argument("--category", choices=Category.values)
        parser.add_argument("--bandwidth-m", type=float, help="KDE bandwidth for kde-contours")

    def handle(self, *args, **options):
        window = window_from_options(options)
        layer = options["layer"]
        try:
            frame = EXPORTABLE[layer](window, {"bandwidth_m": options.get("bandwidth_m")})
        except ValueError as exc:  # e.g. a bandwidth out of range
            raise CommandError(str(exc)) from exc
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"--out: folder {out.parent} does not exist")
        write(frame, options["format"], out, layer)
        self.stdout.write(f"{layer}: {len(frame)} features → {out}")


def window_from_options(options: dict) -> Window:
    try:
        since = parse_moment(options["since"]) if options.get("since") else None
    except ValueError as exc:
        raise CommandError(f"--since: {exc}") from exc
    try:
        until = parse_moment(options["until"], end_of_day=True) if options.get("until") else None
    except ValueError as exc:
        raise CommandError(f"--until: {exc}") from exc
    if since and until and since >= until:
        raise CommandError("--since must be before --until")
    return Window(since, until, options.get("category"))
