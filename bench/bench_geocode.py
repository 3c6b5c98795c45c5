"""Geocoder quality on the labelled set (bench/geocode_eval.jsonl) and latency against floors."""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from collections import defaultdict
from pathlib import Path

from django.contrib.gis.geos import GEOSGeometry, Point
from django.db import connection

from bench.harness import Result, Timing
from geo.geocoding.forward import geocode
from geo.geocoding.reverse import reverse
from geo.models import AdminArea

EVAL_FILE = Path(__file__).with_name("geocode_eval.jsonl")
TOP1_TARGET = 0.95
TOP5_TARGET = 0.99


def load_eval() -> list[dict]:
    return [json.loads(line) for line in EVAL_FILE.read_text().splitlines() if line.strip()]


def _truth_geometry(truth: dict, areas: dict[str, AdminArea]):
    if truth["type"] == "area":
        return areas[truth["code"]].geom
    return GEOSGeometry(truth["wkt"], srid=4326)


def is_correct(point: Point, truth: dict, tolerance_m: float, areas) -> bool:
    """Within tolerance of the true point/line, or inside the true area."""
    geom = _truth_geometry(truth, areas)
    if truth["type"] == "area":
        return geom.contains(point)
    a = point.transform(32647, clone=True)
    return a.distance(geom.transform(32647, clone=True)) <= tolerance_m


def quality(items: list[dict]) -> tuple[dict, list[dict]]:
    areas = {a.code: a for a in AdminArea.objects.all()}
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    misses = []
    for item in items:
        _, found = geocode(item["query"], limit=5)
        hits = [
            is_correct(
                Point(c.lon, c.lat, srid=4326), item["truth"], item.get("tolerance_m", 150), areas
            )
            for c in found
        ]
        stats = per_kind[item["kind"]]
        stats[0] += 1
        stats[1] += bool(hits and hits[0])
        stats[2] += any(hits)
        if not (hits and hits[0]):
            misses.append(
                {
                    "query": item["query"],
                    "kind": item["kind"],
                    "got": found[0].label if found else None,
                }
            )
    return per_kind, misses


class _Counter:
    """A connection execute wrapper counting the statements of the current call."""

    def __init__(self, counts: list[int]):
        self.counts = counts

    def __call__(self, execute, sql, params, many, context):
        self.counts[-1] += 1
        return execute(sql, params, many, context)


def interleaved(ours, floor, n: int, warmup: int = 20) -> tuple[Timing, Timing]:
    """Time ``ours`` and ``floor`` alternately, call by call."""
    for _ in range(warmup):
        ours()
        floor()
    a, b = [], []
    for _ in range(n):
        start = time.perf_counter()
        ours()
        a.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        floor()
        b.append((time.perf_counter() - start) * 1000)
    return Timing(a), Timing(b)


