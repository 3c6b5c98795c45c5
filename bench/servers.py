"""A throwaway database and a real server process for benchmarks that go over the wire."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def _admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


@contextlib.contextmanager
def bench_database(name: str = "siaga112_bench"):
    """A fresh database (migrated, admin areas loaded) that is dropped afterwards."""
    base = settings.DATABASE_URL
    admin = _admin_url(base)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # name is a constant
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(base)._replace(path=f"/{name}"))
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1"}
    for args in (["migrate", "--noinput", "-v", "0"], ["load_pekanbaru"]):
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
        )
    try:
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def uvicorn_command(port: int, *extra: str) -> list[str]:
    """The ASGI server on a loopback port, as config/provision/serve.sh runs it (WebSocket by
    ``websockets``, no permessage-deflate); the tests' server and the benchmarks' use it."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "config.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--ws",
        "websockets",
        "--ws-per-message-deflate",
        "false",
        "--log-level",
        "warning",
        *extra,
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def server(database_url: str, workers: int = 1, args: tuple[str, ...] = (), **env_extra: str):
    """uvicorn (``workers`` processes, more uvicorn ``args``) on a free loopback port,
    production settings, until the block ends."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + os.urandom(32).hex(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        **env_extra,
    }
    proc = subprocess.Popen(
        uvicorn_command(port, *(["--workers", str(workers)] if workers > 1 else []), *args),
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        yield port, env
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # e.g. still flushing to hundreds of WebSockets
            proc.kill()
            proc.wait()
