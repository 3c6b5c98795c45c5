"""What the wall draws besides the basemap: a snapshot of open incidents, units, cameras and the
drive-time routes of dispatched units, read in one go with the live feed's sequence number."""

from __future__ import annotations

import json

from django.utils import timezone

from geo import routing
from incidents import live

# Routes are computed per dispatched unit (one single-source Dijkstra each); a bound keeps a
# very busy moment from stalling the wall.
MAX_ROUTES = 60


def _feature(geometry, properties: dict, fid=None) -> dict:
    feature = {"type": "Feature", "geometry": geometry, "properties": properties}
    if fid is not None:
        feature["id"] = fid
    return feature


def units_geojson() -> dict:
    from incidents.models import Unit

    rows = (
        Unit.objects.filter(point__isnull=False)
        .select_related("agency")
        .order_by("code")
        .values_list(
            "id",
            "code",
            "name",
            "kind",
            "agency__code",
            "status",
            "heading_deg",
            "incident_id",
            "fix_at",
            "point",
        )
    )
    return {
        "type": "FeatureCollection",
        "features": [
            _feature(
                {"type": "Point", "coordinates": [r[9].x, r[9].y]},
                {
                    "id": r[0],
                    "code": r[1],
                    "name": r[2],
                    "kind": r[3],
                    "agency": r[4],
                    "status": r[5],
                    "heading_deg": r[6],
                    "incident": r[7],
                    "fix_at": r[8].isoformat() if r[8] else None,
                },
                r[0],
            )
            for r in rows
        ],
    }


def route(unit_xy: tuple[float, float], incident_xy: tuple[float, float]) -> dict | None:
    """Drive time and road route from a unit to an incident, or None when either end is off
    the road graph (the wall then draws nothing rather than a misleading line)."""
    from django.conf import settings

    origin, target = routing.snap([unit_xy, incident_xy])
    if max(origin.off_m, target.off_m) > settings.SNAP_MAX_M:
        return None
    g = routing.graph()
    reach = routing.from_origin(g, origin, limit_s=3600)
    seconds, node, tail_m = routing.time_to(g, reach, target)
    if seconds == float("inf"):
        return None
    edges, metres = routing.path(g, reach, node)
    geometry = routing.route_geojson(edges)
    if geometry is None:
        return None
    distance = round(metres + tail_m, 1)
    return {"eta_s": round(seconds, 1), "distance_m": distance, "geometry": geometry}


def routes_geojson() -> dict:
    from incidents.models import Unit

    units = (
        Unit.objects.filter(status="dispatched", point__isnull=False, incident__point__isnull=False)
        .select_related("incident")
        .order_by("-incident__created_at")[:MAX_ROUTES]
    )
    features = []
    for unit in units:
        found = route((unit.point.x, unit.point.y), (unit.incident.point.x, unit.incident.point.y))
        if found is None:
            continue
        features.append(
            _feature(
                found["geometry"],
                {
                    "unit": unit.pk,
                    "unit_code": unit.code,
                    "incident": unit.incident_id,
                    "eta_s": found["eta_s"],
                    "distance_m": found["distance_m"],
                },
                unit.pk,
            )
        )
    return {"type": "FeatureCollection", "features": features}


def cameras_geojson() -> dict:
    from cctv.api.serializers import CameraSerializer
    from cctv.models import Camera

    data = CameraSerializer(Camera.objects.order_by("code"), many=True).data
    return json.loads(json.dumps(data))


def open_incidents_geojson() -> dict:
    from incidents.models import Incident

    return json.loads(Incident.objects.open().map_feed())


def snapshot() -> dict:
    """Everything the wall draws, after the live feed's latest seq: the wall then replays
    ``?since=seq``, so an event that lands between the two reads is applied, never lost."""
    seq = live.latest_seq()
    return {
        "seq": seq,
        "server_time": timezone.now().isoformat(),
        "incidents": open_incidents_geojson(),
        "units": units_geojson(),
        "cameras": cameras_geojson(),
        "routes": routes_geojson(),
    }
