"""Kernel density of 1,000,000 points on a 512×512 grid against KDEpy's FFTKDE on the same points.

No database: the points are drawn in numpy in a plausible pattern over Pekanbaru (a dense
centre, strips along arterial roads, a few tight clusters, a thin background). Both estimators
get the same metric (UTM 47N) coordinates, the same Gaussian bandwidth and a 512×512 grid.
The second line is our whole layer from lon/lat (projection included, no PNG). The third line
is the endpoint ``GET /api/layers/density/`` end to end on 1,000,000 stored incidents (read from
PostGIS through ``for_analytics()``, gridded, PNG encoded), beside KDEpy on the points in memory;
the fourth the same request answered from the cache while the incidents have not changed.
"""

from __future__ import annotations

import time

import numpy as np

from bench.harness import Result, measure
from layers.kde import density_grid, grid_for, kde_layer, to_metric

N = 1_000_000
SIZE = 512
BANDWIDTH_M = 300.0


def pekanbaru_points(n: int = N, seed: int = 8) -> np.ndarray:
    rng = np.random.default_rng(seed)
    parts = []
    # the old centre around Jl. Sudirman and the markets
    k = n * 35 // 100
    parts.append(np.column_stack([rng.normal(101.447, 0.025, k), rng.normal(0.510, 0.022, k)]))
    # strips along arterials: Sudirman (N-S), Soebrantas (W), HR Soebrantas/Arifin Achmad (E-W)
    for (lon0, lat0), (lon1, lat1), share in (
        ((101.447, 0.42), (101.452, 0.60), 15),
        ((101.36, 0.466), (101.447, 0.474), 12),
        ((101.40, 0.49), (101.50, 0.49), 10),
    ):
        k = n * share // 100
        t = rng.uniform(0, 1, k)
        parts.append(
            np.column_stack(
                [
                    lon0 + t * (lon1 - lon0) + rng.normal(0, 0.002, k),
                    lat0 + t * (lat1 - lat0) + rng.normal(0, 0.002, k),
                ]
            )
        )
    # a few tight clusters (a market, a flood-prone riverside, a junction)
    for lon, lat in ((101.43, 0.54), (101.47, 0.55), (101.39, 0.47)):
        k = n * 4 // 100
        parts.append(np.column_stack([rng.normal(lon, 0.003, k), rng.normal(lat, 0.003, k)]))
    k = n - sum(len(p) for p in parts)
    parts.append(np.column_stack([rng.uniform(101.33, 101.58, k), rng.uniform(0.39, 0.64, k)]))
    return np.concatenate(parts)


STORE_SQL = """
INSERT INTO incidents_incident (category, type_id, priority, status, point, outside_service_area,
    address, description, created_by_id, created_at, updated_at, version)
SELECT t.category, t.id, t.default_priority, 'closed', ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326),
    false, '', '', %s, now() - (p.i %% 700) * interval '1 day', now(), 1
FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS p(lon, lat, i)
CROSS JOIN LATERAL (SELECT id, category, default_priority FROM incidents_incidenttype
                    ORDER BY id LIMIT 1) AS t
"""


def endpoint_ms(points: np.ndarray) -> tuple[float, float]:
    """p50 of GET /api/layers/density/ (PNG) over ``points`` stored as incidents (rolled back):
    computed (cache cleared before each call) and served from the cache."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from accounts.services import issue_token

    key = issue_token("bench-kde", "planner").key
    from accounts.models import User

    user_id = User.objects.get(username="bench-kde").pk
    with connection.cursor() as cursor:
        cursor.execute(STORE_SQL, [user_id, points[:, 0].tolist(), points[:, 1].tolist()])
        cursor.execute("ANALYZE incidents_incident")
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {key}")

    def call():
        response = client.get("/api/layers/density/", {"bandwidth_m": BANDWIDTH_M, "size": SIZE})
        if response.status_code != 200:
            raise RuntimeError(response.status_code)
        return response

    stored = int(call()["X-Point-Count"])
    print(f"    endpoint read {stored:,} stored incidents")

    def cold():
        cache.clear()
        call()

    return measure(cold, n=3, warmup=0).median, measure(call, n=20, warmup=1).median


def run() -> list[Result]:
    from KDEpy import FFTKDE

    points = pekanbaru_points()
    xy = to_metric(points)
    spec = grid_for(xy, BANDWIDTH_M, SIZE, None)

    def ours_core():
        density_grid(xy, spec, BANDWIDTH_M)

    def ours_layer():
        kde_layer(points, bandwidth_m=BANDWIDTH_M, size=SIZE)

    def peer():
        FFTKDE(kernel="gaussian", bw=BANDWIDTH_M).fit(xy).evaluate(SIZE)

    # Same answer check: both estimate the same density (per m²) at the densest spot.
    layer = kde_layer(points, bandwidth_m=BANDWIDTH_M, size=SIZE)
    _, values = FFTKDE(kernel="gaussian", bw=BANDWIDTH_M).fit(xy).evaluate(SIZE)
    peak_ours = layer.grid.max() / 1e6 / N
    peak_peer = values.max()
    print(f"    peak density per point per m²: ours {peak_ours:.4g}, KDEpy {peak_peer:.4g}")
    print(f"    mass on our grid: {layer.grid.sum() * layer.cell_area_km2:,.0f} of {N:,} points")

    core = measure(ours_core, n=5, warmup=1)
    whole = measure(ours_layer, n=5, warmup=1)
    kdepy = measure(peer, n=5, warmup=1)
    start = time.perf_counter()
    png_bytes = len(layer.png)
    contours = len(layer.geojson()["features"])
    render_ms = (time.perf_counter() - start) * 1000
    print(f"    render: PNG {png_bytes:,} bytes + {contours} contour bands in {render_ms:.0f} ms")
    endpoint_cold, endpoint_warm = endpoint_ms(points)
    return [
        Result(
            f"KDE core {N // 1000}k pts {SIZE}² (bin + FFT)",
            "p50 ms",
            core.median,
            kdepy.median,
            "KDEpy FFTKDE, same points/grid/bw",
            target="ratio <= 2",
        ),
        Result(
            f"KDE layer from lon/lat {N // 1000}k pts {SIZE}²",
            "p50 ms",
            whole.median,
            kdepy.median,
            "KDEpy FFTKDE (metric input)",
            target="<= 1000 ms, ratio <= 2",
        ),
        Result(
            f"GET /api/layers/density/ PNG, {N // 1000}k stored",
            "p50 ms",
            endpoint_cold,
            kdepy.median,
            "KDEpy FFTKDE on the points in memory",
            target="<= 1000 ms",
        ),
        Result(
            "  same, unchanged data (cached)",
            "p50 ms",
            endpoint_warm,
            kdepy.median,
            "KDEpy FFTKDE on the points in memory",
        ),
    ]
