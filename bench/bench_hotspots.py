"""Hotspots on a million stored incidents: H3 + Gi* from the database, against esda and floors.

The history is written, committed and vacuumed in a database of its own
(``bench.servers.bench_database``: migrated, Pekanbaru loaded, dropped afterwards), measured by
a child process on it: a stored table is committed and, after a bulk load, vacuumed by
autovacuum (PostgreSQL 13+ vacuums after inserts), and the layers' count per cell is an
index-only scan only on pages the visibility map marks all-visible, which rows written inside
run.py's rolled-back transaction never are. The same layer right after the load, before any
vacuum, is measured too. Every "cold" figure is from the database to the finished GeoJSON layer
with no cached state of ours (``layers.cache`` running state forgotten before each one).
BENCH_HOTSPOT_COUNT sets the size (default 1,000,000; the figures printed name it);
BENCH_HOTSPOT_ROUNDS the interleaved rounds (3).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from bench.harness import Result, Timing
from bench.servers import ROOT, bench_database

COUNT = int(os.environ.get("BENCH_HOTSPOT_COUNT", "1000000"))
ROUNDS = int(os.environ.get("BENCH_HOTSPOT_ROUNDS", "3"))


def run() -> list[Result]:
    with bench_database("siaga112_bench_hotspots") as url:
        env = {**os.environ, "DATABASE_URL": url}
        child = subprocess.run(
            [sys.executable, "-m", "bench.bench_hotspots"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
    return [Result(**r) for r in json.loads(child.stdout.strip().splitlines()[-1])]


# --- the child, on the benchmark's database --------------------------------------------------


def _say(text: str) -> None:
    print(f"    {text}", file=sys.stderr, flush=True)


def _copy_floor(n_rows: int) -> float:
    """Seconds to COPY the same rows (the staging columns, cells included) into an unindexed
    temporary table."""
    import numpy as np
    from django.db import connection, transaction

    from layers import synth_write

    rng = np.random.default_rng(0)
    floats = rng.random((n_rows, len(synth_write.STAGE_COLUMNS)))
    ints = rng.integers(0, 2**62, (n_rows, len(synth_write.CELL_COLUMNS)))
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE bench_stage ("
            + ", ".join(
                [f"{c} float8" for c in synth_write.STAGE_COLUMNS]
                + [f"{c} int8" for c in synth_write.CELL_COLUMNS]
            )
            + ") ON COMMIT DROP"
        )
        start = time.perf_counter()
        synth_write._copy_binary(cur.cursor, "bench_stage", floats, ints)
        return time.perf_counter() - start


def _esda_weights(w):
    import libpysal

    coo = w.tocoo()
    neighbours = {i: [] for i in range(w.shape[0])}
    for i, j in zip(coo.row.tolist(), coo.col.tolist(), strict=True):
        if i != j:
            neighbours[i].append(j)
    return libpysal.weights.W(neighbours, silence_warnings=True)


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _interleaved(fns: dict, rounds: int, per_round: int) -> dict[str, list[Timing]]:
    """Each function timed ``per_round`` times per round, taking turns sample by sample; a
    Timing per function and round."""
    out = {name: [] for name in fns}
    for _ in range(rounds):
        samples = {name: [] for name in fns}
        for _ in range(per_round):
            for name, fn in fns.items():
                samples[name].append(_timed(fn))
        for name in fns:
            out[name].append(Timing(samples[name]))
    return out


def _span(timings: list[Timing]) -> str:
    medians = [t.median for t in timings]
    return f"{min(medians):.0f}–{max(medians):.0f} ms"


def _pooled(timings: list[Timing]) -> Timing:
    return Timing([s for t in timings for s in t.samples_ms])


def _plan(qs) -> str:
    from django.db import connection

    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cur.fetchall())


def _measure() -> list[Result]:
    import warnings
    from datetime import UTC, datetime

    import h3
    import numpy as np
    from django.contrib.gis.geos import Point
    from django.db import connection, transaction
    from django.db.models import Count, Q
    from django.http import QueryDict

    from incidents import live
    from incidents.models import Incident, IncidentType
    from layers import cache, gistar, h3bins, synth, synth_write
    from layers.api import hotspots
    from layers.points import category_codes, load_points
    from layers.selection import Selection

    warnings.filterwarnings("ignore")
    label = f"{COUNT:,} incidents"
    t0 = time.perf_counter()
    exposure = synth.Exposure.from_database()
    history = synth.generate(exposure, seed=1, years=2, count=COUNT, end=datetime.now(UTC))
    t1 = time.perf_counter()
    synth_write.write(history, exposure, seed=1)
    t2 = time.perf_counter()
    copy_floor = _copy_floor(COUNT)
    _say(f"synthetic history: generated {t1 - t0:.1f} s, written {t2 - t1:.1f} s")

    sel = Selection(res=9)
    params = QueryDict("")
    qs = sel.incidents()

    def cold():
        cache.forget_running("cells", sel.key())
        return hotspots.gistar_layer(sel, params)

    # Right after the bulk load: committed, not vacuumed yet.
    unvacuumed = Timing([_timed(cold) for _ in range(3)])
    _say(f"cold Gi* layer before any vacuum: {unvacuumed.samples_ms}")
    with connection.cursor() as cur:
        start = time.perf_counter()
        cur.execute("VACUUM (ANALYZE) incidents_incident")
        _say(f"VACUUM (ANALYZE) incidents_incident: {time.perf_counter() - start:.1f} s")

    layer = cold()
    _say(f"res 9: {layer['meta']['cells']} cells in the study area, {layer['meta']['hot']} hot")
    per = {
        f"c{i}": Count("cell", filter=Q(category=code)) for i, code in enumerate(category_codes())
    }
    plan = _plan(qs.filter(id__lte=10**12).per_cell(9).annotate(**per))
    _say("plan of the count per cell:\n      " + plan.replace("\n", "\n      "))
    if "Index Only Scan using incident_cells_r9" not in plan:
        _say("WARNING: the count per cell is not an index-only scan of incident_cells_r9")

    # The previous path, for comparison: every point read out of PostGIS, assigned with h3ronpy.
    def from_points():
        return h3bins._count_points(load_points(qs, with_category=True), 9)

    def stored():
        return h3bins.stored_counts(qs, 9)

    def index_floor():  # the database reading the same index entries, nothing else
        return qs.filter(h3_r9__isnull=False).count()

    assert (stored().by_category == from_points().by_category).all()
    steps = _interleaved(
        {"layer": cold, "stored": stored, "floor": index_floor, "points": from_points},
        rounds=ROUNDS,
        per_round=3,
    )
    for name, timings in steps.items():
        _say(f"{name}: medians per round {[round(t.median) for t in timings]} ms")

    # The wall's case: the layer is warm and one incident arrives (with its live event).
    hotspots.gistar_layer(sel, params)
    user = synth_write.synth_user()
    kesehatan = IncidentType.objects.get(code="kesehatan")

    def one_more():
        with transaction.atomic():
            incident = Incident.objects.create(
                category="medis",
                type=kesehatan,
                priority=1,
                point=Point(101.45, 0.51, srid=4326),
                created_by=user,
            )
            live.record("incident.created", {"incident": {"id": incident.pk}})
        return hotspots.gistar_layer(sel, params)

    incremental = Timing([_timed(one_more) for _ in range(10)])

    # The steps of the previous path, and their floors/peers.
    fetch = Timing([_timed(lambda: load_points(qs)) for _ in range(3)])
    scan = Timing([_timed(lambda: qs.count()) for _ in range(3)])
    points = load_points(qs)
    assign = Timing([_timed(lambda: h3bins.cells_of(points.lat, points.lon, 9)) for _ in range(3)])
    sample = 100_000
    lat_s, lon_s = points.lat[:sample].tolist(), points.lon[:sample].tolist()
    start = time.perf_counter()
    [h3.latlng_to_cell(a, b, 9) for a, b in zip(lat_s, lon_s, strict=True)]
    scalar_1m = (time.perf_counter() - start) * 1000 * len(points) / sample

    counts = h3bins.stored_counts(qs, 9)
    universe = h3bins.study_area(9, counts.cells, 1)
    y = np.zeros(len(universe))
    y[np.searchsorted(universe, counts.cells)] = counts.totals
    w = h3bins.kring_weights(universe, 1)
    ours_gi = Timing([_timed(lambda: gistar.gi_star(w, y)) for _ in range(200)])
    from esda.getisord import G_Local

    w_esda = _esda_weights(w)
    peer_gi = Timing(
        [
            _timed(lambda: G_Local(y, w_esda, transform="B", star=True, permutations=0))
            for _ in range(20)
        ]
    )
    assert np.abs(gistar.gi_star_z(w, y) - G_Local(y, w_esda, "B", 0, star=True).Zs).max() < 1e-6
    result = gistar.gi_star(w, y)
    keep = (y > 0) | (result["bin"] != 0)
    features = Timing(
        [_timed(lambda: h3bins.features(universe[keep], {"count": y[keep]})) for _ in range(3)]
    )

    def h3_cold():
        cache.forget_running("cells", sel.key())
        return hotspots.h3_layer(sel, params)

    h3_layer = Timing([_timed(h3_cold) for _ in range(3)])
    emerging = Timing(
        [
            _timed(lambda: hotspots.emerging_layer(Selection(res=8), QueryDict("step_days=30")))
            for _ in range(3)
        ]
    )
    layer_all = _pooled(steps["layer"])
    return [
        Result(
            f"synth_incidents write ({label})", "s", t2 - t1, copy_floor,
            "binary COPY of the same rows, no table", target="minutes, not hours",
        ),
        Result(
            f"Gi* layer res 9 from the DB, cold ({label})", "p50 ms", layer_all.median, 1000.0,
            f"the 1 s budget; round medians {_span(steps['layer'])}", target="<= 1000 ms",
        ),
        Result(
            "  the same, just loaded (before any vacuum)", "p50 ms", unvacuumed.median,
            layer_all.median, "the same layer on the vacuumed table",
        ),
        Result(
            "  step: count per cell and category (SQL)", "p50 ms",
            _pooled(steps["stored"]).median, _pooled(steps["floor"]).median,
            f"floor: count(*) of the same index entries; ours {_span(steps['stored'])}, "
            f"floor {_span(steps['floor'])}",
        ),
        Result(
            "  previous path: read points + h3ronpy", "p50 ms",
            _pooled(steps["points"]).median, _pooled(steps["stored"]).median,
            f"the count per cell from stored cells; previous {_span(steps['points'])}",
        ),
        Result(
            f"  step: Gi* + FDR classes ({len(universe)} cells)", "p50 ms", ours_gi.median,
            peer_gi.median, "peer: esda G_Local analytic, same W", target="ratio <= 0.1",
        ),
        Result(
            f"  step: GeoJSON features ({int(keep.sum())} cells)", "p50 ms", features.median,
            layer_all.median, "the whole layer",
        ),
        Result(
            "Gi* layer res 9 after one new incident", "p50 ms", incremental.median,
            layer_all.median, "the same layer rebuilt from the DB",
        ),
        Result(
            "  fetch points (EWKB aggregate)", "p50 ms", fetch.median, scan.median,
            "floor: count(*) of the same rows",
        ),
        Result(
            "  points -> H3 res 9 (h3ronpy)", "p50 ms", assign.median, scalar_1m,
            "peer: scalar h3-py loop (100k, scaled)",
        ),
        Result(
            f"H3 counts layer res 9, cold ({label})", "p50 ms", h3_layer.median,
            _pooled(steps["stored"]).median, "floor: its count per cell alone",
        ),
        Result(
            f"emerging layer res 8, 30-day bins ({label})", "p50 ms", emerging.median,
            layer_all.median, "the Gi* layer at res 9",
        ),
    ]  # fmt: skip


if __name__ == "__main__":
    import dataclasses

    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    results = _measure()
    print(json.dumps([dataclasses.asdict(r) for r in results]))
