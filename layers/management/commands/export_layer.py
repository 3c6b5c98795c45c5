from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rest_framework.exceptions import ValidationError

from incidents.choices import Category
from layers.exports import EXPORTABLE, FORMATS, write
from layers.selection import Selection, SelectionQuery


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
        selection = selection_from_options(options)
        layer = options["layer"]
        try:
            frame = EXPORTABLE[layer](selection, {"bandwidth_m": options.get("bandwidth_m")})
        except ValueError as exc:  # e.g. a bandwidth out of range
            raise CommandError(str(exc)) from exc
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"--out: folder {out.parent} does not exist")
        write(frame, options["format"], out, layer)
        self.stdout.write(f"{layer}: {len(frame)} features → {out}")


def selection_from_options(options: dict) -> Selection:
    """``--since``, ``--until``, ``--category`` read by the layer endpoints' own parser: the same
    rules and the same messages, naming the option."""
    params = {k: options[k] for k in ("since", "until", "category") if options.get(k)}
    try:
        return Selection.parse(params, SelectionQuery)
    except ValidationError as exc:
        field, messages = next(iter(exc.detail.items()))
        raise CommandError(f"--{field}: {messages[0]}") from None
