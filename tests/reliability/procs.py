"""Real processes for fault tests, all on loopback and all thrown away afterwards: a PostgreSQL
cluster of its own (so restarting it never disturbs the suite's cluster), a Redis, HTTP and
WebSocket clients that behave as the centre's clients do (retry, reconnect, ?since)."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import ROOT, free_port

PG_OS_USER = os.environ.get("PG_OS_USER", "siaga-pg")


def _pg_bindir() -> str:
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[4]))
    return dirs[-1]


def _as_pg(args: list[str], **kw) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:  # as `make` runs the embedded cluster: a non-root owner
        args = ["runuser", "-u", PG_OS_USER, "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


class ThrowawayPostgres:
    """initdb + pg_ctl in a temporary folder, trust auth on 127.0.0.1 only, migrated."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="siaga-faultpg-"))
        self.data = self.dir / "data"
        self.bin = _pg_bindir()
        self.url = f"postgres://siaga@127.0.0.1:{self.port}/siaga112_fault"

    def _ctl(self, *args: str) -> None:
        _as_pg([f"{self.bin}/pg_ctl", "-D", str(self.data), *args], timeout=60)

    def create(self) -> ThrowawayPostgres:
        if os.geteuid() == 0:
            shutil.chown(self.dir, PG_OS_USER, PG_OS_USER)
        _as_pg(
            [f"{self.bin}/initdb", "-D", str(self.data), "-U", "siaga", "--auth=trust",
             "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            timeout=120,
        )  # fmt: skip
        self.start()
        admin = f"postgres://siaga@127.0.0.1:{self.port}/postgres"
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE DATABASE siaga112_fault")
        with psycopg.connect(self.url, autocommit=True) as conn:
            for ext in ("postgis", "pgrouting", "pg_trgm"):
                conn.execute(f"CREATE EXTENSION IF NOT EXISTS {ext}")  # constant names
        env = {**os.environ, "DATABASE_URL": self.url, "DEBUG": "1"}
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT, env=env, check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self._ctl("-o", options, "-l", str(self.dir / "log"), "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self._ctl("-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


class ThrowawayRedis:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> ThrowawayRedis:
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.exceptions.ConnectionError):
                if redis.Redis.from_url(self.url).ping():
                    return self
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def http(method: str, url: str, body=None, headers=None, timeout: float = 5):
    """(status, parsed JSON or None); a connection failure raises OSError."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        with exc:
            raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, None


class LiveFeedClient(threading.Thread):
    """A wall at protocol level: connects with its token and the batch framing (as the wall
    does), remembers the last ``seq``, and on any close or failure reconnects by itself with
    ``?since=<last seq>`` (backoff 0.2 s)."""

    def __init__(self, ws_base: str, token: str, origin: str):
        super().__init__(daemon=True)
        self.ws_base, self.token, self.origin = ws_base, token, origin
        self.last_seq: int | None = None
        self.seqs: list[int] = []
        self.connects = 0
        self.closes: list[int | None] = []
        self._halt = threading.Event()
        self.connected = threading.Event()

    def run(self) -> None:
        from websockets.exceptions import WebSocketException
        from websockets.sync.client import connect

        while not self._halt.is_set():
            since = "" if self.last_seq is None else f"?since={self.last_seq}"
            try:
                with connect(
                    f"{self.ws_base}/ws/events/{since}",
                    subprotocols=["siaga112.batch", "siaga112", f"token.{self.token}"],
                    origin=self.origin,
                    open_timeout=3,
                ) as ws:
                    self.connects += 1
                    self.connected.set()
                    while not self._halt.is_set():
                        try:
                            message = json.loads(ws.recv(timeout=0.2))
                        except TimeoutError:
                            continue
                        if message.get("type") == "hello" and self.last_seq is None:
                            self.last_seq = message["latest_seq"]
                        for event in message.get("events", []):
                            self.seqs.append(event["seq"])
                            self.last_seq = event["seq"]
            except (OSError, WebSocketException, TimeoutError) as exc:
                self.connected.clear()
                self.closes.append(getattr(getattr(exc, "rcvd", None), "code", None))
                self._halt.wait(0.2)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)

    def wait_for(self, seq: int, timeout: float = 15) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.last_seq is not None and self.last_seq >= seq:
                return True
            time.sleep(0.05)
        return False
