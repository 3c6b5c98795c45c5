"""manage.py synth_incidents --years 2 --seed 7 [--count N] [--clear] [--clusters FILE]"""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError

from layers.selection import parse_moment


class Command(BaseCommand):
    help = (
        "Write a seeded synthetic incident history (roads, seasons, rush hours, pranks, merged "
        "duplicates and a few planted clusters) through a bulk COPY. Synthetic rows belong to "
        "the inactive user 'synthetic-history'; --clear removes earlier ones first, --remove "
        "only removes them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", type=float, default=2.0)
        parser.add_argument("--seed", type=int, default=112)
        parser.add_argument(
            "--count", type=int, default=None, help="incidents in all (default: 60 a day)"
        )
        parser.add_argument(
            "--end",
            default=None,
            help="when the history ends (now): ISO date (that WIB day inclusive) or date-time "
            "(WIB when no zone), as --until of the layers",
        )
        parser.add_argument("--clear", action="store_true", help="remove earlier synthetic rows")
        parser.add_argument("--remove", action="store_true", help="only remove synthetic rows")
        parser.add_argument("--clusters", default=None, help="write the planted clusters (JSON)")

    def handle(self, **options):
        from layers import cache, synth, synth_write

        if options["remove"] or options["clear"]:
            removed = synth_write.remove()
            self.stdout.write(f"removed {removed} synthetic incidents")
            cache.bump()
            if options["remove"]:
                return
        if options["years"] <= 0 or options["years"] > 20:
            raise CommandError("--years must be between 0 and 20")
        if options["count"] is not None and not 0 < options["count"] <= 20_000_000:
            raise CommandError("--count must be between 1 and 20,000,000")
        end = None
        if options["end"]:
            try:
                end = parse_moment(options["end"], end_of_day=True)
            except ValueError as exc:
                raise CommandError(f"--end: {exc}") from None
        started = time.perf_counter()
        try:
            exposure = synth.Exposure.from_database()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        history = synth.generate(
            exposure, options["seed"], options["years"], options["count"], end=end
        )
        generated = time.perf_counter()
        written = synth_write.write(history, exposure, options["seed"])
        cache.bump()
        done = time.perf_counter()
        clusters = [c.as_json() for c in history.clusters]
        if options["clusters"]:
            with open(options["clusters"], "w", encoding="utf-8") as fh:
                json.dump(clusters, fh, indent=1)
        self.stdout.write(
            f"wrote {written} synthetic incidents (generated in {generated - started:.1f} s, "
            f"written in {done - generated:.1f} s)"
        )
        for c in clusters:
            self.stdout.write(
                f"  planted {c['name']}: {c['count']} x {c['type_code']} at "
                f"{c['lat']:.5f},{c['lon']:.5f} r={c['radius_m']:.0f} m "
                f"{c['start'][:10]}..{c['end'][:10]}"
            )
