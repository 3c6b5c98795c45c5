"""Which unit gets there first: a straight-line shortlist from the KNN index, ranked by drive
time over the road graph (geo.routing), with the route. Falls back to stations, and says so,
when no unit of the kind has a fresh position; falls back to straight line, labelled, when a
point is too far from any road to snap."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone
from pyproj import Geod

from geo import routing
from incidents import sql

FRESH = timedelta(minutes=10)
SHORTLIST = 20
STRAIGHT_LINE_KMH = 30.0  # only when a point cannot be snapped; labelled as such
_GEOD = Geod(ellps="WGS84")


@dataclass
class Ranked:
    kind: str  # "unit" | "station"
    id: int
    code: str
    name: str
    agency: str
    point: tuple[float, float]
    eta_s: float | None
    distance_m: float | None
    straight_m: float
    method: str  # "road" | "straight_line"
    route: dict | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class Answer:
    source: str  # "units" | "stations"
    note: str
    results: list[Ranked]
    snapped_m: float | None


def _straight(a: tuple[float, float], b: tuple[float, float]) -> float:
    return _GEOD.inv(a[0], a[1], b[0], b[1])[2]


def _candidates(point: Point, agency: str | None, kind: str | None, shortlist: int):
    """(source, note, rows): the straight-line shortlist of available units with a fresh
    position, or of stations when there is none, each with its snap to the road graph."""
    params = {
        "x": point.x,
        "y": point.y,
        "agency": agency,
        "kind": kind,
        "n": shortlist,
        "fresh": timezone.now() - FRESH,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql.UNITS_SNAPPED, params)
        rows = cursor.fetchall()
        if rows:
            return "units", "", rows
        cursor.execute(sql.STATIONS_SNAPPED, params)
        note = "no available unit has a fresh position; ranking stations instead"
        return "stations", note, cursor.fetchall()


def nearest(
    point: Point,
    agency: str | None = None,
    kind: str | None = None,
    k: int = 3,
    shortlist: int = SHORTLIST,
    with_routes: bool = True,
) -> Answer:
    source, note, candidates = _candidates(point, agency, kind, shortlist)
    if not candidates:
        return Answer(source, "no unit or station matches", [], None)
    origin_xy = (point.x, point.y)
    (origin,) = routing.snap([origin_xy])
    speed = routing.speeds_mps()
    limit_m = settings.SNAP_MAX_M
    results: list[Ranked] = []
    entries = []
    for row in candidates:
        pk, code, name, agency_code, kind_, fix_at, _point, x, y = row[:9]
        snap = routing.snap_row(*row[9:], speed=speed)
        extra = (
            {"unit_kind": kind_, "fix_at": fix_at.isoformat()}
            if source == "units"
            else {"station_kind": kind_}
        )
        straight = _straight(origin_xy, (x, y))
        entries.append(
            (
                snap,
                Ranked(
                    source[:-1],
                    pk,
                    code,
                    name,
                    agency_code,
                    (x, y),
                    None,
                    None,
                    round(straight, 1),
                    "straight_line",
                    extra=extra,
                ),
            )
        )
    g = routing.graph() if origin.off_m <= limit_m else None
    reach = None
    if g is not None:
        # Search only as far as needed: three times the k-th straight distance at a slow
        # urban speed, and again without that bound if fewer than k were reached.
        kth = sorted(r.straight_m for _, r in entries)[min(k, len(entries)) - 1]
        for limit_s in (max(600.0, 3 * kth / 6.0), 3600.0):
            reach = routing.from_origin(g, origin, limit_s=limit_s)
            reached = 0
            for snap, ranked in entries:
                ranked.eta_s, ranked.method = None, "straight_line"
                if snap.off_m > limit_m:
                    continue
                seconds, node, tail_m = routing.time_to(g, reach, snap)
                if seconds != float("inf"):
                    ranked.eta_s = round(seconds, 1)
                    ranked.method = "road"
                    ranked.extra["_node"], ranked.extra["_tail_m"] = node, tail_m
                    reached += 1
            if reached >= min(k, len(entries)):
                break
    for _, ranked in entries:
        if ranked.eta_s is None:
            ranked.eta_s = round(ranked.straight_m / (STRAIGHT_LINE_KMH / 3.6), 1)
        results.append(ranked)
    results.sort(key=lambda r: (r.method != "road", r.eta_s))
    results = results[:k]
    for r in results:
        node = r.extra.pop("_node", None)
        tail_m = r.extra.pop("_tail_m", 0.0)
        if r.method == "road" and reach is not None and node is not None:
            edges, metres = routing.path(g, reach, node)
            r.distance_m = round(metres + (tail_m if node >= 0 else 0.0), 1)
            if with_routes:
                r.route = routing.route_geojson(edges)
    if g is None:
        note = (note + "; " if note else "") + (
            f"the point is {origin.off_m:.0f} m from the nearest road: straight-line estimates"
        )
    return Answer(source, note, results, round(origin.off_m, 1))
