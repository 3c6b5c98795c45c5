"""A seeded, synthetic incident history for the demo, the tests and the benchmarks.

Where: incidents fall on the road network in proportion to an exposure per type — traffic
accidents by road length weighted towards arterials (more so at rush hours), household
emergencies (illness, births, house fires, domestic violence) along local and residential
streets as a stand-in for where people live, crime and disorder partly around markets, malls,
bus stops and schools, floods along roads near the Siak river. Points get a few metres of
address noise; the kelurahan/kecamatan are found by point-in-polygon.

When: two years (``--years``) back from now, by type — floods and fallen trees in the rainy
months (November–April), fires in the dry season (June–September, land fires and haze), traffic
accidents at the morning and evening rush, crime in the evening and night; fewer at night overall.

What else: a share of prank calls (random spots, status ``prank``), cancelled calls, and
duplicate calls merged into the incident they repeat (status ``merged``, ``merged_into`` set, a
few metres and minutes away). A few **planted clusters** (``Cluster``) are added on top, so that
tests and benchmarks can check the hotspot methods find them.

Every synthetic row is created by the inactive user ``SYNTH_USERNAME``: that tells them apart and
``remove()`` deletes them. Rows are written with a binary COPY into a temporary table and one
``INSERT … SELECT``: a million incidents in about a minute.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import shapely

SYNTH_USERNAME = "synthetic-history"
M_PER_DEG = 111_320.0

# Share of genuine incidents per type (codes of incidents.IncidentType).
TYPE_SHARES = {
    "kecelakaan_lalu_lintas": 0.22,
    "kesehatan": 0.20,
    "ibu_melahirkan": 0.03,
    "medis_lainnya": 0.05,
    "kebakaran": 0.08,
    "banjir": 0.06,
    "pohon_tumbang": 0.04,
    "hewan_liar": 0.04,
    "kabel_listrik": 0.03,
    "bangunan_runtuh": 0.005,
    "bencana_lainnya": 0.015,
    "kejahatan": 0.07,
    "perampokan": 0.03,
    "perkelahian": 0.03,
    "kerusuhan": 0.01,
    "kdrt": 0.02,
    "orang_hilang": 0.01,
    "lainnya": 0.05,
}
# Where each type happens: a road-class weighting, optionally places or the river.
EXPOSURE = {
    "kecelakaan_lalu_lintas": "traffic",
    "banjir": "river",
    "kejahatan": "public",
    "perampokan": "public",
    "perkelahian": "public",
    "kerusuhan": "public",
    "lainnya": "public",
}  # everything else: "home"
ROAD_WEIGHTS = {
    "traffic": {"arteri": 8.0, "kolektor": 4.0, "lokal": 1.5, "lingkungan": 0.6,
                "perumahan": 0.3, "gang": 0.1},
    "rush": {"arteri": 20.0, "kolektor": 6.0, "lokal": 1.0, "lingkungan": 0.3,
             "perumahan": 0.1, "gang": 0.05},
    "home": {"arteri": 0.8, "kolektor": 1.2, "lokal": 2.0, "lingkungan": 3.0,
             "perumahan": 3.0, "gang": 3.0},
    "public": {"arteri": 4.0, "kolektor": 3.0, "lokal": 1.5, "lingkungan": 1.0,
               "perumahan": 0.6, "gang": 0.6},
}  # fmt: skip
PUBLIC_PLACE_KINDS = ("mall", "market", "bus_stop", "school", "university")
RAINY_MONTHS = (11, 12, 1, 2, 3, 4)
DRY_MONTHS = (6, 7, 8, 9)
RUSH_HOURS = (6, 7, 8, 16, 17, 18)  # WIB
WIB = timedelta(hours=7)
PRANK_SHARE, CANCELLED_SHARE, DUPLICATE_SHARE = 0.06, 0.03, 0.07


def _bumps(*peaks: tuple[float, float, float], floor: float = 0.25) -> np.ndarray:
    """An hour-of-day profile (WIB): a floor plus Gaussian bumps (hour, width, height)."""
    h = np.arange(24.0)
    curve = np.full(24, floor)
    for centre, width, height in peaks:
        d = np.minimum(abs(h - centre), 24 - abs(h - centre))
        curve += height * np.exp(-0.5 * (d / width) ** 2)
    return curve / curve.sum()


HOURS = {
    "traffic": _bumps((7, 1.2, 1.6), (17, 1.5, 1.5), (22, 2.0, 0.4), floor=0.15),
    "home": _bumps((9, 3.0, 1.0), (19, 3.0, 0.8), floor=0.3),
    "fire": _bumps((14, 3.0, 1.5), floor=0.3),
    "river": _bumps((3, 3.0, 0.8), (16, 3.0, 0.8), floor=0.5),
    "public": _bumps((21, 2.5, 1.5), (1, 2.0, 0.8), floor=0.3),
}


@dataclass(frozen=True)
class Cluster:
    """A planted concentration: ``count`` incidents of ``type_code`` within about ``radius_m``
    of (lon, lat) between ``start`` and ``end``."""

    name: str
    type_code: str
    category: str
    lon: float
    lat: float
    radius_m: float
    count: int
    start: datetime
    end: datetime

    def as_json(self) -> dict:
        d = asdict(self)
        d["start"], d["end"] = self.start.isoformat(), self.end.isoformat()
        return d


@dataclass
class Exposure:
    """What the generator places incidents on, read from the reference data."""

    roads: np.ndarray  # shapely LineStrings
    road_class: np.ndarray  # str
    road_len: np.ndarray  # metres
    road_id: np.ndarray  # geo_roadsegment.id
    river_m: np.ndarray  # distance of each segment's midpoint to the river, metres (inf: none)
    place_xy: np.ndarray  # (n, 2) lon/lat of public places
    areas: np.ndarray  # shapely polygons of kelurahan
    area_ids: np.ndarray  # their AdminArea ids
    area_parent: np.ndarray  # the kecamatan id of each
    city: object | None  # shapely polygon of the service area

    @classmethod
    def from_database(cls) -> Exposure:
        from django.db import connection

        from geo.models import AdminArea

        with connection.cursor() as cur:
            cur.execute(
                "SELECT id, road_class, length_m, ST_AsBinary(geom) FROM geo_roadsegment"
                " WHERE road_class <> 'connector' AND length_m > 0 ORDER BY id"
            )
            rows = cur.fetchall()
            cur.execute(
                "SELECT ST_X(point), ST_Y(point) FROM geo_place WHERE kind = ANY(%s)",
                [list(PUBLIC_PLACE_KINDS)],
            )
            places = np.array(cur.fetchall(), dtype=np.float64).reshape(-1, 2)
        if not rows:
            raise RuntimeError("no road segments: run `manage.py load_pekanbaru` first")
        roads = shapely.from_wkb([bytes(r[3]) for r in rows])
        kel = list(AdminArea.objects.kelurahan().values_list("id", "parent_id", "geom"))
        city = AdminArea.objects.city().values_list("geom", flat=True).first()
        return cls(
            roads=roads,
            road_class=np.array([r[1] for r in rows]),
            road_len=np.array([r[2] for r in rows], dtype=np.float64),
            road_id=np.array([r[0] for r in rows], dtype=np.int64),
            river_m=_river_distance(roads),
            place_xy=places,
            areas=shapely.from_wkb([bytes(k[2].wkb) for k in kel]),
            area_ids=np.array([k[0] for k in kel], dtype=np.int64),
            area_parent=np.array([k[1] or -1 for k in kel], dtype=np.int64),
            city=shapely.from_wkb(bytes(city.wkb)) if city else None,
        )


def _river_distance(roads: np.ndarray) -> np.ndarray:
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "fixtures/pekanbaru/context/siak_river.geojson"
    if not path.exists():
        return np.full(len(roads), np.inf)
    import json

    features = json.loads(path.read_text())["features"]
    river = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in features])
    mid = shapely.line_interpolate_point(roads, 0.5, normalized=True)
    # Nearest piece of the banks (an STRtree of short segments), zero inside the river.
    coords = shapely.get_coordinates(shapely.boundary(river))
    pieces = shapely.linestrings(np.stack([coords[:-1], coords[1:]], axis=1))
    tree = shapely.STRtree(pieces)
    _, dist = tree.query_nearest(mid, return_distance=True, all_matches=False)
    dist = np.asarray(dist)
    dist[shapely.contains_xy(river, shapely.get_coordinates(mid)[:, 0],
                             shapely.get_coordinates(mid)[:, 1])] = 0.0  # fmt: skip
    return dist * M_PER_DEG


@dataclass
class History:
    """Generated rows as columns (one entry per incident), plus the planted clusters."""

    x: np.ndarray
    y: np.ndarray
    road: np.ndarray  # road segment id (-1 none)
    type_code: np.ndarray  # str
    status: np.ndarray  # str
    created: np.ndarray  # epoch seconds, UTC
    target: np.ndarray  # index of the incident a merged duplicate repeats (-1)
    clusters: list[Cluster]

    def __len__(self) -> int:
        return len(self.x)


def _month_weight(code: str, months: np.ndarray) -> np.ndarray:
    rainy, dry = np.isin(months, RAINY_MONTHS), np.isin(months, DRY_MONTHS)
    if code in ("banjir",):
        return np.where(rainy, 1.0, 0.12)
    if code in ("pohon_tumbang", "kabel_listrik"):
        return np.where(rainy, 1.0, 0.45)
    if code == "kebakaran":
        return np.where(dry, 2.0, 1.0)
    return np.ones(len(months))


def _hour_profile(code: str) -> np.ndarray:
    if code == "kebakaran":
        return HOURS["fire"]
    return HOURS[EXPOSURE.get(code, "home")]


def _road_probs(exp: Exposure, kind: str) -> np.ndarray:
    weights = ROAD_WEIGHTS[kind]
    w = exp.road_len * np.array([weights.get(c, 0.0) for c in exp.road_class])
    return w / w.sum()


def _on_roads(rng, exp: Exposure, probs: np.ndarray, n: int, jitter_m: float = 12.0):
    idx = rng.choice(len(probs), size=n, p=probs)
    pts = shapely.line_interpolate_point(exp.roads[idx], rng.random(n), normalized=True)
    xy = shapely.get_coordinates(pts)
    xy += rng.normal(0.0, jitter_m / M_PER_DEG, size=xy.shape)
    return xy, exp.road_id[idx]


def _times(rng, code: str, n: int, start: datetime, days: int) -> np.ndarray:
    """Epoch seconds (UTC) with this type's season and hour-of-day profile (hours in WIB)."""
    first = (start + WIB).date()
    day_months = np.array([(first + timedelta(days=d)).month for d in range(days)])
    w = _month_weight(code, day_months)
    day = rng.choice(days, size=n, p=w / w.sum())
    hour = rng.choice(24, size=n, p=_hour_profile(code))
    seconds = rng.integers(0, 3600, size=n)
    midnight_wib = datetime.combine(first, datetime.min.time(), tzinfo=UTC) - WIB
    return midnight_wib.timestamp() + day * 86400.0 + hour * 3600.0 + seconds


