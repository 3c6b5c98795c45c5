"""Hotspots on a million stored incidents: H3 + Gi* from the database, against esda and floors.

The synthetic history (layers.synth, the synth_incidents command's code) is written into the
benchmark's transaction, which run.py rolls back. BENCH_HOTSPOT_COUNT sets its size (default
1,000,000; the figures printed name it).
"""

from __future__ import annotations

import os
import time
import warnings
from datetime import UTC, datetime

import h3
import numpy as np
from django.contrib.gis.geos import Point
from django.db import connection
from django.http import QueryDict

from bench.harness import Result, measure
from incidents import live
from incidents.models import Incident, IncidentType
from layers import cache, gistar, h3bins, synth, synth_write
from layers.api import hotspots
from layers.points import load_points
from layers.selection import Selection

COUNT = int(os.environ.get("BENCH_HOTSPOT_COUNT", "1000000"))


def _copy_floor(n_rows: int) -> float:
    """Seconds to COPY the same number of float8 rows into an unindexed temporary table."""
    matrix = np.random.default_rng(0).random((n_rows, len(synth_write.STAGE_COLUMNS)))
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE bench_stage ("
            + ", ".join(f"{c} float8" for c in synth_write.STAGE_COLUMNS)
            + ")"
        )
        start = time.perf_counter()
        synth_write._copy_binary(cur.cursor, "bench_stage", matrix)
        took = time.perf_counter() - start
        cur.execute("DROP TABLE bench_stage")
    return took


def _esda_weights(w):
    import libpysal

    coo = w.tocoo()
    neighbours = {i: [] for i in range(w.shape[0])}
    for i, j in zip(coo.row.tolist(), coo.col.tolist(), strict=True):
        if i != j:
            neighbours[i].append(j)
    return libpysal.weights.W(neighbours, silence_warnings=True)


def run() -> list[Result]:
    warnings.filterwarnings("ignore")
    label = f"{COUNT:,} incidents"
    t0 = time.perf_counter()
    exposure = synth.Exposure.from_database()
    history = synth.generate(exposure, seed=1, years=2, count=COUNT, end=datetime.now(UTC))
    t1 = time.perf_counter()
    synth_write.write(history, exposure, seed=1)
    t2 = time.perf_counter()
    copy_floor = _copy_floor(COUNT)
    print(f"    synthetic history: generated {t1 - t0:.1f} s, written {t2 - t1:.1f} s", flush=True)

    sel = Selection(res=9)
    params = QueryDict("")
    # End to end, as the API computes it on a cache miss: database -> finished GeoJSON layer.
    layer = hotspots.gistar_layer(sel, params)
    cells = layer["meta"]["cells"]
    print(f"    res 9: {cells} cells in the study area, {layer['meta']['hot']} hot", flush=True)

    def cold():
        cache.forget_running("cells", sel.key())
        return hotspots.gistar_layer(sel, params)

    e2e = measure(cold, n=5, warmup=1)
    # The wall's case: the layer is warm and one incident arrives (with its live event).
    hotspots.gistar_layer(sel, params)
    user = synth_write.synth_user()
    kesehatan = IncidentType.objects.get(code="kesehatan")

    def one_more():
        incident = Incident.objects.create(
            category="medis",
            type=kesehatan,
            priority=1,
            point=Point(101.45, 0.51, srid=4326),
            created_by=user,
        )
        live.record("incident.created", {"incident": {"id": incident.pk}})
        return hotspots.gistar_layer(sel, params)

    incremental = measure(one_more, n=10, warmup=1)

    # The steps, and the floors/peers of each.
    qs = sel.incidents()
    fetch = measure(lambda: load_points(qs), n=5, warmup=1)
    scan = measure(lambda: qs.count(), n=5, warmup=1)  # the database reading the same rows
    points = load_points(qs)
    assign = measure(lambda: h3bins.cells_of(points.lat, points.lon, 9), n=5, warmup=1)
    sample = 100_000
    lat_s, lon_s = points.lat[:sample].tolist(), points.lon[:sample].tolist()
    start = time.perf_counter()
    [h3.latlng_to_cell(a, b, 9) for a, b in zip(lat_s, lon_s, strict=True)]
    scalar_1m = (time.perf_counter() - start) * 1000 * len(points) / sample

    cell_ids = h3bins.cells_of(points.lat, points.lon, 9)
    distinct, counts = h3bins.count(cell_ids)
    universe = h3bins.study_area(9, distinct, 1)
    y = np.zeros(len(universe))
    y[np.searchsorted(universe, distinct)] = counts
    w = h3bins.kring_weights(universe, 1)
    ours_gi = measure(lambda: gistar.gi_star(w, y), n=200, warmup=10)
    from esda.getisord import G_Local

    w_esda = _esda_weights(w)
    peer_gi = measure(
        lambda: G_Local(y, w_esda, transform="B", star=True, permutations=0), n=20, warmup=2
    )
    assert np.abs(gistar.gi_star_z(w, y) - G_Local(y, w_esda, "B", 0, star=True).Zs).max() < 1e-6

    def h3_cold():
        cache.forget_running("cells", sel.key())
        return hotspots.h3_layer(sel, params)

    h3_layer = measure(h3_cold, n=3, warmup=1)
    emerging = measure(
        lambda: hotspots.emerging_layer(Selection(res=8), QueryDict("step_days=30")),
        n=3,
        warmup=1,
    )
    return [
        Result(
            f"synth_incidents write ({label})", "s", t2 - t1, copy_floor,
            "binary COPY of the same rows, no table", target="minutes, not hours",
        ),
        Result(
            f"Gi* layer res 9 from the DB ({label})", "p50 ms", e2e.median, 1000.0,
            "the 1 s budget", target="<= 1000 ms",
        ),
        Result(
            "Gi* layer res 9 after one new incident", "p50 ms", incremental.median, e2e.median,
            "the same layer rebuilt from the DB",
        ),
        Result(
            "  step: fetch points (EWKB aggregate)", "p50 ms", fetch.median, scan.median,
            "floor: count(*) of the same rows",
        ),
        Result(
            "  step: points -> H3 res 9 (h3ronpy)", "p50 ms", assign.median, scalar_1m,
            "peer: scalar h3-py loop (100k, scaled)",
        ),
        Result(
            f"  step: Gi* + FDR classes ({len(universe)} cells)", "p50 ms", ours_gi.median,
            peer_gi.median, "peer: esda G_Local analytic, same W", target="ratio <= 0.1",
        ),
        Result(
            f"H3 counts layer res 9 ({label})", "p50 ms", h3_layer.median, fetch.median,
            "floor: fetching the points alone",
        ),
        Result(
            f"emerging layer res 8, 30-day bins ({label})", "p50 ms", emerging.median,
            e2e.median, "the Gi* layer at res 9",
        ),
    ]  # fmt: skip
