"""Places (landmarks and POIs) from a GeoJSON FeatureCollection of points.

Properties: uid, name, kind, aliases (list), agency, source, licence, position, note. The layer is
replaced whole (upsert by uid, the rest removed) in one transaction; a bad feature changes
nothing and the error names it.
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from geo.choices import PlaceKind, PositionQuality
from geo.loading.common import (
    FIXTURES,
    FixtureError,
    LoadResult,
    checksum,
    geometry,
    is_current,
    read_features,
    record,
)
from geo.models import Place

PLACES_FILE = FIXTURES / "poi" / "places.geojson"


def place_values(feature: dict, path: Path, index: int) -> dict:
    """Validated field values of one feature (raises FixtureError naming the feature)."""
    props = feature.get("properties") if isinstance(feature, dict) else None
    if not isinstance(props, dict):
        raise FixtureError(f"{path}: feature #{index}: no properties")
    uid = str(props.get("uid") or "").strip()
    label = uid or f"#{index}"
    name = str(props.get("name") or "").strip()
    if not uid or not name:
        raise FixtureError(f"{path}: feature {label}: uid and name are required")
    kind = props.get("kind")
    if kind not in PlaceKind.values:
        raise FixtureError(f"{path}: feature {label}: unknown kind {kind!r}")
    position = props.get("position") or PositionQuality.APPROXIMATE
    if position not in PositionQuality.values:
        raise FixtureError(f"{path}: feature {label}: unknown position {position!r}")
    aliases = props.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise FixtureError(f"{path}: feature {label}: aliases must be a list of strings")
    point = geometry(feature, path, label)
    if point.geom_type != "Point":
        raise FixtureError(f"{path}: feature {label}: expected a Point, got {point.geom_type}")
    if not (-180 <= point.x <= 180 and -90 <= point.y <= 90):
        raise FixtureError(f"{path}: feature {label}: coordinates out of range")
    return {
        "uid": uid[:80],
        "name": name[:200],
        "kind": kind,
        "aliases": [a.strip()[:200] for a in aliases if a.strip()],
        "agency": str(props.get("agency") or "")[:20],
        "point": point,
        "position": position,
        "source": str(props.get("source") or "")[:200],
        "licence": str(props.get("licence") or "")[:40],
        "note": str(props.get("note") or ""),
    }


@transaction.atomic
def load_places(path: Path = PLACES_FILE, force: bool = False) -> LoadResult:
    sha = checksum([path])
    if not force and is_current("places", sha):
        return LoadResult("places", 0, 0, skipped=True)
    rows = [place_values(f, path, i) for i, f in enumerate(read_features(path))]
    uids = [row["uid"] for row in rows]
    if len(set(uids)) != len(uids):
        raise FixtureError(f"{path}: duplicate uid values")
    existing = set(Place.objects.filter(uid__in=uids).values_list("uid", flat=True))
    Place.objects.exclude(uid__in=uids).delete()
    for row in rows:
        Place.objects.update_or_create(uid=row["uid"], defaults=row)
    record("places", str(path), sha, len(rows))
    return LoadResult("places", created=len(set(uids) - existing), updated=len(existing))
