"""Coverage: what each station reaches within N minutes (isochrones over the road graph), and
the share of kelurahan area and of last year's incidents that the agency reaches in time.

Isochrones are the concave hull of the road-graph nodes reached within the limit (in-memory
Dijkstra from the station's snapped position), so they follow the roads and stop at the river.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.utils import timezone

from geo import routing
from incidents.models import Incident, Station

HULL_RATIO = 0.15  # shapely concave_hull: 0 = tightest, 1 = convex
MIN_NODES = 3

_KELURAHAN_SHARE = """
SELECT k.code, k.name,
       ST_Area(ST_Intersection(k.geom, c.g)::geography) / ST_Area(k.geom::geography) AS share,
       ST_Area(k.geom::geography)
FROM geo_adminarea k, (SELECT ST_GeomFromWKB(%(wkb)s, 4326) AS g) c
WHERE k.level = 'kelurahan'
ORDER BY k.code
"""


@dataclass
class StationReach:
    station: Station
    isochrones: dict[int, shapely.Geometry | None]


def _isochrones(g: routing.Graph, station: Station, minutes: list[int]) -> StationReach:
    (snap,) = routing.snap([(station.point.x, station.point.y)])
    reach = routing.from_origin(g, snap, limit_s=max(minutes) * 60)
    out = {}
    for m in minutes:
        reached = np.flatnonzero(reach.seconds <= m * 60)
        if len(reached) < MIN_NODES:
            out[m] = None
            continue
        points = shapely.multipoints(g.lonlat[reached])
        out[m] = shapely.concave_hull(points, ratio=HULL_RATIO)
    return StationReach(station, out)


def coverage(agency: str, minutes: list[int]) -> dict:
    g = routing.graph()
    stations = list(Station.objects.filter(agency__code=agency).order_by("code"))
    reaches = [_isochrones(g, s, minutes) for s in stations]
    year_ago = timezone.now() - timedelta(days=365)
    incidents = Incident.objects.for_analytics().since(year_ago).exclude(point=None)
    total_incidents = incidents.count()
    limits = []
    for m in minutes:
        shapes = [r.isochrones[m] for r in reaches if r.isochrones[m] is not None]
        union = shapely.union_all(shapes) if shapes else shapely.Polygon()
        wkb = shapely.to_wkb(union)
        with connection.cursor() as cursor:
            cursor.execute(_KELURAHAN_SHARE, {"wkb": wkb})
            rows = cursor.fetchall()
        total_area = sum(r[3] for r in rows) or 1.0
        covered = GEOSGeometry(memoryview(wkb), srid=4326)
        reached = incidents.filter(point__within=covered).count() if not union.is_empty else 0
        limits.append(
            {
                "minutes": m,
                "kelurahan_area_share": round(sum(r[2] * r[3] for r in rows) / total_area, 4),
                "kelurahan": [{"code": r[0], "name": r[1], "share": round(r[2], 4)} for r in rows],
                "incidents_last_year": total_incidents,
                "incidents_share": round(reached / total_incidents, 4) if total_incidents else None,
            }
        )
    return {
        "agency": agency,
        "minutes": minutes,
        "speeds_kmh": dict(routing.settings.ROAD_SPEEDS_KMH),
        "stations": [
            {
                "code": r.station.code,
                "name": r.station.name,
                "point": [r.station.point.x, r.station.point.y],
                "isochrones": {
                    str(m): (shapely.geometry.mapping(geom) if geom is not None else None)
                    for m, geom in r.isochrones.items()
                },
            }
            for r in reaches
        ],
        "limits": limits,
    }
