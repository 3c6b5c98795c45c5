"""AVL ingest through the service in batches of 1,000, against a binary COPY into the table."""

from __future__ import annotations

import random
import time
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from bench.harness import Result
from incidents import avl
from incidents.models import Agency, Unit

BATCHES = 20
BATCH = 1000


def run() -> list[Result]:
    agency = Agency.objects.get(code="dinkes")
    Unit.objects.bulk_create(
        [
            Unit(code=f"avl-{i}", name=f"avl {i}", kind="ambulance", agency=agency)
            for i in range(100)
        ]
    )
    rng = random.Random(9)
    start = timezone.now() - timedelta(hours=6)
    seconds = 0

    def batch() -> list[dict]:
        nonlocal seconds
        out = []
        for _ in range(BATCH // 100):
            seconds += 1
            at = (start + timedelta(seconds=seconds)).isoformat()
            out += [
                {
                    "unit": f"avl-{u}",
                    "time": at,
                    "lon": rng.uniform(101.4, 101.5),
                    "lat": rng.uniform(0.45, 0.55),
                    "speed_kmh": 30.0,
                    "heading_deg": 90.0,
                }
                for u in range(100)
            ]
        return out

    payloads = [batch() for _ in range(BATCHES)]
    t = time.perf_counter()
    for payload in payloads:
        outcome = avl.ingest(payload)
        if outcome.rejected:
            raise RuntimeError(outcome.rejected[:3])
    ours = BATCHES * BATCH / (time.perf_counter() - t)

    ids = dict(Unit.objects.filter(code__startswith="avl-").values_list("code", "pk"))
    rows = [
        (ids[f["unit"]], start + timedelta(days=1, seconds=i), f["lon"], f["lat"])
        for i, f in enumerate(f for p in payloads for f in p)
    ]
    with connection.cursor() as cursor:
        t = time.perf_counter()
        with cursor.cursor.copy(
            "COPY incidents_unitposition (unit_id, fix_at, point) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int8", "timestamptz", "bytea"])  # geometry_recv reads EWKB
            for unit_id, at, lon, lat in rows:
                copy.write_row((unit_id, at, _ewkb(lon, lat)))
        floor = len(rows) / (time.perf_counter() - t)
    return [
        Result(
            f"AVL ingest, batches of {BATCH}",
            "fix/s",
            ours,
            floor,
            "binary COPY into the same table",
            target=">= 20000/s and >= 0.5x",
        )
    ]


def _ewkb(lon: float, lat: float) -> bytes:
    import struct

    return struct.pack("<BIIdd", 1, 0x20000001, 4326, lon, lat)
