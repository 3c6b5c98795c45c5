"""PostgreSQL restarted while calls are being recorded against the real server (uvicorn).

Clients retry every request that got no answer or a 5xx with the same Idempotency-Key, as the
console does. Afterwards every acknowledged incident is in the database exactly once, and while
the database was down /healthz said so (503, "postgresql")."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid

import psycopg
import pytest

from tests.conftest import ROOT, Server, server_env
from tests.reliability.procs import ThrowawayPostgres, http

pytestmark = [pytest.mark.server, pytest.mark.django_db]

CLIENTS = 3
PER_CLIENT = 8


@pytest.fixture(scope="module")
def fault_pg():
    pg = ThrowawayPostgres().create()
    yield pg
    pg.destroy()


def _token(url: str) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", "issue_token", "fault-operator", "--role", "operator"],
        cwd=ROOT, env={**server_env(DATABASE_URL=url), "DEBUG": "1"},
        check=True, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return out.stdout.strip()


def _record_calls(base: str, token: str, acks: list, errors: list, retries: list):
    headers = {"Authorization": f"Token {token}"}
    for i in range(PER_CLIENT):
        key = str(uuid.uuid4())
        body = {"type": "kebakaran", "description": f"uji gangguan {key[:8]} {i}"}
        deadline = time.monotonic() + 40
        while True:
            try:
                status, answer = http(
                    "POST", f"{base}/api/incidents/", body, {**headers, "Idempotency-Key": key}
                )
            except OSError:
                status, answer = None, None
            if status in (200, 201):
                acks.append((key, answer["id"]))
                break
            if status is not None and status < 500:
                errors.append((key, status, answer))
                break
            if time.monotonic() > deadline:
                errors.append((key, "gave up", status))
                break
            retries.append(status)
            time.sleep(0.1)  # no answer or 5xx: retry with the same key


def test_every_acknowledged_incident_is_stored_exactly_once(fault_pg):
    token = _token(fault_pg.url)
    # A small pool, so the restart leaves stale connections that must be recovered from.
    server = Server(server_env(DATABASE_URL=fault_pg.url, DB_POOL_MAX="4")).start()
    acks: list = []
    errors: list = []
    retries: list = []
    clients = [
        threading.Thread(target=_record_calls, args=(server.base, token, acks, errors, retries))
        for _ in range(CLIENTS)
    ]
    try:
        for c in clients:
            c.start()
        while len(acks) < CLIENTS * 2:  # calls are flowing
            time.sleep(0.05)
        fault_pg.stop()
        status, health = http("GET", f"{server.base}/healthz", timeout=10)
        assert status == 503 and "postgresql" in health["degraded"], health
        time.sleep(1.0)  # clients keep retrying against a dead database
        fault_pg.start()
        for c in clients:
            c.join(timeout=60)
        assert not any(c.is_alive() for c in clients)
        assert retries, "the restart did not hit a single request"
        assert errors == []
        assert len(acks) == CLIENTS * PER_CLIENT
        status, health = http("GET", f"{server.base}/healthz", timeout=10)
        assert status == 200 and health["degraded"] == []
    finally:
        server.stop()
    with psycopg.connect(fault_pg.url) as conn:
        stored = conn.execute(
            "SELECT k.key, i.id FROM incidents_idempotencykey k"
            " JOIN incidents_incident i ON i.id = k.incident_id"
        ).fetchall()
        (incidents,) = conn.execute("SELECT count(*) FROM incidents_incident").fetchone()
    assert sorted(stored) == sorted(acks)  # each key once, pointing at the incident acknowledged
    assert incidents == len(acks)  # and no incident without its key (no duplicate from a retry)
