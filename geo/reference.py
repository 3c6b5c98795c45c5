"""What reference data is loaded (for /healthz and the demo)."""

from __future__ import annotations

from geo.models import AdminArea


def reference_counts() -> dict[str, int]:
    return {
        "kota": AdminArea.objects.filter(level="kota").count(),
        "kecamatan": AdminArea.objects.kecamatan().count(),
        "kelurahan": AdminArea.objects.kelurahan().count(),
    }
