"""Live demo activity through the same services the API uses: calls and incidents (some pranks,
some repeated calls about the same incident), verification, dispatch of the nearest unit by drive
time, units driving along the road graph (AVL fixes through ``avl.ingest``), on scene, resolved,
units returning, and one camera going offline and back (heartbeats)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from incidents import avl, intake, responders, services, unit_status
from layers import wall

# What a Pekanbaru 112 centre hears, roughly (type code → weight).
TYPE_WEIGHTS = {
    "kecelakaan_lalu_lintas": 22,
    "kesehatan": 20,
    "kebakaran": 8,
    "kejahatan": 8,
    "perkelahian": 6,
    "banjir": 5,
    "pohon_tumbang": 5,
    "ibu_melahirkan": 4,
    "kabel_listrik": 3,
    "kdrt": 3,
    "lainnya": 6,
}
PRANK_SHARE = 0.1
REPEAT_SHARE = 0.1
_RANDOM_ROAD = """
SELECT ST_X(p), ST_Y(p), name FROM (
    SELECT ST_LineInterpolatePoint(geom, %s) AS p, name FROM geo_roadsegment
    WHERE road_class IN ('arteri', 'kolektor', 'lokal', 'lingkungan') AND in_largest_component
    ORDER BY id OFFSET %s LIMIT 1) s
