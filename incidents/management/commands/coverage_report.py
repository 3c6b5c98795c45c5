import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from incidents.coverage import coverage
from incidents.models import Agency


class Command(BaseCommand):
    help = "Coverage of an agency within drive-time limits: a summary, and the full JSON to --out."

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True)
        parser.add_argument("--minutes", default="4,8")
        parser.add_argument("--out", type=Path, help="write the full report (GeoJSON isochrones)")

    def handle(self, agency, minutes, out, **options):
        if not Agency.objects.filter(code=agency).exists():
            raise CommandError(f"unknown agency {agency!r}")
        try:
            limits = sorted({int(m) for m in minutes.split(",")})
        except ValueError:
            raise CommandError("--minutes: comma-separated whole minutes, e.g. 4,8") from None
        report = coverage(agency, limits)
        self.stdout.write(f"{agency}: {len(report['stations'])} stations")
        for limit in report["limits"]:
            share = limit["incidents_share"]
            self.stdout.write(
                f"  {limit['minutes']:>2} min: {limit['kelurahan_area_share']:.1%} of kelurahan "
                f"area; incidents last year: "
                f"{'n/a' if share is None else f'{share:.1%}'} of {limit['incidents_last_year']}"
            )
        if out:
            out.write_text(json.dumps(report, ensure_ascii=False))
            self.stdout.write(f"written to {out}")
