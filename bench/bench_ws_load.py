"""500 WebSocket clients on the live feed while events are published at 50/s (real server,
one Redis subscription per process, layers/hub.py): publish → receive latency and no missed
event, beside a raw Redis PUBLISH → subscriber round trip measured during the same run.

    BENCH_WS_CLIENTS=500 BENCH_WS_SECONDS=10   how many walls, how long events are published
    BENCH_WS_FRAMING=batch|single   subprotocol siaga112.batch (as the wall asks) or one per frame
    BENCH_WS_DEFLATE=1|0            permessage-deflate offered by the clients (browsers do)
    BENCH_WS_CLIENT_PROCS=2         processes the clients are spread over (bench/ws_clients.py)
    BENCH_WS_WORKERS=1              uvicorn worker processes
    BENCH_WS_SERVER_ARGS=           more uvicorn options, e.g. "--ws-per-message-deflate true"

The clients, the publisher, Redis, PostgreSQL and the server share this machine; the CPU each
used during the run is printed, so the split is visible.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from subprocess import PIPE

from bench.harness import Result, Timing
from bench.servers import ROOT, bench_database, free_port, server

CLIENTS = int(os.environ.get("BENCH_WS_CLIENTS", "500"))
RATE = 50  # events per second
DURATION_S = int(os.environ.get("BENCH_WS_SECONDS", "10"))
KIND = "bench.tick"
# permessage-deflate offered, as browsers do (the server declines it unless told otherwise).
COMPRESSION = "deflate" if os.environ.get("BENCH_WS_DEFLATE", "1") == "1" else "none"
FRAMING = os.environ.get("BENCH_WS_FRAMING", "batch")
CLIENT_PROCS = int(os.environ.get("BENCH_WS_CLIENT_PROCS", "2"))
WORKERS = int(os.environ.get("BENCH_WS_WORKERS", "1"))
SERVER_ARGS = tuple(os.environ.get("BENCH_WS_SERVER_ARGS", "").split())

# The publisher: a separate process writing to the outbox as the services do (live.record in
# the writer's transaction, sent after commit), stamping the wall-clock time before the write
# (in the event) and after the commit and PUBLISH (printed at the end).
PUBLISHER = textwrap.dedent(
    f"""
    import json
    import time
    import django
    django.setup()
    from django.db import transaction
    from incidents import live
    n, rate = {RATE * DURATION_S}, {RATE}
    print("start", flush=True)
    start, cpu = time.monotonic(), time.process_time()
    published = {{}}
    for i in range(n):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        with transaction.atomic():
            event = live.record("{KIND}", {{"i": i, "t": time.time()}})
        published[event.seq] = time.time()  # committed, and PUBLISHed by its on_commit
    print("cpu_s", time.process_time() - cpu)
    print(json.dumps(published))
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


async def _redis_floor(url: str, n: int = 500, until=None, pause_s: float = 0) -> list[float]:
    """PUBLISH → a subscriber's receipt, in one process: the least a push through Redis costs.
    ``n`` samples back to back, or one every ``pause_s`` until the future ``until`` is done."""
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(url)
    pubsub = client.pubsub()
    await pubsub.subscribe("floor")
    await pubsub.get_message(timeout=1)  # subscribe confirmation
    samples = []
    while len(samples) < n if until is None else not until.done():
        start = time.perf_counter()
        await client.publish("floor", "x")
        while (await pubsub.get_message(timeout=1)) is None:
            pass
        samples.append((time.perf_counter() - start) * 1000)
        if pause_s:
            await asyncio.sleep(pause_s)
    await pubsub.aclose()
    await client.aclose()
    return samples


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process and its live descendants have used so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += _cpu_s(int(child))
    return total


