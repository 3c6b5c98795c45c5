"""Kernel density of 1,000,000 points on a 512×512 grid against KDEpy's FFTKDE on the same points.

No database: the points are drawn in numpy in a plausible pattern over Pekanbaru (a dense
centre, strips along arterial roads, a few tight clusters, a thin background). Both estimators
get the same metric (UTM 47N) coordinates, the same Gaussian bandwidth and a 512×512 grid.
The second line is our whole layer from lon/lat (projection included, no PNG); the third line
our PNG + contour rendering of it, for information.
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
    ]