def plant_clusters(rng, exp: Exposure, n: int, start: datetime, end: datetime) -> list[Cluster]:
    """Four concentrations, each about 1 % of the history (at least 60 incidents): a crossing
    with many accidents and a market with much crime over the whole period, a run of fires in
    the last three months on the outskirts (an emerging hot spot), floods in the rainy season
    near the river."""
    count = max(60, n // 100)

    def spot(kind: str, near_river: bool = False, outskirts: bool = False) -> tuple[float, float]:
        probs = _road_probs(exp, kind)
        if near_river and np.isfinite(exp.river_m).any():
            probs = probs * np.exp(-exp.river_m / 500.0)
        if outskirts:  # where little else happens, so that its arrival stands out
            mid = shapely.get_coordinates(shapely.centroid(exp.roads))
            far = np.hypot(*(mid - np.median(mid, axis=0)).T)
            probs = probs * (far >= np.quantile(far, 0.8))
        probs = probs / probs.sum()
        (xy, _) = _on_roads(rng, exp, probs, 1, jitter_m=0.0)
        return float(xy[0, 0]), float(xy[0, 1])

    def market() -> tuple[float, float]:
        if len(exp.place_xy):
            x, y = exp.place_xy[rng.integers(len(exp.place_xy))]
            return float(x), float(y)
        return spot("public")

    recent = end - timedelta(days=90)
    return [
        Cluster("simpang-kecelakaan", "kecelakaan_lalu_lintas", "medis",
                *spot("rush"), 120.0, count, start, end),
        Cluster("pasar-kejahatan", "kejahatan", "keamanan", *market(), 150.0, count, start, end),
        Cluster("kebakaran-baru", "kebakaran", "bencana", *spot("home", outskirts=True), 150.0,
                count, recent, end),
        Cluster("banjir-musim-hujan", "banjir", "bencana", *spot("home", near_river=True),
                200.0, count, start, end),
    ]  # fmt: skip


def _cluster_rows(rng, c: Cluster) -> tuple[np.ndarray, np.ndarray]:
    sd = c.radius_m / 2 / M_PER_DEG
    xy = np.column_stack(
        [
            rng.normal(c.lon, sd / max(math.cos(math.radians(c.lat)), 0.1), c.count),
            rng.normal(c.lat, sd, c.count),
        ]
    )
    days = max(1, (c.end - c.start).days)
    t = _times(rng, c.type_code, c.count, c.start, days)
    return xy, t


def generate(
    exp: Exposure, seed: int, years: float = 2.0, count: int | None = None, end=None
) -> History:
    """The whole history, deterministic for (reference data, seed, years, count, end)."""
    rng = np.random.default_rng(seed)
    end = (end or datetime.now(UTC)).replace(microsecond=0)
    days = max(1, round(365 * years))
    start = end - timedelta(days=days)
    total = count if count is not None else days * 60
    clusters = plant_clusters(rng, exp, total, start, end)
    planted = sum(c.count for c in clusters)
    n_dup = int(total * DUPLICATE_SHARE)
    n_prank = int(total * PRANK_SHARE)
    n_genuine = max(0, total - planted - n_dup - n_prank)

    codes = list(TYPE_SHARES)
    shares = np.array([TYPE_SHARES[c] for c in codes])
    per_type = rng.multinomial(n_genuine, shares / shares.sum())
    xs, roads, types, times = [], [], [], []
    probs = {k: _road_probs(exp, k) for k in ROAD_WEIGHTS}
    river = probs["home"] * np.exp(-np.where(np.isfinite(exp.river_m), exp.river_m, 1e9) / 800.0)
    probs["river"] = river / river.sum() if river.sum() > 0 else probs["home"]
    for code, m in zip(codes, per_type, strict=True):
        if not m:
            continue
        t = _times(rng, code, m, start, days)
        kind = EXPOSURE.get(code, "home")
        xy = np.empty((m, 2))
        road = np.full(m, -1, dtype=np.int64)
        if kind == "traffic":
            hour = ((t + WIB.total_seconds()) // 3600 % 24).astype(int)
            rush = np.isin(hour, RUSH_HOURS)
            for mask, k in ((rush, "rush"), (~rush, "traffic")):
                xy[mask], road[mask] = _on_roads(rng, exp, probs[k], int(mask.sum()))
        elif kind == "public" and len(exp.place_xy):
            near = rng.random(m) < 0.5
            pick = exp.place_xy[rng.integers(len(exp.place_xy), size=int(near.sum()))]
            xy[near] = pick + rng.normal(0, 120 / M_PER_DEG, size=pick.shape)
            xy[~near], road[~near] = _on_roads(rng, exp, probs["public"], int((~near).sum()))
        else:
            xy[:], road[:] = _on_roads(rng, exp, probs[kind], m)
        xs.append(xy), roads.append(road), types.append(np.full(m, code)), times.append(t)
    for c in clusters:
        xy, t = _cluster_rows(rng, c)
        xs.append(xy), roads.append(np.full(c.count, -1)), times.append(t)
        types.append(np.full(c.count, c.type_code))

    xy, road = np.concatenate(xs), np.concatenate(roads)
    type_code, created = np.concatenate(types).astype(object), np.concatenate(times)
    n_real = len(xy)
    status = np.where(rng.random(n_real) < CANCELLED_SHARE, "cancelled", "closed").astype(object)
    recent = created > end.timestamp() - 3 * 3600  # the last hours are still being handled
    status[recent & (status == "closed")] = "dispatched"

    # Pranks: anywhere on the network, mostly "other" or a made-up emergency.
    pxy, proad = _on_roads(rng, exp, probs["public"], n_prank, jitter_m=40.0)
    ptype = rng.choice(["lainnya", "kecelakaan_lalu_lintas", "kebakaran", "kesehatan"],
                       size=n_prank, p=[0.55, 0.15, 0.15, 0.15])  # fmt: skip
    ptime = start.timestamp() + rng.random(n_prank) * days * 86400.0
    # Duplicates: another caller for a genuine incident, nearby and within minutes.
    dup_of = rng.integers(0, n_real, size=n_dup) if n_real else np.zeros(0, dtype=np.int64)
    dxy = xy[dup_of] + rng.normal(0, 40 / M_PER_DEG, size=(n_dup, 2))
    dtime = np.minimum(created[dup_of] + rng.uniform(30, 900, size=n_dup), end.timestamp())

    return History(
        x=np.concatenate([xy[:, 0], pxy[:, 0], dxy[:, 0]]),
        y=np.concatenate([xy[:, 1], pxy[:, 1], dxy[:, 1]]),
        road=np.concatenate([road, proad, road[dup_of]]),
        type_code=np.concatenate([type_code, ptype.astype(object), type_code[dup_of]]),
        status=np.concatenate(
            [status, np.full(n_prank, "prank", object), np.full(n_dup, "merged", object)]
        ),
        created=np.concatenate([created, ptime, dtime]),
        target=np.concatenate([np.full(n_real + n_prank, -1), dup_of]).astype(np.int64),
        clusters=clusters,
    )
