"""Call intake at 20 calls/s for 60 s while 2,000 units report their position at 1 Hz
(batched through /api/units/positions/), on a real server: no errors, intake latency p50/p99
beside the same intake with no AVL traffic, measured first in the same run."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from bench.bench_ws_load import redis_server
from bench.harness import Result, Timing
from bench.servers import ROOT, bench_database, server

CALL_RATE = 20
DURATION_S = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
ALONE_S = 10
UNITS = 2000
BATCHES_PER_S = 4  # 2,000 fixes a second in 4 batches of 500, as a gateway would send them

MAKE_UNITS = textwrap.dedent(
    f"""
    import django
    django.setup()
    from incidents.models import Agency, Unit
    agency = Agency.objects.order_by("code").first()
    Unit.objects.bulk_create(
        [Unit(code=f"bench-{{i}}", name=f"Bench {{i}}", kind="patrol", agency=agency)
         for i in range({UNITS})],
        ignore_conflicts=True,
    )
    """
)


class Load:
    def __init__(self, base: str, token: str):
        self.base, self.token = base, token
        self.errors: list[str] = []
        self.intake_ms: list[float] = []
        self.avl_ms: list[float] = []
        self.lock = threading.Lock()

    def _post(self, path: str, body) -> float:
        request = urllib.request.Request(
            f"{self.base}{path}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answer = json.loads(response.read())
        except (urllib.error.URLError, OSError) as exc:
            with self.lock:
                self.errors.append(f"{path}: {exc}")
            return -1
        elapsed = (time.perf_counter() - start) * 1000
        if isinstance(answer, dict) and answer.get("rejected"):
            with self.lock:
                self.errors.append(f"{path}: {len(answer['rejected'])} fixes rejected")
        return elapsed

    def call(self, i: int) -> None:
        body = {
            "caller_number": f"+62811{i:07d}",
            "spoken_address": "Jl. Jend. Sudirman dekat Mal SKA",
            "lat": 0.5 + random.random() * 0.05,
            "lon": 101.42 + random.random() * 0.05,
        }
        ms = self._post("/api/calls/", body)
        if ms >= 0:
            with self.lock:
                self.intake_ms.append(ms)

    def positions(self, batch: int, second: int) -> None:
        now = datetime.now(UTC).isoformat()
        per = UNITS // BATCHES_PER_S
        fixes = [
            {
                "unit": f"bench-{u}",
                "time": now,
                "lon": 101.40 + (u % 100) * 0.001 + second * 1e-5,
                "lat": 0.48 + (u // 100) * 0.001,
                "speed_kmh": 30.0,
                "heading_deg": 90.0,
            }
            for u in range(batch * per, (batch + 1) * per)
        ]
        ms = self._post("/api/units/positions/", fixes)
        if ms >= 0:
            with self.lock:
                self.avl_ms.append(ms)


def _paced(pool: ThreadPoolExecutor, seconds: int, load: Load, with_avl: bool, first: int):
    start, futures, i = time.monotonic(), [], first
    for tick in range(seconds * CALL_RATE):
        due = start + tick / CALL_RATE
        time.sleep(max(0.0, due - time.monotonic()))
        futures.append(pool.submit(load.call, i))
        i += 1
        if with_avl and tick % (CALL_RATE // BATCHES_PER_S) == 0:
            second, batch = divmod(tick // (CALL_RATE // BATCHES_PER_S), BATCHES_PER_S)
            futures.append(pool.submit(load.positions, batch, second))
    for f in futures:
        f.result()
    return i


def run() -> list[Result]:
    with bench_database("siaga112_bench_load") as url, redis_server() as redis_url:
        env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1"}
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", MAKE_UNITS],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        token = subprocess.run(
            [sys.executable, "manage.py", "issue_token", "bench-gateway", "--role", "operator"],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        with server(url, REDIS_URL=redis_url) as (port, _), ThreadPoolExecutor(32) as pool:
            base = f"http://127.0.0.1:{port}"
            alone = Load(base, token)
            n = _paced(pool, ALONE_S, alone, with_avl=False, first=0)
            loaded = Load(base, token)
            _paced(pool, DURATION_S, loaded, with_avl=True, first=n)
    errors = alone.errors + loaded.errors
    print(
        f"    {len(loaded.intake_ms)} calls in {DURATION_S} s with {len(loaded.avl_ms)} AVL "
        f"batches ({len(loaded.avl_ms) * UNITS // BATCHES_PER_S} fixes); errors: {len(errors)}"
    )
    for e in errors[:5]:
        print(f"      {e}")
    ours, peer, avl = Timing(loaded.intake_ms), Timing(alone.intake_ms), Timing(loaded.avl_ms)
    size = UNITS // BATCHES_PER_S
    print(f"    AVL batch of {size}: p50 {avl.median:.1f} ms, p99 {avl.pct(99):.1f} ms")
    name = f"intake {CALL_RATE}/s + {UNITS} units at 1 Hz"
    label = f"same intake, no AVL ({ALONE_S} s)"
    return [
        Result(name, "p50 ms", ours.median, peer.median, label),
        Result(name, "p99 ms", ours.pct(99), peer.pct(99), label, target="no errors"),
    ]
