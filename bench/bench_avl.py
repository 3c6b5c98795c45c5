"""AVL ingest through the batch endpoint in batches of 1,000, against a binary COPY into the table.

Ours is the whole server path of ``POST /api/units/positions/``: Django's request handling and
middleware, token authentication and the role check, the body decoded into typed fixes and
checked (incidents.avl.batch), one statement that locks the batch's units and moves their last
positions, one binary COPY of the fixes into the history, the throttled live event (its
after-commit step included) and the JSON answer. The client's own work (encoding the body) is
done before the clock starts. The floor writes the same number of rows with one binary COPY
straight into incidents_unitposition, its COPY buffer built before the clock starts too (the
fastest honest way: the server's own cost of the rows, with no client work; measured here it is
about 1.2-1.8x faster than psycopg's C ``write_row`` of the same tuples inside the clock).

Besides wall time, the CPU each side spends per batch, in this process and in its database
backend, is printed: on the shared 2-core machine it moves much less with the load than wall
time (the ratio of the two lines differs by what waiting on the other process costs).

The benchmark runs inside a transaction that is rolled back (bench/run.py), so neither side pays
for a commit; a real gateway's request commits once per batch. That makes each of our requests
a savepoint, and the units' rows keep every version the run writes (nothing can be pruned before
the end of the transaction), which a committed request does not pay.
"""

from __future__ import annotations

import json
import random
import struct
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.db import connection
from django.test import Client, TestCase
from django.utils import timezone

from accounts.services import issue_token
from bench.harness import Result
from incidents import avl, live
from incidents.models import Agency, Unit

BATCHES = 30
BATCH = 1000
UNITS = 100
URL = "/api/units/positions/"


def _payloads(start) -> list[bytes]:
    rng = random.Random(9)
    seconds = 0
    out = []
    for _ in range(BATCHES):
        fixes = []
        for _ in range(BATCH // UNITS):
            seconds += 1
            at = (start + timedelta(seconds=seconds)).isoformat()
            fixes += [
                {
                    "unit": f"avl-{u}",
                    "time": at,
                    "lon": round(rng.uniform(101.4, 101.5), 6),
                    "lat": round(rng.uniform(0.45, 0.55), 6),
                    "speed_kmh": 30.0,
                    "heading_deg": 90.0,
                    "accuracy_m": 5.0,
                }
                for u in range(UNITS)
            ]
        out.append(json.dumps(fixes).encode())
    return out


def run() -> list[Result]:
    agency = Agency.objects.get(code="dinkes")
    Unit.objects.bulk_create(
        [
            Unit(code=f"avl-{i}", name=f"avl {i}", kind="ambulance", agency=agency)
            for i in range(UNITS)
        ]
    )
    key = issue_token("bench-gateway", "operator").key
    client = Client(HTTP_AUTHORIZATION=f"Token {key}", SERVER_NAME="127.0.0.1")
    live.reset_coalescing(avl.POSITIONS_EVENT)
    start = timezone.now() - timedelta(hours=6)
    payloads = _payloads(start)

    def post(body: bytes) -> None:
        # Run the after-commit steps (the throttle's Redis step) as a committed request would.
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(URL, body, content_type="application/json")
        answer = response.json()
        if response.status_code != 200 or answer["rejected"] or answer["stored"] != BATCH:
            raise RuntimeError(f"{response.status_code} {str(answer)[:300]}")

    ids = dict(Unit.objects.filter(code__startswith="avl-").values_list("code", "pk"))

    def copy_buffer(batch: int) -> bytes:
        """The batch's rows as one binary COPY stream (times a day later than ours: no clash)."""
        base = start + timedelta(days=1, seconds=batch * BATCH)
        micros = (base - PG_EPOCH) // timedelta(microseconds=1)
        rows = [
            ROW.pack(6, 8, ids[f"avl-{i % UNITS}"], 8, micros + i * 1_000_000, len(POINT), POINT)
            + TAIL
            for i in range(BATCH)
        ]
        return COPY_HEADER + b"".join(rows) + COPY_TRAILER

    buffers = [copy_buffer(n) for n in range(BATCHES)]

    def copy_floor(batch: int) -> None:
        """The same number of rows, already a binary COPY stream, by one COPY."""
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                "COPY incidents_unitposition (unit_id, fix_at, point, speed_kmh, heading_deg,"
                " accuracy_m) FROM STDIN (FORMAT BINARY)"
            ) as copy,
        ):
            copy.write(buffers[batch])

    post(payloads[0])  # warm-up: connection, imports, plans
    copy_floor(0)
    backend = _backend_cpu()
    # Interleaved, batch by batch, so that both sides see the same load on a shared machine.
    ours_s = floor_s = ours_cpu = floor_cpu = 0.0
    for n, body in enumerate(payloads[1:], start=1):
        cpu, t = _cpu(backend), time.perf_counter()
        post(body)
        ours_s += time.perf_counter() - t
        ours_cpu += _cpu(backend) - cpu
        cpu, t = _cpu(backend), time.perf_counter()
        copy_floor(n)
        floor_s += time.perf_counter() - t
        floor_cpu += _cpu(backend) - cpu
    ours = (BATCHES - 1) * BATCH / ours_s
    floor = (BATCHES - 1) * BATCH / floor_s
    live.reset_coalescing(avl.POSITIONS_EVENT)
    results = [
        Result(
            f"AVL ingest: POST batches of {BATCH} (endpoint)",
            "fix/s",
            ours,
            floor,
            "binary COPY of the same batches (buffer pre-built)",
            target=">= 20000/s and ratio >= 0.5",
        )
    ]
    if backend is not None:
        results.append(
            Result(
                "AVL ingest CPU per batch (python + database)",
                "mean ms",
                ours_cpu * 1000 / (BATCHES - 1),
                floor_cpu * 1000 / (BATCHES - 1),
                "the same binary COPY",
            )
        )
    return results


def _backend_cpu() -> Path | None:
    """/proc's scheduler statistics of this connection's database backend (its CPU time to the
    nanosecond), or None when the database is not a local process."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    path = Path(f"/proc/{pid}/schedstat")
    return path if path.exists() else None


def _cpu(backend: Path | None) -> float:
    """CPU seconds so far of this process and of the database backend."""
    own = time.process_time()
    return own if backend is None else own + int(backend.read_text().split()[0]) / 1e9


POINT = struct.pack("<BIIdd", 1, 0x20000001, 4326, 101.45, 0.5)  # EWKB, as geometry_recv reads
# PostgreSQL's binary COPY format: a header, then per row the field count and each field's length
# and big-endian value (int8 unit, timestamptz as microseconds since 2000-01-01 UTC, the geometry
# as EWKB, three float4), then -1.
PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
COPY_TRAILER = struct.pack("!h", -1)
ROW = struct.Struct(f"!hiqiqi{len(POINT)}s")
TAIL = struct.pack("!ififif", 4, 30.0, 4, 90.0, 4, 5.0)