def _backend_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of a process on this machine, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_per_call(fn, n: int) -> tuple[float, float] | None:
    """Mean CPU milliseconds per call in this process and in its database backend: unlike wall
    time, hardly changed by what else the shared machine runs. None when the database is not
    a local process."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        db0 = _backend_cpu_s(pid)
    except OSError:
        return None
    own0 = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - own0) * 1000 / n, (_backend_cpu_s(pid) - db0) * 1000 / n


def run() -> list[Result]:
    results: list[Result] = []
    items = load_eval()
    per_kind, misses = quality(items)
    total = [sum(v[i] for v in per_kind.values()) for i in range(3)]
    print(f"    {'kind':20} {'n':>4} {'top-1':>7} {'top-5':>7}")
    for kind, (n, top1, top5) in sorted(per_kind.items()):
        print(f"    {kind:20} {n:4d} {top1 / n:7.1%} {top5 / n:7.1%}")
    print(
        f"    {'all':20} {total[0]:4d} {total[1] / total[0]:7.1%} {total[2] / total[0]:7.1%}"
        f"   (targets {TOP1_TARGET:.0%} / {TOP5_TARGET:.0%})"
    )
    for miss in misses[:60]:
        print(f"    miss [{miss['kind']}] {miss['query']!r} -> {miss['got']!r}")

    # Statements per forward geocode, counted on the connection.
    counts = []
    with connection.execute_wrapper(_Counter(counts)):
        for item in items:
            counts.append(0)
            geocode(item["query"])
    print(
        f"    statements per forward geocode: mean {statistics.mean(counts):.2f},"
        f" max {max(counts)} (first call on a connection: +1 to prepare)"
    )

    # Latency: forward queries from the set, reverse at random points in the city. Ours and the
    # floor alternate call by call, so both see the same load on this shared machine.
    rng = random.Random(112)
    queries = [item["query"] for item in items]
    cycle = iter(queries * 3)

    with connection.cursor() as cursor:

        def trigram_floor():
            cursor.execute(
                "SELECT id FROM geo_street WHERE name %% %s ORDER BY similarity(name, %s) DESC"
                " LIMIT 5",
                [rng.choice(["sudirman", "durian", "paus", "arifin ahmad", "tuanku tambusai"])] * 2,
            )
            cursor.fetchall()

        forward, floor_fwd = interleaved(
            lambda: geocode(next(cycle)), trigram_floor, n=min(600, len(queries) * 3)
        )
        city = AdminArea.objects.city().get()
        x0, y0, x1, y1 = city.geom.extent
        points = [(rng.uniform(y0, y1), rng.uniform(x0, x1)) for _ in range(2000)]
        it = iter(points * 2)
        it2 = iter(points * 2)

        def reverse_floor():
            lat, lon = next(it2)
            cursor.execute(
                "SELECT (SELECT code FROM geo_adminarea WHERE level = 'kelurahan' AND"
                " ST_Intersects(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) LIMIT 1),"
                " (SELECT id FROM geo_roadsegment"
                "  ORDER BY geom <-> ST_SetSRID(ST_MakePoint(%s, %s), 4326) LIMIT 1)",
                [lon, lat, lon, lat],
            )
            cursor.fetchone()

        rev, floor_rev = interleaved(lambda: reverse(*next(it)), reverse_floor, n=1000)
        # CPU per call, in this process and in the database backend (load-independent).
        cycle_cpu = iter(queries * 3)
        cpu = {
            "forward": cpu_per_call(lambda: geocode(next(cycle_cpu)), len(queries)),
            "forward floor": cpu_per_call(trigram_floor, len(queries)),
            "reverse": cpu_per_call(lambda: reverse(*next(it)), 1000),
            "reverse floor": cpu_per_call(reverse_floor, 1000),
        }
    for label, value in cpu.items():
        if value is not None:
            print(
                f"    CPU per call, {label}: python {value[0]:.2f} ms + database {value[1]:.2f} ms"
            )
    for label, ours, floor in (("forward", forward, floor_fwd), ("reverse", rev, floor_rev)):
        print(
            f"    {label}: ours p50 {ours.median:.2f} p95 {ours.pct(95):.2f}"
            f" p99 {ours.pct(99):.2f} ms | floor p50 {floor.median:.2f} p95 {floor.pct(95):.2f}"
            f" p99 {floor.pct(99):.2f} ms"
        )

    results.append(
        Result(
            "geocode top-1 accuracy",
            "share",
            total[1] / total[0],
            TOP1_TARGET,
            "target",
            target=">= 1.00 x",
        )
    )
    results.append(
        Result(
            "geocode top-5 accuracy",
            "share",
            total[2] / total[0],
            TOP5_TARGET,
            "target",
            target=">= 1.00 x",
        )
    )
    results.append(
        Result(
            "forward geocode (server-side)",
            "p50 ms",
            forward.median,
            floor_fwd.median,
            "one trigram query on street names",
        )
    )
    results.append(
        Result(
            "forward geocode (server-side)",
            "p95 ms",
            forward.pct(95),
            floor_fwd.pct(95),
            "one trigram query on street names",
            target="p95 <= 15 ms",
        )
    )
    results.append(
        Result(
            "reverse geocode (server-side)",
            "p50 ms",
            rev.median,
            floor_rev.median,
            "point-in-polygon + nearest road",
        )
    )
    results.append(
        Result(
            "reverse geocode (server-side)",
            "p99 ms",
            rev.pct(99),
            floor_rev.pct(99),
            "point-in-polygon + nearest road",
            target="p99 <= 5 ms",
        )
    )
    for label, floor_label in (
        ("forward", "one trigram query on street names"),
        ("reverse", "point-in-polygon + nearest road"),
    ):
        ours_cpu, floor_cpu = cpu[label], cpu[f"{label} floor"]
        if ours_cpu is not None and floor_cpu is not None:
            results.append(
                Result(
                    f"{label} geocode CPU (python + database)",
                    "mean ms",
                    sum(ours_cpu),
                    sum(floor_cpu),
                    floor_label,
                )
            )
    return results
