"""The geocoder's search index, rebuilt from streets, places and admin areas.

Keys are computed in Python with the same normaliser the queries go through
(geo/geocoding/normalize.py); representative points and uncertainties in SQL.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection, transaction

from geo.choices import PlaceKind, PositionQuality
from geo.geocoding import normalize
from geo.geocoding.normalize import compact, name_key
from geo.loading.common import is_current, record
from geo.models import GazetteerEntry, StreetPart

# The keys depend on the normaliser: the index is rebuilt when its source changes.
LAYER = "gazetteer"

STREET_WEIGHT = {
    "arteri": 1.0,
    "kolektor": 0.97,
    "lokal": 0.94,
    "lingkungan": 0.9,
    "perumahan": 0.86,
    "gang": 0.82,
}
PLACE_WEIGHT = {
    PlaceKind.HOSPITAL: 1.0,
    PlaceKind.MALL: 1.0,
    PlaceKind.AIRPORT: 1.0,
    PlaceKind.MARKET: 0.98,
    PlaceKind.MOSQUE: 0.97,
    PlaceKind.UNIVERSITY: 0.97,
    PlaceKind.LANDMARK: 0.97,
    PlaceKind.GOVERNMENT_OFFICE: 0.96,
    PlaceKind.FIRE_STATION: 0.96,
    PlaceKind.POLICE: 0.96,
    PlaceKind.PUSKESMAS: 0.95,
    PlaceKind.KANTOR_LURAH: 0.94,
    PlaceKind.SCHOOL: 0.93,
    PlaceKind.CLINIC: 0.9,
    PlaceKind.BUS_STOP: 0.9,
    PlaceKind.PHARMACY: 0.85,
}
# How far the caller may be from a place's recorded point, by how that point was obtained.
PLACE_UNCERTAINTY_M = {
    PositionQuality.SURVEYED: 30.0,
    PositionQuality.OSM: 50.0,
    PositionQuality.CITY_GIS_2015: 50.0,
    PositionQuality.DERIVED: 250.0,
    PositionQuality.APPROXIMATE: 1000.0,
}

# Representative point: the point of the line closest to its centroid; uncertainty: the
# farthest the street reaches from it (metres, UTM 47N).
_STREET_POINTS = """
SELECT id, name, label, road_class, aliases, ST_X(p), ST_Y(p),
       ST_MaxDistance(ST_Transform(geom, %(srid)s), ST_Transform(p, %(srid)s))
FROM (SELECT *, ST_ClosestPoint(geom, ST_Centroid(geom)) AS p FROM geo_street) s
"""
# Areas: a point inside the polygon; uncertainty: the radius of a circle of the same area.
_AREA_POINTS = """
SELECT id, level, name, aliases, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)),
       sqrt(ST_Area(ST_Transform(geom, %(srid)s)) / pi())
FROM geo_adminarea WHERE level IN ('kelurahan', 'kecamatan')
"""
_PLACES = "SELECT id, name, kind, aliases, position, ST_X(point), ST_Y(point) FROM geo_place"
# Where every street meets every kelurahan and kecamatan (geo.StreetPart). The areas are cut
# into pieces of at most 48 vertices first, so each clip or distance is small (6 s instead of
# 10 s for the whole city). First the parts inside, then the streets that only pass near.
_AREA_PIECES = """
CREATE TEMP TABLE geo_area_pieces ON COMMIT DROP AS
SELECT a.id AS area_id, ST_Subdivide(a.geom, 48) AS geom
FROM geo_adminarea a WHERE a.level IN ('kelurahan', 'kecamatan');
CREATE INDEX ON geo_area_pieces USING gist (geom);
ANALYZE geo_area_pieces;
"""
_STREET_PARTS_INSIDE = """
INSERT INTO geo_streetpart (street_id, area_id, point, length_m, distance_m)
WITH clipped AS (
    SELECT s.id AS street_id, p.area_id,
           CASE WHEN ST_Within(s.geom, p.geom) THEN s.geom
                ELSE ST_CollectionExtract(ST_Intersection(s.geom, p.geom), 2) END AS inside
    FROM geo_area_pieces p JOIN geo_street s ON ST_Intersects(s.geom, p.geom)
)
SELECT street_id, area_id, ST_ClosestPoint(g, ST_Centroid(g)), ST_Length(g::geography), 0.0
FROM (
    SELECT street_id, area_id, ST_Collect(inside) AS g
    FROM clipped WHERE NOT ST_IsEmpty(inside) GROUP BY street_id, area_id
) parts
"""
# Planar distance in degrees times 111,195 m (within 1 percent at 0.5° N).
_STREET_PARTS_NEAR = """
INSERT INTO geo_streetpart (street_id, area_id, point, length_m, distance_m)
SELECT DISTINCT ON (s.id, p.area_id)
       s.id, p.area_id, ST_ClosestPoint(s.geom, p.geom), 0.0,
       ST_Distance(s.geom, p.geom) * 111195.0
