"""Ranking 20 candidate units by drive time, against pgRouting and a bare in-memory Dijkstra.

Ours is incidents.responders.nearest() — the whole server-side ranking: the KNN shortlist (one
SQL), snapping the incident and the 20 candidates to the road graph, the search and the ranking —
and, apart, the same through the HTTP endpoint in process (Django + DRF, with the 3 routes).
The straight-line shortlist (responders.straight_nearest) is measured against the bare KNN
statement on a raw cursor; the ORM queryset is printed beside it for scale.
"""

from __future__ import annotations

import random

from django.contrib.gis.geos import Point
from django.db import connection
from django.test import Client
from django.utils import timezone
from scipy.sparse.csgraph import dijkstra

from accounts.services import issue_token
from bench.harness import Result, Timing, measure
from geo import routing
from incidents import responders
from incidents.models import Agency, Unit

BOX = (101.40, 0.46, 101.50, 0.56)


def interleaved(fns, n: int, warmup: int = 10) -> list[Timing]:
    """Time each callable n times, taking turns, so that all see the same machine load."""
    import time

    samples = [[] for _ in fns]
    for round_ in range(warmup + n):
        for fn, out in zip(fns, samples, strict=True):
            start = time.perf_counter()
            fn()
            if round_ >= warmup:
                out.append((time.perf_counter() - start) * 1000)
    return [Timing(s) for s in samples]


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
    g = routing.graph()
    nodes = list(g.index)
    it = iter(spots * 10)
    it2 = iter(spots * 10)

    def rank():
        responders.nearest(next(it), "dinkes", k=3, with_routes=False)

    def floor_dijkstra():
        # A bare single-source search on the same matrix, bounded at 40 minutes of driving.
        dijkstra(g.csr, indices=g.index[rng.choice(nodes)], limit=2400)

    # Interleaved sample by sample: on a shared machine both sides see the same load.
    ours, floor = interleaved([rank, floor_dijkstra], n=300)
    routed = measure(lambda: responders.nearest(next(it2), "dinkes", k=3), n=100)

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

        def knn():
            cursor.execute(
                "SELECT id FROM incidents_unit ORDER BY point <-> "
                "ST_SetSRID(ST_MakePoint(%s, %s), 4326) LIMIT 20",
                [rng.uniform(BOX[0], BOX[2]), rng.uniform(BOX[1], BOX[3])],
            )
            cursor.fetchall()

        def straight_service():
            responders.straight_nearest(
                Point(rng.uniform(BOX[0], BOX[2]), rng.uniform(BOX[1], BOX[3]), srid=4326),
                "dinkes",
                n=20,
            )

        def straight_orm():
            spot = Point(rng.uniform(BOX[0], BOX[2]), rng.uniform(BOX[1], BOX[3]), srid=4326)
            list(Unit.objects.available().nearest(spot)[:20])

        knn_floor, straight, straight_q = interleaved([knn, straight_service, straight_orm], n=400)
    key = issue_token("bench-operator", "operator").key
    client = Client(HTTP_AUTHORIZATION=f"Token {key}", SERVER_NAME="127.0.0.1")
    it3 = iter(spots * 10)
    it4 = iter(spots * 10)

    def endpoint():
        spot = next(it3)
        response = client.get(
            "/api/responders/nearest/", {"lat": spot.y, "lon": spot.x, "agency": "dinkes"}
        )
        if response.status_code != 200:
            raise RuntimeError(response.content[:300])

    def rank_routed():
        responders.nearest(next(it4), "dinkes", k=3)

    http, routed_beside = interleaved([endpoint, rank_routed], n=100)
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
            "GET /api/responders/nearest/ k=3 (in process)",
            "p50 ms",
            http.median,
            routed_beside.median,
            "the same ranking + routes, no HTTP",
        ),
        Result(
            "straight-line nearest 20 (service)",
            "p50 ms",
            straight.median,
            knn_floor.median,
            "raw KNN SQL",
            target="ratio <= 2",
        ),
        Result(
            "straight-line nearest 20 (ORM queryset)",
            "p50 ms",
            straight_q.median,
            knn_floor.median,
            "raw KNN SQL",
        ),
    ]
