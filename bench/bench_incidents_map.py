"""Open-incidents map feed (5,000 incidents) against one raw json_agg(ST_AsGeoJSON) query."""

from __future__ import annotations

import random

from django.contrib.gis.geos import Point
from django.db import connection
from django.test import Client

from accounts.services import issue_token
from bench.harness import Result, measure
from incidents.models import Incident, IncidentType
from incidents.sql import MAP_FEED

N = 5000
# The same FeatureCollection (same properties and joins) in one hand-written statement.
FLOOR_SQL = MAP_FEED.format(
    ids="SELECT id FROM incidents_incident"
    " WHERE status IN ('received', 'verified', 'dispatched', 'on_scene')"
)


def run() -> list[Result]:
    key = issue_token("bench-map", "wall").key
    user_id = (
        __import__("accounts.models", fromlist=["User"]).User.objects.get(username="bench-map").pk
    )
    types = list(IncidentType.objects.all())
    rng = random.Random(5)
    Incident.objects.bulk_create(
        [
            Incident(
                category=t.category,
                type=t,
                priority=t.default_priority,
                status=rng.choice(["received", "verified", "dispatched", "on_scene"]),
                point=Point(rng.uniform(101.38, 101.52), rng.uniform(0.44, 0.60), srid=4326),
                uncertainty_m=50,
                created_by_id=user_id,
            )
            for t in (rng.choice(types) for _ in range(N))
        ],
        batch_size=1000,
    )
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {key}")

    def feed():
        response = client.get("/api/incidents/map/", {"status": "open"})
        if response.status_code != 200:
            raise RuntimeError(response.status_code)

    ours = measure(feed, n=40, warmup=3)
    with connection.cursor() as cursor:

        def floor():
            cursor.execute(FLOOR_SQL)
            cursor.fetchone()

        base = measure(floor, n=40, warmup=3)
    return [
        Result(
            f"GET /api/incidents/map/ ({N} open)",
            "p50 ms",
            ours.median,
            base.median,
            "one json_agg(ST_AsGeoJSON) query",
            target="ratio <= 1.5",
        ),
    ]
