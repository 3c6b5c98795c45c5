"""Which unit gets there first: a straight-line shortlist from the KNN index, ranked by drive
time over the road graph (geo.routing), with the route. Falls back to stations, and says so,
when no unit of the kind has a fresh position; falls back to straight line, labelled, when a
point is too far from any road to snap."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils import timezone
from pyproj import Geod

from geo import routing
from incidents.models import Station, Unit

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
    units = Unit.objects.available().fresh(timezone.now() - FRESH).select_related("agency")
    if agency:
        units = units.filter(agency__code=agency)
    if kind:
        units = units.filter(kind=kind)
    found = list(units.nearest(point)[:shortlist])
    if found:
        return (
            "units",
            "",
            [
                (
                    "unit",
                    u.pk,
                    u.code,
                    u.name,
                    u.agency.code,
                    (u.point.x, u.point.y),
                    {"status": u.status, "unit_kind": u.kind, "fix_at": u.fix_at.isoformat()},
                )
                for u in found
            ],
        )
    stations = Station.objects.select_related("agency")
    if agency:
        stations = stations.filter(agency__code=agency)
    if kind:
        stations = stations.filter(units__kind=kind).distinct()
    note = "no available unit has a fresh position; ranking stations instead"
    return (
        "stations",
        note,
        [
            (
                "station",
                s.pk,
                s.code,
                s.name,
                s.agency.code,
                (s.point.x, s.point.y),
                {"station_kind": s.kind},
            )
            for s in stations.nearest(point)[:shortlist]
        ],
    )


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
    snaps = routing.snap([origin_xy] + [c[5] for c in candidates])
    origin, targets = snaps[0], snaps[1:]
    limit_m = settings.SNAP_MAX_M
    results: list[Ranked] = []
    g = routing.graph() if origin.off_m <= limit_m else None
    reach = routing.from_origin(g, origin) if g is not None else None
    for cand, snap in zip(candidates, targets, strict=True):
        kind_, pk, code, name, agency_code, xy, extra = cand
        straight = _straight(origin_xy, xy)
        ranked = Ranked(
            kind_,
            pk,
            code,
            name,
            agency_code,
            xy,
            None,
            None,
            round(straight, 1),
            "straight_line",
            extra=extra,
        )
        if reach is not None and snap.off_m <= limit_m:
            seconds, node, tail_m = routing.time_to(g, reach, snap)
            if seconds != float("inf"):
                ranked.eta_s = round(seconds, 1)
                ranked.method = "road"
                ranked.extra = {**extra, "_node": node, "_tail_m": tail_m}
        if ranked.eta_s is None:
            ranked.eta_s = round(straight / (STRAIGHT_LINE_KMH / 3.6), 1)
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
