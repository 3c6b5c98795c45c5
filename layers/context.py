"""Load the basemap's context layer (the Siak river, fixtures/pekanbaru/context) idempotently."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from geo.loading.common import (
    FIXTURES,
    LoadResult,
    checksum,
    is_current,
    multipolygon,
    read_features,
    record,
)
from layers.models import ContextFeature

RIVER_FILE = FIXTURES / "context" / "siak_river.geojson"
LAYER = "context_river"


def load_river(path: Path = RIVER_FILE, force: bool = False) -> LoadResult:
    """Replace the river polygons with the file's; skipped when the file is unchanged."""
    sha = checksum([path])
    if not force and is_current(LAYER, sha):
        return LoadResult(LAYER, 0, 0, skipped=True)
    features = read_features(path)
    rows = [
        ContextFeature(
            kind="river",
            name=(feature.get("properties") or {}).get("name") or "",
            geom=multipolygon(feature, path, str(i)),
        )
        for i, feature in enumerate(features)
    ]
    with transaction.atomic():
        ContextFeature.objects.filter(kind="river").delete()
        ContextFeature.objects.bulk_create(rows)
        record(LAYER, str(path.relative_to(FIXTURES.parent.parent)), sha, len(rows))
    return LoadResult(LAYER, len(rows), 0)