"""


def _distance_m(a, b) -> float:
    dx = (b[0] - a[0]) * 111_320 * math.cos(math.radians(a[1]))
    dy = (b[1] - a[1]) * 110_540
    return math.hypot(dx, dy)


def _heading(a, b) -> float:
    dx = (b[0] - a[0]) * math.cos(math.radians(a[1]))
    dy = b[1] - a[1]
    return (math.degrees(math.atan2(dx, dy)) + 360) % 360


@dataclass
class Trip:
    unit_id: int
    code: str
    incident_id: int
    path: list  # [(lon, lat), ...]
    returning: bool = False
    done_m: float = 0.0
    arrived_at: float | None = None
    lengths: list = field(default_factory=list)

    def __post_init__(self):
        self.lengths = [_distance_m(a, b) for a, b in zip(self.path, self.path[1:], strict=False)]

    @property
    def total_m(self) -> float:
        return sum(self.lengths)

    def position(self) -> tuple[tuple[float, float], float]:
        """(lon, lat) and heading at ``done_m`` along the path."""
        left = self.done_m
        for (a, b), length in zip(
            zip(self.path, self.path[1:], strict=False), self.lengths, strict=False
        ):
            if left <= length and length > 0:
                f = left / length
                return (a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f), _heading(a, b)
            left -= length
        a, b = self.path[-2], self.path[-1]
        return b, _heading(a, b)


class Simulator:
    def __init__(self, rate_per_min: float, seed: int | None, speedup: float, log=print):
        from accounts.models import User
        from incidents.models import IncidentType

        self.rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
        self.rate = rate_per_min
        self.speedup = speedup
        self.log = log
        self.user, _ = User.objects.get_or_create(
            username="simulator", defaults={"role": "operator"}
        )
        self.types = {t.code: t for t in IncidentType.objects.filter(active=True)}
        self.weights = {c: w for c, w in TYPE_WEIGHTS.items() if c in self.types} or dict.fromkeys(
            self.types, 1
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM geo_roadsegment WHERE road_class IN "
                "('arteri', 'kolektor', 'lokal', 'lingkungan') AND in_largest_component"
            )
            (self.roads,) = cursor.fetchone()
        self.pending: dict[int, float] = {}  # incident id → when to verify/dispatch (sim clock)
        self.pranks: dict[int, float] = {}
        self.on_scene: dict[int, float] = {}  # incident id → when to resolve
        self.trips: dict[int, Trip] = {}  # unit id → trip
        self.clock = 0.0
        self.camera_off: int | None = None
        self.stats = {"calls": 0, "incidents": 0, "dispatched": 0, "resolved": 0, "fixes": 0}

    # --- calls ---------------------------------------------------------------------------------
    def random_point(self) -> tuple[float, float, str]:
        with connection.cursor() as cursor:
            cursor.execute(_RANDOM_ROAD, [self.rng.random(), self.rng.randrange(self.roads)])
            return cursor.fetchone()

    def call(self) -> None:
        from incidents.models import Incident

        code = self.rng.choices(list(self.weights), weights=list(self.weights.values()))[0]
        itype = self.types[code]
        open_ids = list(Incident.objects.open().values_list("id", "point"))
        repeat = open_ids and self.rng.random() < REPEAT_SHARE
        if repeat:
            _, point = self.rng.choice(open_ids)
            lon = point.x + self.rng.uniform(-0.0005, 0.0005)
            lat = point.y + self.rng.uniform(-0.0005, 0.0005)
            street = ""
        else:
            lon, lat, street = self.random_point()
        point = Point(lon, lat, srid=4326)
        number = "+628" + "".join(str(self.rng.randrange(10)) for _ in range(10))
        result = intake.record_call(
            self.user, number=number, spoken_address=street or "", itype=itype, point=point
        )
        self.stats["calls"] += 1
        if repeat and result.duplicates:
            services.attach_call(self.user, result.duplicates[0]["incident"], result.call.pk)
            return
        created = services.create_incident(
            self.user,
            type=itype,
            point=point,
            uncertainty_m=self.rng.choice([15, 30, 50, 100]),
            address=street or "",
            call=result.call,
        )
        self.stats["incidents"] += 1
        incident_id = created.incident.pk
        if self.rng.random() < PRANK_SHARE:
            self.pranks[incident_id] = self.clock + self.rng.uniform(5, 20) / self.speedup
        else:
            self.pending[incident_id] = self.clock + self.rng.uniform(5, 25) / self.speedup

    # --- dispatch and movement -----------------------------------------------------------------
    def dispatch(self, incident_id: int) -> None:
        from incidents.models import Incident, Unit

        incident = Incident.objects.filter(pk=incident_id).first()
        if incident is None or incident.status not in ("received", "verified"):
            return
        answer = responders.nearest(incident.point, k=1, with_routes=False)
        units = [r for r in answer.results if r.kind == "unit"]
        if not units:
            self.pending[incident_id] = self.clock + 30 / self.speedup  # retry when a unit is free
            return
        unit = Unit.objects.get(pk=units[0].id)
        services.dispatch(self.user, incident_id, unit.pk)
        self.stats["dispatched"] += 1
        found = wall.route((unit.point.x, unit.point.y), (incident.point.x, incident.point.y))
        path = _path(found) or [(unit.point.x, unit.point.y), (incident.point.x, incident.point.y)]
        self.trips[unit.pk] = Trip(unit.pk, unit.code, incident_id, path)

    def move(self, dt: float) -> None:
        fixes = []
        now = timezone.now()
        for trip in list(self.trips.values()):
            if trip.arrived_at is not None:
                continue
            speed = self.rng.uniform(25, 45) / 3.6 * self.speedup  # m/s
            trip.done_m = min(trip.total_m, trip.done_m + speed * dt)
            (lon, lat), heading = trip.position()
            fixes.append(
                {
                    "unit": trip.code,
                    "time": now.isoformat(),
                    "lon": lon,
                    "lat": lat,
                    "speed_kmh": round(speed * 3.6 / self.speedup, 1),
                    "heading_deg": round(heading, 1),
                }
            )
            if trip.done_m >= trip.total_m:
                trip.arrived_at = self.clock
                self.arrive(trip)
        if fixes:
            self.stats["fixes"] += avl.ingest(fixes).stored

    def arrive(self, trip: Trip) -> None:
        if trip.returning:
            _quietly(unit_status.set_status, self.user, trip.unit_id, "available")
            del self.trips[trip.unit_id]
            return
        # The first unit on scene puts its incident on scene (the service does both).
        _quietly(unit_status.set_status, self.user, trip.unit_id, "on_scene")
        self.on_scene[trip.incident_id] = self.clock + self.rng.uniform(20, 60) / self.speedup

    def resolve(self, incident_id: int) -> None:
        from incidents.models import Incident

        incident = Incident.objects.filter(pk=incident_id).first()
        if incident is not None and incident.status == "on_scene":
            services.transition(self.user, incident_id, "resolved", note="simulasi")
            self.stats["resolved"] += 1
        for trip in list(self.trips.values()):
            if trip.incident_id == incident_id and not trip.returning:
                _quietly(unit_status.set_status, self.user, trip.unit_id, "returning")
                back = Trip(trip.unit_id, trip.code, incident_id, trip.path[::-1], returning=True)
                self.trips[trip.unit_id] = back

    # --- cameras ---------------------------------------------------------------------------
    def cameras(self) -> None:
        """Heartbeats for every camera but one; that one goes offline after 30 s of silence and
        comes back two minutes later."""
        from cctv import services as cctv
        from cctv.models import Camera

        ids = list(Camera.objects.order_by("code").values_list("pk", flat=True))
        if not ids:
            return
        if self.camera_off is None:
            self.camera_off = self.rng.choice(ids)
            self.camera_since = self.clock
        silent = self.clock - self.camera_since < 150
        for pk in ids:
            if pk != self.camera_off or not silent:
                cctv.heartbeat(pk)
        if silent and self.clock - self.camera_since > 30:
            cctv.mark_silent_offline(timedelta(seconds=30))
        if not silent:
            self.camera_off = None

    # --- the loop --------------------------------------------------------------------------
    def step(self, dt: float) -> None:
        self.clock += dt
        if self.rng.random() < self.rate / 60 * dt:
            self.call()
        for incident_id, when in list(self.pranks.items()):
            if when <= self.clock:
                del self.pranks[incident_id]
                _quietly(services.transition, self.user, incident_id, "prank", note="simulasi")
        for incident_id, when in list(self.pending.items()):
            if when <= self.clock:
                del self.pending[incident_id]
                _quietly(self.dispatch, incident_id)
        self.move(dt)
        for incident_id, when in list(self.on_scene.items()):
            if when <= self.clock:
                del self.on_scene[incident_id]
                _quietly(self.resolve, incident_id)
        if int(self.clock) % 10 == 0:
            self.cameras()
        if int(self.clock) % 60 == 1:
            self.parked()

    def parked(self) -> None:
        """Units not driving report where they stand once a minute, as vehicle gateways do (so
        their positions stay fresh for the nearest-unit ranking)."""
        from incidents.models import Unit

        now = timezone.now().isoformat()
        fixes = [
            {"unit": code, "time": now, "lon": p.x, "lat": p.y, "speed_kmh": 0}
            for code, p in Unit.objects.filter(point__isnull=False)
            .exclude(pk__in=list(self.trips))
            .values_list("code", "point")
        ]
        if fixes:
            self.stats["fixes"] += avl.ingest(fixes).stored


def _quietly(fn, *args, **kwargs):
    from config.errors import ServiceError

    try:
        return fn(*args, **kwargs)
    except ServiceError:
        return None  # the incident moved on meanwhile (an operator acted); nothing to do


def _path(found: dict | None) -> list | None:
    if not found:
        return None
    geometry = found["geometry"]
    if geometry["type"] == "LineString":
        return [tuple(c) for c in geometry["coordinates"]]
    if geometry["type"] == "MultiLineString":
        return [tuple(c) for line in geometry["coordinates"] for c in line]
    return None
