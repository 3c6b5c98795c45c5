"""Call intake to the event on a WebSocket client, at 10 calls/s, over a real server."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time

from bench.harness import Result, Timing
from bench.servers import ROOT, bench_database, server

RATE = 10  # calls per second
DURATION_S = 20


async def _drive(port: int, token: str) -> tuple[list[float], list[float]]:
    import websockets

    sent: dict[int, float] = {}
    latencies: list[float] = []
    pings: list[float] = []
    base = f"http://127.0.0.1:{port}"
    async with websockets.connect(
        f"ws://127.0.0.1:{port}/ws/events/",
        subprotocols=["siaga112", f"token.{token}"],
        origin=base,
    ) as ws:
        json.loads(await ws.recv())  # hello
        # Floor: a WebSocket ping → pong through the same server and consumer.
        for _ in range(50):
            start = time.perf_counter()
            await ws.send(json.dumps({"type": "ping"}))
            while json.loads(await ws.recv()).get("type") != "pong":
                pass
            pings.append((time.perf_counter() - start) * 1000)

        loop = asyncio.get_running_loop()

        def post(i: int) -> None:
            import urllib.request

            body = json.dumps({"caller_number": f"+62811{i:07d}"}).encode()
            request = urllib.request.Request(
                f"{base}/api/calls/",
                data=body,
                method="POST",
                headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
            )
            start = time.perf_counter()
            with urllib.request.urlopen(request, timeout=10) as response:
                call_id = json.loads(response.read())["id"]
            sent[call_id] = start

        async def receiver():
            while True:
                event = json.loads(await ws.recv())
                if event.get("kind") == "call.received" and event["call"] in sent:
                    latencies.append((time.perf_counter() - sent[event["call"]]) * 1000)
                elif event.get("kind") == "call.received":
                    # The event beat the HTTP response: wait until the id is known.
                    for _ in range(200):
                        await asyncio.sleep(0.001)
                        if event["call"] in sent:
                            latencies.append((time.perf_counter() - sent[event["call"]]) * 1000)
                            break

        task = asyncio.create_task(receiver())
        tasks = []
        for i in range(RATE * DURATION_S):
            tasks.append(loop.run_in_executor(None, post, i))
            await asyncio.sleep(1 / RATE)
        await asyncio.gather(*tasks)
        await asyncio.sleep(1.0)
        task.cancel()
    return latencies, pings


def run() -> list[Result]:
    with bench_database() as url:
        env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1"}
        token = subprocess.run(
            [sys.executable, "manage.py", "issue_token", "bench-operator", "--role", "operator"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        with server(url) as (port, _):
            latencies, pings = asyncio.run(_drive(port, token))
    ours, floor = Timing(latencies), Timing(pings)
    expected = RATE * DURATION_S
    print(f"    {len(latencies)}/{expected} events received")
    return [
        Result(
            f"intake → WS event ({RATE}/s)",
            "p50 ms",
            ours.median,
            floor.median,
            "WS ping→pong on the same server",
        ),
        Result(
            f"intake → WS event ({RATE}/s)",
            "p99 ms",
            ours.pct(99),
            floor.pct(99),
            "WS ping→pong on the same server",
            target="p99 <= 100 ms",
        ),
    ]
