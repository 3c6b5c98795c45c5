"""500 WebSocket clients on the live feed while events are published at 50/s (real server,
one Redis subscription per process, layers/hub.py): publish → receive latency and no missed
event, beside a raw Redis PUBLISH → subscriber round trip measured in the same run."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import textwrap
import time

from bench.harness import Result, Timing
from bench.servers import ROOT, bench_database, free_port, server

CLIENTS = int(os.environ.get("BENCH_WS_CLIENTS", "500"))
RATE = 50  # events per second
DURATION_S = int(os.environ.get("BENCH_WS_SECONDS", "10"))
KIND = "bench.tick"
# permessage-deflate, as browsers negotiate it; BENCH_WS_DEFLATE=0 measures without it.
COMPRESSION = "deflate" if os.environ.get("BENCH_WS_DEFLATE", "1") == "1" else None

# The publisher: a separate process writing to the outbox as the services do (live.record in
# the writer's transaction, sent after commit), stamping the wall-clock time of the write.
PUBLISHER = textwrap.dedent(
    f"""
    import time
    import django
    django.setup()
    from django.db import transaction
    from incidents import live
    n, rate = {RATE * DURATION_S}, {RATE}
    start = time.monotonic()
    for i in range(n):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        with transaction.atomic():
            live.record("{KIND}", {{"i": i, "t": time.time()}})
    """
)


@contextlib.contextmanager
def redis_server():
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    try:
        import redis

        for _ in range(100):
            with contextlib.suppress(redis.exceptions.ConnectionError):
                redis.Redis(port=port).ping()
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.kill()
        proc.wait()


async def _redis_floor(url: str, n: int = 500) -> list[float]:
    """PUBLISH → a subscriber's receipt, in one process: the least a push through Redis costs."""
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(url)
    pubsub = client.pubsub()
    await pubsub.subscribe("floor")
    await pubsub.get_message(timeout=1)  # subscribe confirmation
    samples = []
    for i in range(n):
        start = time.perf_counter()
        await client.publish("floor", str(i))
        while (await pubsub.get_message(timeout=1)) is None:
            pass
        samples.append((time.perf_counter() - start) * 1000)
    await pubsub.aclose()
    await client.aclose()
    return samples


async def _client(port: int, token: str, ready: asyncio.Semaphore, out: dict):
    """One wall. It only stamps and keeps what arrives (parsed after the run): the 500 clients
    share one process and one core, and must cost less than the server they measure."""
    import websockets

    async with ready:  # bounded concurrent handshakes
        ws = await websockets.connect(
            f"ws://127.0.0.1:{port}/ws/events/",
            subprotocols=["siaga112", f"token.{token}"],
            origin=f"http://127.0.0.1:{port}",
            open_timeout=60,
            max_queue=None,
            compression=COMPRESSION,
        )
    got = out.setdefault("got", [])
    async with ws:
        json.loads(await ws.recv())  # hello
        out["ready"] = True
        async for raw in ws:  # until cancelled
            got.append((time.time(), raw))


def _parse(out: dict) -> None:
    seqs, lat = out.setdefault("seqs", []), out.setdefault("lat", [])
    for now, raw in out.get("got", []):
        event = json.loads(raw)
        if event.get("kind") == KIND:
            seqs.append(event["seq"])
            lat.append((now - event["t"]) * 1000)


async def _drive(port: int, token: str, env: dict) -> tuple[list[dict], float]:
    ready = asyncio.Semaphore(50)
    outs = [{} for _ in range(CLIENTS)]
    tasks = [asyncio.create_task(_client(port, token, ready, o)) for o in outs]
    t0 = time.monotonic()
    while sum(1 for o in outs if o.get("ready")) < CLIENTS:
        await asyncio.sleep(0.2)
        failed = [t for t in tasks if t.done() and t.exception()]
        if failed:
            raise failed[0].exception()
        if time.monotonic() - t0 > 120:
            raise RuntimeError("clients did not all connect in 120 s")
    connect_s = time.monotonic() - t0
    publisher = await asyncio.create_subprocess_exec(
        sys.executable, "manage.py", "shell", "-c", PUBLISHER, cwd=ROOT, env=env
    )
    await publisher.wait()
    # Wait for the events in flight: until every delivery arrived, or none for 3 s (max 30 s).
    expected, last, idle_since = RATE * DURATION_S * CLIENTS, -1, time.monotonic()
    for _ in range(60):
        total = sum(len(o.get("got", [])) for o in outs)
        if total >= expected or time.monotonic() - idle_since > 3:
            break
        if total != last:
            last, idle_since = total, time.monotonic()
        await asyncio.sleep(0.5)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for out in outs:
        _parse(out)
    return outs, connect_s


def run() -> list[Result]:
    with bench_database("siaga112_bench_ws") as url, redis_server() as redis_url:
        env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "REDIS_URL": redis_url}
        token = subprocess.run(
            [sys.executable, "manage.py", "issue_token", "bench-wall", "--role", "wall"],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        floor = Timing(asyncio.run(_redis_floor(redis_url)))
        with server(url, REDIS_URL=redis_url) as (port, _):
            outs, connect_s = asyncio.run(_drive(port, token, {**env, "DEBUG": "0"}))
    return _results(outs, connect_s, floor)


def _results(outs: list[dict], connect_s: float, floor: Timing) -> list[Result]:
    expected = RATE * DURATION_S
    complete = 0
    for out in outs:
        seqs = out.get("seqs", [])
        if len(seqs) == expected and seqs == list(range(seqs[0], seqs[0] + expected)):
            complete += 1
    ours = Timing([x for o in outs for x in o.get("lat", [])])
    deflate = "on" if COMPRESSION else "off"
    print(
        f"    {CLIENTS} clients connected in {connect_s:.1f} s; {RATE}/s for {DURATION_S} s; "
        f"permessage-deflate {deflate}"
    )
    print(
        f"    {complete}/{CLIENTS} clients got all {expected} events in order (seq contiguous); "
        f"{len(ours.samples_ms)}/{expected * CLIENTS} deliveries"
    )
    label = "raw Redis PUBLISH → subscriber"
    name = f"live feed, {CLIENTS} WS clients, {RATE} ev/s"
    return [
        Result(name, "p50 ms", ours.median, floor.median, label),
        Result(name, "p99 ms", ours.pct(99), floor.pct(99), label, target="p99 <= 250 ms"),
    ]
