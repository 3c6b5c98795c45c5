"""What reference data is loaded (for /healthz and the demo)."""

from __future__ import annotations

from geo.models import AdminArea, GazetteerEntry, Place, RoadSegment, Street


def reference_counts() -> dict[str, int]:
    return {
        "kota": AdminArea.objects.city().count(),
        "kecamatan": AdminArea.objects.kecamatan().count(),
        "kelurahan": AdminArea.objects.kelurahan().count(),
        "road_segments": RoadSegment.objects.count(),
        "streets": Street.objects.count(),
        "places": Place.objects.count(),
        "gazetteer": GazetteerEntry.objects.count(),
    }