FROM geo_area_pieces p
JOIN geo_street s ON ST_DWithin(s.geom, p.geom, %(near_m)s / 111195.0)
WHERE NOT EXISTS (
    SELECT 1 FROM geo_streetpart x WHERE x.street_id = s.id AND x.area_id = p.area_id
)
ORDER BY s.id, p.area_id, ST_Distance(s.geom, p.geom)
"""


def _entries_for(names: list[str], label: str, **fields) -> list[GazetteerEntry]:
    seen: set[str] = set()
    entries = []
    for i, raw in enumerate(names):
        key = name_key(raw)
        if not key or key in seen:
            continue
        seen.add(key)
        entries.append(
            GazetteerEntry(key=key, compact=compact(key), label=label, is_alias=i > 0, **fields)
        )
    return entries


def normalizer_checksum() -> str:
    return hashlib.sha256(Path(normalize.__file__).read_bytes()).hexdigest()


def gazetteer_is_current() -> bool:
    """True when the index was built by this normaliser (and exists)."""
    return is_current(LAYER, normalizer_checksum()) and GazetteerEntry.objects.exists()


@transaction.atomic
def rebuild_gazetteer() -> int:
    srid = {"srid": settings.METRIC_SRID}
    entries: list[GazetteerEntry] = []
    with connection.cursor() as cursor:
        cursor.execute(_STREET_POINTS, srid)
        for sid, name, label, road_class, aliases, x, y, reach in cursor.fetchall():
            entries += _entries_for(
                [name, *aliases],
                label,
                kind="street",
                street_id=sid,
                point=Point(x, y, srid=4326),
                uncertainty_m=max(float(reach), 25.0),
                weight=STREET_WEIGHT.get(road_class, 0.8),
            )
        cursor.execute(_AREA_POINTS, srid)
        for aid, level, name, aliases, x, y, radius in cursor.fetchall():
            label = f"{'Kelurahan' if level == 'kelurahan' else 'Kecamatan'} {name}"
            entries += _entries_for(
                [name, *aliases],
                label,
                kind=level,
                area_id=aid,
                point=Point(x, y, srid=4326),
                uncertainty_m=float(radius),
                weight=0.92 if level == "kelurahan" else 0.9,
            )
        cursor.execute(_PLACES)
        for pid, name, kind, aliases, position, x, y in cursor.fetchall():
            entries += _entries_for(
                [name, *aliases],
                name,
                kind="place",
                place_id=pid,
                point=Point(x, y, srid=4326),
                uncertainty_m=PLACE_UNCERTAINTY_M.get(position, 250.0),
                weight=PLACE_WEIGHT.get(kind, 0.9),
            )
        GazetteerEntry.objects.all().delete()
        GazetteerEntry.objects.bulk_create(entries, batch_size=2000)
        StreetPart.objects.all().delete()
        cursor.execute(_AREA_PIECES)
        cursor.execute(_STREET_PARTS_INSIDE)
        cursor.execute(_STREET_PARTS_NEAR, {"near_m": StreetPart.NEAR_M})
        # Fresh statistics, or the planner keeps its empty-table plans (sequential scans).
        cursor.execute("ANALYZE geo_gazetteerentry")
        cursor.execute("ANALYZE geo_streetpart")
    record(LAYER, "geo/geocoding/normalize.py", normalizer_checksum(), len(entries))
    return len(entries)
