"""Which unit gets there first: a straight-line shortlist from the KNN index (one SQL), ranked by
drive time over the in-memory road graph (geo.routing: every point snapped in one vectorised
call, one single-source Dijkstra from the incident with a cost limit), with the route. Falls back
to stations, and says so, when no unit of the kind has a fresh position; falls back to straight
line, labelled, when a point is too far from any road to snap."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext
from pyproj import Geod

from geo import routing
from incidents import sql
from incidents.models import Agency

FRESH = timedelta(minutes=10)
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SHORTLIST = 20
STRAIGHT_LINE_KMH = 30.0  # only when a point cannot be snapped; labelled as such
# The first search goes SEARCH_DETOUR times as far as the k-th candidate in a straight line, at
# the median road speed; it doubles until k candidates are reached (then the top k are exact:
# whoever was not reached is further than every one who was).
SEARCH_DETOUR = 1.5
MAX_SEARCH_S = 4 * 3600.0
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


@dataclass
class Candidate:
    id: int
    code: str
    name: str
    agency: str
    kind: str
    fix_us: int | None  # the unit's fix time, microseconds since 1970 (None for a station)
    x: float
    y: float
    straight_m: float


_agency_cache: tuple[float, dict[str, int], dict[int, str]] = (0.0, {}, {})
AGENCY_CACHE_S = 60.0


def _agencies(refresh: bool = False) -> tuple[dict[str, int], dict[int, str]]:
    """Agency code → id and id → code (a handful of rows, re-read every minute)."""
    import time

    global _agency_cache
    at, by_code, by_id = _agency_cache
    if refresh or not by_code or time.monotonic() - at > AGENCY_CACHE_S:
        by_code = dict(Agency.objects.values_list("code", "id"))
        by_id = {v: k for k, v in by_code.items()}
        _agency_cache = (time.monotonic(), by_code, by_id)
    return by_code, by_id


def straight_nearest(
    point: Point, agency: str | None = None, kind: str | None = None, n: int = SHORTLIST
) -> tuple[str, str, list[Candidate]]:
    """(source, note, candidates): the ``n`` available units with a fresh position nearest in a
    straight line (KNN on the GiST index, one query), or the stations when there is none."""
    by_code, by_id = _agencies()
    if agency is not None and agency not in by_code:
        by_code, by_id = _agencies(refresh=True)
        if agency not in by_code:
            return "units", "", []
    x, y = point.x, point.y
    params = {
        "x": x,
        "y": y,
        "agency": by_code.get(agency),
        "kind": kind,
        "n": n,
        "fresh": timezone.now() - FRESH,
    }
    filters = (sql.UNITS_OF_AGENCY if agency else "") + (sql.UNITS_OF_KIND if kind else "")
    source, note = "units", ""
    with connection.cursor() as cursor:
        cursor.execute(sql.UNITS_NEAREST.format(filters=filters), params)
        rows = cursor.fetchall()
        if not rows:
            source = "stations"
            note = gettext("Tidak ada unit siaga dengan posisi terkini; markas yang diurutkan.")
            filters = (sql.STATIONS_OF_AGENCY if agency else "") + (
                sql.STATIONS_OF_KIND if kind else ""
            )
            cursor.execute(sql.STATIONS_NEAREST.format(filters=filters), params)
            rows = cursor.fetchall()
    if not rows:
        return source, note, []
    count = len(rows)
    metres = _GEOD.inv(
        np.full(count, x),
        np.full(count, y),
        np.array([r[6] for r in rows]),
        np.array([r[7] for r in rows]),
    )[2]
    found = [
        Candidate(pk, code, name, by_id.get(agency_id, ""), kind_, micros, cx, cy, round(m, 1))
        for (pk, code, name, agency_id, kind_, micros, cx, cy), m in zip(
            rows, metres.tolist(), strict=True
        )
    ]
    return source, note, found


def _ranked(source: str, c: Candidate) -> Ranked:
    extra = (
        {
            "unit_kind": c.kind,
            "fix_at": (UNIX_EPOCH + timedelta(microseconds=c.fix_us)).isoformat(),
        }
        if source == "units"
        else {"station_kind": c.kind}
    )
    return Ranked(
        source[:-1],
        c.id,
        c.code,
        c.name,
        c.agency,
        (c.x, c.y),
        None,
        None,
        c.straight_m,
        "straight_line",
        extra=extra,
    )


def nearest(
    point: Point,
    agency: str | None = None,
    kind: str | None = None,
    k: int = 3,
    shortlist: int = SHORTLIST,
    with_routes: bool = True,
) -> Answer:
    source, note, candidates = straight_nearest(point, agency, kind, shortlist)
    if not candidates:
        return Answer(source, gettext("Tidak ada unit atau markas yang cocok."), [], None)
    g = routing.graph()
    x, y = point.x, point.y
    snaps = routing.snap([(x, y)] + [(c.x, c.y) for c in candidates], g)
    origin, targets = snaps[0], snaps[1:]
    limit_m = settings.SNAP_MAX_M
    entries = [(snap, _ranked(source, c)) for snap, c in zip(targets, candidates, strict=True)]
    routable = [(s, r) for s, r in entries if s.off_m <= limit_m]
    reach = None
    if origin.off_m <= limit_m and routable:
        want = min(k, len(routable))
        kth = sorted(r.straight_m for _, r in routable)[want - 1]
        typical = float(np.median(list(routing.speeds_mps().values())))
        limit_s = max(60.0, SEARCH_DETOUR * kth / typical)
        while True:
            reach = routing.from_origin(g, origin, limit_s=limit_s)
            reached = 0
            for snap, ranked in routable:
                seconds, node, tail_m = routing.time_to(g, reach, snap)
                if seconds != float("inf"):
                    ranked.eta_s, ranked.method = round(seconds, 1), "road"
                    ranked.extra["_node"], ranked.extra["_tail_m"] = node, tail_m
                    reached += 1
                else:
                    ranked.eta_s, ranked.method = None, "straight_line"
            if reached >= want or limit_s >= MAX_SEARCH_S:
                break
            limit_s *= 2
    results = []
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
                r.route = routing.route_geojson(edges, g)
    for _, ranked in entries:  # candidates cut from the answer keep no search state
        ranked.extra.pop("_node", None)
        ranked.extra.pop("_tail_m", None)
    if origin.off_m > limit_m:
        note = (note + " " if note else "") + gettext(
            "Titik berjarak %(m)d m dari jalan terdekat: perkiraan garis lurus."
        ) % {"m": round(origin.off_m)}
    return Answer(source, note, results, round(origin.off_m, 1))