def _machine_busy_s() -> float:
    """CPU seconds the whole machine has been busy (every process, every core)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _uvicorn_pids() -> list[int]:
    """The server process(es) this bench started (children of this process)."""
    pids = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for child in (task / "children").read_text().split():
            with contextlib.suppress(OSError):
                if b"uvicorn" in Path(f"/proc/{child}/cmdline").read_bytes():
                    pids.append(int(child))
    return pids


async def _drive(port: int, token: str, env: dict, redis_url: str) -> dict:
    import redis.asyncio as aioredis

    sizes = [CLIENTS // CLIENT_PROCS + (i < CLIENTS % CLIENT_PROCS) for i in range(CLIENT_PROCS)]
    t0 = time.monotonic()
    walls = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.ws_clients", str(port), token, str(n), FRAMING,
            COMPRESSION, cwd=ROOT, stdin=PIPE, stdout=PIPE, limit=1 << 28,
        )
        for n in sizes
    ]  # fmt: skip
    for wall in walls:
        line = await asyncio.wait_for(wall.stdout.readline(), 120)
        if not line:
            raise RuntimeError("a client process failed before all its clients connected")
    connect_s = time.monotonic() - t0
    redis = aioredis.Redis.from_url(redis_url)
    meters = {
        "server": _uvicorn_pids(),
        "redis": [(await redis.info("server"))["process_id"]],
    }
    await redis.aclose()
    publisher = await asyncio.create_subprocess_exec(
        sys.executable, "manage.py", "shell", "-c", PUBLISHER, cwd=ROOT, env=env, stdout=PIPE
    )
    while (await publisher.stdout.readline()).strip() != b"start":  # Django is set up
        pass
    # CPU is counted while events are published: the steady state of the load.
    cpu0 = {name: sum(map(_cpu_s, pids)) for name, pids in meters.items()}
    busy0, start = _machine_busy_s(), time.monotonic()
    await _tell(walls, b"start")
    done = asyncio.ensure_future(publisher.communicate())
    # The floor again while the load runs: what the machine's contention does to a bare push.
    floor_loaded = await _redis_floor(redis_url, until=done, pause_s=0.05)
    out, _ = await done
    cpu1 = {name: sum(map(_cpu_s, pids)) for name, pids in meters.items()}
    busy1, elapsed = _machine_busy_s(), time.monotonic() - start
    await _tell(walls, b"stop")
    reports = [json.loads(await wall.stdout.readline()) for wall in walls]
    for wall in walls:
        await wall.wait()
    cpu = {name: cpu1[name] - cpu0[name] for name in cpu1}
    cpu["clients"] = sum(r["cpu_s"] for r in reports)
    lines = out.decode().splitlines()
    cpu["publisher"] = float(lines[-2].split()[-1])
    published = {int(seq): at for seq, at in json.loads(lines[-1]).items()}
    return {
        "clients": [c for r in reports for c in r["clients"]],
        "published": published,
        "connect_s": connect_s,
        "floor_loaded": Timing(floor_loaded),
        "cpu": cpu,
        "busy": busy1 - busy0,
        "elapsed": elapsed,
    }


async def _tell(walls, line: bytes) -> None:
    for wall in walls:
        wall.stdin.write(line + b"\n")
        await wall.stdin.drain()


def run() -> list[Result]:
    load_before = os.getloadavg()
    with bench_database("siaga112_bench_ws") as url, redis_server() as redis_url:
        env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "REDIS_URL": redis_url}
        token = subprocess.run(
            [sys.executable, "manage.py", "issue_token", "bench-wall", "--role", "wall"],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        floor = Timing(asyncio.run(_redis_floor(redis_url)))
        with server(url, workers=WORKERS, args=SERVER_ARGS, REDIS_URL=redis_url) as (port, _):
            outcome = asyncio.run(_drive(port, token, {**env, "DEBUG": "0"}, redis_url))
    return _results(outcome, floor, load_before)


def _latencies(outcome: dict) -> tuple[Timing, Timing, Timing]:
    """(publish → receive, write → receive, write → publish) in ms. "Publish" is the moment the
    publisher's transaction had committed and its on_commit had PUBLISHed the event (the issue's
    publish → receive, beside a raw PUBLISH); "write" is before the outbox INSERT began."""
    published, clients = outcome["published"], outcome["clients"]
    ours, from_write = [], []
    for c in clients:
        for seq, written, received in zip(c["seqs"], c["written"], c["received"], strict=True):
            ours.append(1000 * (received - published[seq]))
            from_write.append(1000 * (received - written))
    first = clients[0]
    commit = [
        1000 * (published[q] - w) for q, w in zip(first["seqs"], first["written"], strict=True)
    ]
    return Timing(ours), Timing(from_write), Timing(commit)


def _complete(clients: list[dict]) -> int:
    """Clients that got every event, each once, in order."""
    expected = RATE * DURATION_S
    return sum(
        1
        for c in clients
        if len(c["seqs"]) == expected
        and c["seqs"] == list(range(c["seqs"][0], c["seqs"][0] + expected))
    )


def _results(outcome: dict, floor: Timing, load_before: tuple) -> list[Result]:
    clients, cpu, elapsed = outcome["clients"], outcome["cpu"], outcome["elapsed"]
    ours, from_write, commit = _latencies(outcome)
    expected, deliveries = RATE * DURATION_S, len(ours.samples_ms)
    frames = sum(c["frames"] for c in clients)
    offered = "not offered" if COMPRESSION == "none" else "offered"
    shares = ", ".join(f"{name} {100 * s / elapsed:.0f} %" for name, s in cpu.items())
    loaded = outcome["floor_loaded"]
    for line in (
        f"{CLIENTS} clients in {CLIENT_PROCS} processes connected in {outcome['connect_s']:.1f} s;"
        f" {RATE}/s for {DURATION_S} s; framing {FRAMING}; permessage-deflate {offered}, used by"
        f" {sum(c['deflate'] for c in clients)} clients; {WORKERS} server process(es)"
        f" {' '.join(SERVER_ARGS)}",
        f"{_complete(clients)}/{CLIENTS} clients got all {expected} events in order (seq"
        f" contiguous); {deliveries}/{expected * CLIENTS} deliveries in {frames} frames"
        f" ({deliveries / max(frames, 1):.1f} events a frame)",
        f"CPU while publishing ({elapsed:.1f} s), in % of one core ({os.cpu_count()} cores):"
        f" {shares}; whole machine {100 * outcome['busy'] / elapsed:.0f} % (the rest: PostgreSQL"
        " and other work)",
        f"server CPU {1e6 * cpu['server'] / max(frames, 1):.0f} µs a frame,"
        f" {1e6 * cpu['server'] / max(deliveries, 1):.1f} µs an event delivered; clients"
        f" {1e6 * cpu['clients'] / max(frames, 1):.0f} µs a frame",
        f"from before the write: p50 {from_write.median:.1f} ms, p99 {from_write.pct(99):.1f} ms"
        f" (write + commit + PUBLISH: p50 {commit.median:.1f} ms, p99 {commit.pct(99):.1f} ms)",
        f"floor before the run p50 {floor.median:.2f} ms, p99 {floor.pct(99):.2f} ms; during it"
        f" p50 {loaded.median:.2f} ms, p99 {loaded.pct(99):.2f} ms",
        f"load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after",
    ):
        print("    " + line)
    label = "raw Redis PUBLISH → subscriber, during the run"
    name = f"live feed, {CLIENTS} WS clients, {RATE} ev/s"
    return [
        Result(name, "p50 ms", ours.median, loaded.median, label),
        Result(name, "p99 ms", ours.pct(99), loaded.pct(99), label, target="p99 <= 250 ms"),
    ]
