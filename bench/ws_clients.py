"""Walls for bench_ws_load, in a process of their own (the bench starts several, so the clients
do not share one core): ``python -m bench.ws_clients PORT TOKEN N FRAMING COMPRESSION``.

Talks to the bench over stdin/stdout, in lines: it prints ``{"ready": true}`` once its N
clients have their ``hello``; the bench writes ``start`` when the publisher starts and ``stop``
when it has finished; then the clients wait until no frame has arrived for ``IDLE_S``, and the
process prints what each client received (event seqs, when each was written and received) and the
CPU seconds it used between ``start`` and ``stop``.

A client only stamps and keeps what arrives; frames are parsed after the run, so that the
clients, which run on the same machine, cost as little as possible while the server is measured.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

KIND = "bench.tick"
BATCH_SUBPROTOCOL = "siaga112.batch"
IDLE_S = 2.0
MAX_WAIT_S = 30.0


async def _client(port: int, token: str, framing: str, compression, ready, out: dict):
    import websockets

    protocols = ["siaga112", f"token.{token}"]
    if framing == "batch":
        protocols.insert(0, BATCH_SUBPROTOCOL)
    async with ready:  # bounded concurrent handshakes
        ws = await websockets.connect(
            f"ws://127.0.0.1:{port}/ws/events/",
            subprotocols=protocols,
            origin=f"http://127.0.0.1:{port}",
            open_timeout=60,
            max_queue=None,
            compression=compression,
        )
    got = out["got"] = []
    async with ws:
        if ws.subprotocol != (BATCH_SUBPROTOCOL if framing == "batch" else "siaga112"):
            raise RuntimeError(f"server chose subprotocol {ws.subprotocol!r}")
        json.loads(await ws.recv())  # hello
        out["deflate"] = bool(ws.response.headers.get("Sec-WebSocket-Extensions"))
        out["ready"] = True
        async for raw in ws:  # until cancelled
            got.append((time.time(), raw))


def events_of(raw: str) -> list[dict]:
    """The events in one frame, whatever the framing."""
    message = json.loads(raw)
    if message.get("type") == "events":
        return message["events"]
    return [message]


def _summary(out: dict) -> dict:
    seqs, written, received = [], [], []
    for now, raw in out.get("got", []):
        for event in events_of(raw):
            if event.get("kind") == KIND:
                seqs.append(event["seq"])
                written.append(event["t"])
                received.append(now)
    return {
        "seqs": seqs,
        "written": written,
        "received": received,
        "frames": len(out.get("got", [])),
        "deflate": out.get("deflate", False),
    }


async def _read_line() -> str:
    return await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


async def main(port: int, token: str, n: int, framing: str, compression) -> None:
    ready = asyncio.Semaphore(25)
    outs = [{} for _ in range(n)]
    tasks = [
        asyncio.create_task(_client(port, token, framing, compression, ready, o)) for o in outs
    ]
    while sum(1 for o in outs if o.get("ready")) < n:
        await asyncio.sleep(0.1)
        failed = [t for t in tasks if t.done() and t.exception()]
        if failed:
            raise failed[0].exception()
    print(json.dumps({"ready": True}), flush=True)
    await _read_line()  # the publisher starts
    cpu_start = time.process_time()
    await _read_line()  # the publisher has finished
    cpu_s = time.process_time() - cpu_start
    last, idle_since, start = -1, time.monotonic(), time.monotonic()
    while time.monotonic() - idle_since < IDLE_S and time.monotonic() - start < MAX_WAIT_S:
        total = sum(len(o.get("got", [])) for o in outs)
        if total != last:
            last, idle_since = total, time.monotonic()
        await asyncio.sleep(0.1)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    clients = [_summary(o) for o in outs]
    print(json.dumps({"clients": clients, "cpu_s": cpu_s}), flush=True)


if __name__ == "__main__":
    port, token, n, framing, compression = sys.argv[1:6]
    compression = None if compression == "none" else compression
    import uvloop  # the event loop uvicorn uses too: the clients cost the machine less

    uvloop.run(main(int(port), token, int(n), framing, compression))
