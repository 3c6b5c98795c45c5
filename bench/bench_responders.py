"""Ranking 20 candidate units by drive time, against pgRouting and a bare in-memory Dijkstra."""

from __future__ import annotations

import random

from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone
from scipy.sparse.csgraph import dijkstra

from bench.harness import Result, measure
from geo import routing
from incidents import responders
from incidents.models import Agency, Unit

BOX = (101.40, 0.46, 101.50, 0.56)


def run() -> list[Result]:
    rng = random.Random(20)
    agency = Agency.objects.get(code="dinkes")
    Unit.objects.bulk_create(
        [
            Unit(
                code=f"bench-{i}",
                name=f"bench {i}",
                kind="ambulance",
                agency=agency,
                point=Point(rng.uniform(BOX[0], BOX[2]), rng.uniform(BOX[1], BOX[3]), srid=4326),
                fix_at=timezone.now(),
            )
            for i in range(20)
        ]
    )
    spots = [
        Point(rng.uniform(BOX[0], BOX[2]), rng.uniform(BOX[1], BOX[3]), srid=4326)
        for _ in range(200)
    ]
    routing.graph()
    it = iter(spots * 10)
    ours = measure(lambda: responders.nearest(next(it), "dinkes", k=3, with_routes=False), n=200)
    it2 = iter(spots * 10)
    routed = measure(lambda: responders.nearest(next(it2), "dinkes", k=3), n=100)

    g = routing.graph()
    nodes = list(g.index)
    floor = measure(lambda: dijkstra(g.csr, indices=g.index[rng.choice(nodes)], limit=2400), n=200)

    speeds = routing.speeds_mps()
    case = " ".join(f"WHEN '{c}' THEN length_m / {v}" for c, v in speeds.items())
    edges_sql = (
        f"SELECT id, source, target, CASE road_class {case} END AS cost,"
        f" CASE road_class {case} END AS reverse_cost FROM geo_roadsegment"
    )
    with connection.cursor() as cursor:

        def pgr():
            cursor.execute(
                "SELECT * FROM pgr_dijkstraCost(%s, %s, %s::bigint[])",
                [edges_sql, rng.choice(nodes), rng.sample(nodes, 20)],
            )
            cursor.fetchall()

        peer = measure(pgr, n=20, warmup=2)
        cursor.execute(
            "SELECT id FROM incidents_unit ORDER BY point <-> "
            "ST_SetSRID(ST_MakePoint(101.45, 0.5), 4326) LIMIT 20"
        )

        def knn():
            cursor.execute(
                "SELECT id FROM incidents_unit ORDER BY point <-> "
                "ST_SetSRID(ST_MakePoint(%s, %s), 4326) LIMIT 20",
                [rng.uniform(BOX[0], BOX[2]), rng.uniform(BOX[1], BOX[3])],
            )
            cursor.fetchall()

        knn_floor = measure(knn, n=300)
    straight = measure(
        lambda: list(
            Unit.objects.available().nearest(
                Point(rng.uniform(BOX[0], BOX[2]), rng.uniform(BOX[1], BOX[3]), srid=4326)
            )[:20]
        ),
        n=300,
    )
    return [
        Result(
            "rank 20 units by drive time",
            "p50 ms",
            ours.median,
            floor.median,
            "in-memory Dijkstra alone (scipy)",
        ),
        Result(
            "rank 20 units by drive time",
            "p95 ms",
            ours.pct(95),
            floor.pct(95),
            "in-memory Dijkstra alone (scipy)",
            target="p95 <= 10 ms",
        ),
        Result(
            "rank 20 units by drive time",
            "p50 ms",
            ours.median,
            peer.median,
            "peer: pgr_dijkstraCost 1x20",
        ),
        Result(
            "rank + 3 routes",
            "p50 ms",
            routed.median,
            floor.median,
            "in-memory Dijkstra alone (scipy)",
        ),
        Result(
            "straight-line nearest 20 (ORM)",
            "p50 ms",
            straight.median,
            knn_floor.median,
            "raw KNN SQL",
            target="ratio <= 2",
        ),
    ]
