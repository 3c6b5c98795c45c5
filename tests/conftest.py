"""Shared fixtures. Everything runs on the real PostGIS and Redis that `make test` starts."""

from __future__ import annotations

import importlib
import inspect
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from bench.servers import free_port, uvicorn_command
from tests.factories import make_token

ROOT = Path(__file__).resolve().parent.parent

if not os.environ.get("REDIS_URL"):
    pytest.exit("REDIS_URL is not set: run the tests with `make test`, which starts Redis", 2)


def database_url(settings_dict: dict) -> str:
    user = quote(settings_dict["USER"] or "", safe="")
    password = quote(settings_dict["PASSWORD"] or "", safe="")
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or 5432
    return f"postgres://{user}:{password}@{host}:{port}/{settings_dict['NAME']}"


def run_manage(
    *args: str, env: dict | None = None, timeout: int = 60
) -> subprocess.CompletedProcess:
    """Run manage.py in a child process (text output); by default on the test database."""
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env if env is not None else server_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class Server:
    """The real ASGI server (uvicorn) as a child process on a free loopback port."""

    def __init__(self, env: dict):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws_base = f"ws://127.0.0.1:{self.port}"
        self.env = env
        self.proc: subprocess.Popen | None = None

    def start(self, wait_healthy: bool = True) -> Server:
        self.proc = subprocess.Popen(
            uvicorn_command(self.port),
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.proc.stdout.read()}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as resp:
                    if not wait_healthy or resp.status == 200:
                        return self
            except urllib.error.HTTPError as exc:
                if not wait_healthy:
                    return self
                exc.close()
            except OSError:
                pass
            time.sleep(0.1)
        # Never leave it behind: a stray server keeps test-database sessions open, and the next
        # run could not drop the database.
        self.stop()
        raise RuntimeError(f"server did not answer /healthz in 30 s: {self.proc.stdout.read()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def server_env(**overrides: str) -> dict:
    from django.db import connection

    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings_test",
        DATABASE_URL=database_url(connection.settings_dict),
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


@pytest.fixture(scope="session")
def live_server_proc(django_db_setup, django_db_blocker):
    """One real server for the session, on the test database and the test Redis."""
    with django_db_blocker.unblock():
        server = Server(server_env()).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _close_async_db_connections(request):
    """After an async test, close the database connections that its ``database_sync_to_async``
    calls (the test's own and the consumers' and middlewares') opened in asgiref's DB thread.

    The connection the token middleware opened for a WebSocket that was then refused
    (4401/4403/4400) was found still open (idle) in that thread at teardown, so the test
    database could not be dropped ("is being accessed by other users"); closing it in that
    thread (asgiref's single thread-sensitive executor, where database_sync_to_async runs
    outside a sync parent) releases it.
    """
    yield
    if inspect.iscoroutinefunction(request.function):
        from asgiref.sync import SyncToAsync
        from django.db import connections

        SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=30)


@pytest.fixture(autouse=True)
def _migration_seeded_rows(request):
    """A transactional test sees the rows the migrations seed (agencies, incident types and their
    routing), as a freshly migrated database has them.

    pytest-django ends every transactional test by flushing all tables, the seeded rows
    included, so without this only the first such test would have them. The seed is idempotent
    and checked before it runs (one query when the rows are there).
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not (marker.kwargs.get("transaction") or marker.args[:1] == (True,)):
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    from incidents.models import IncidentType

    if not IncidentType.objects.exists():
        seed = importlib.import_module("incidents.migrations.0002_reference_and_append_only").seed
        seed(apps, None)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def token_client(db):
    """``token_client(role)`` → an APIClient authenticated with a fresh token of that role."""

    def build(role: str = "operator") -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(role)}")
        return client

    return build


@pytest.fixture(scope="session")
def pekanbaru(django_db_setup, django_db_blocker):
    """The real Pekanbaru reference data, loaded once into the test database.

    Tests that use it take ``db`` (rolled back per test), so the data stays for the session;
    pytest-django runs transactional tests, which empty the tables, after these.
    """
    with django_db_blocker.unblock():
        call_command("load_pekanbaru", verbosity=0)
