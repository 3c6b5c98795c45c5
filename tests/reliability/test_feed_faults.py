"""The live feed through faults, with real processes: Redis (the channel layer) stopped and
started again, and the server killed and started again. A wall-like client (protocol level,
tests/reliability/procs.py) reconnects by itself with ?since and must end with every event,
in order, none missing, none twice."""

from __future__ import annotations

import contextlib
import importlib
import time

import pytest

from accounts.models import User
from incidents import live, services
from incidents.models import IncidentType
from tests.conftest import Server, server_env
from tests.factories import make_token
from tests.reliability.procs import LiveFeedClient, ThrowawayRedis, http

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def incident_types():
    """Transactional tests empty the tables; put back the types the migration seeds."""
    from django.apps import apps

    seed = importlib.import_module("incidents.migrations.0002_reference_and_append_only").seed
    seed(apps, None)


def _post_incident(server: Server, token: str, text: str) -> int:
    status, body = http(
        "POST",
        f"{server.base}/api/incidents/",
        {"type": "kebakaran", "description": text},
        {"Authorization": f"Token {token}"},
    )
    assert status == 201, body
    return body["id"]


def _assert_contiguous(seqs: list[int], last: int) -> None:
    assert seqs, "no event received"
    assert seqs == list(range(seqs[0], last + 1)), f"gap or duplicate in {seqs}"


def test_redis_down_intake_goes_on_and_the_wall_catches_up():
    with contextlib.ExitStack() as cleanup:
        redis = ThrowawayRedis().start()
        cleanup.callback(lambda: redis.stop())  # the redis of the moment (it is replaced)
        server = Server(server_env(REDIS_URL=redis.url)).start()
        cleanup.callback(server.stop)
        operator, wall = make_token("operator"), make_token("wall")
        client = LiveFeedClient(server.ws_base, wall, origin=server.base)
        cleanup.callback(client.stop)
        client.start()
        assert client.connected.wait(10)
        _post_incident(server, operator, "sebelum redis mati")
        assert client.wait_for(live.latest_seq())

        redis.stop()
        status, health = http("GET", f"{server.base}/healthz", timeout=10)
        assert status == 503 and health["degraded"] == ["redis"], health
        for i in range(3):  # intake does not depend on the channel layer
            _post_incident(server, operator, f"saat redis mati {i}")
        time.sleep(0.5)
        missed_up_to = live.latest_seq()
        assert client.last_seq < missed_up_to  # the wall really missed them

        redis = ThrowawayRedis(port=redis.port).start()
        assert client.wait_for(missed_up_to, timeout=20), (client.last_seq, client.closes)
        _post_incident(server, operator, "setelah redis kembali")  # and live again
        assert client.wait_for(live.latest_seq(), timeout=10)
        _assert_contiguous(client.seqs, live.latest_seq())
        assert client.connects >= 2
        status, health = http("GET", f"{server.base}/healthz", timeout=10)
        assert status == 200 and health["degraded"] == []


def test_server_killed_and_restarted_the_wall_reconnects_by_itself():
    with contextlib.ExitStack() as cleanup:
        server = Server(server_env()).start()
        cleanup.callback(lambda: server.stop())  # the server of the moment (it is replaced)
        operator, wall = make_token("operator"), make_token("wall")
        client = LiveFeedClient(server.ws_base, wall, origin=server.base)
        cleanup.callback(client.stop)
        client.start()
        assert client.connected.wait(10)
        _post_incident(server, operator, "sebelum server mati")
        assert client.wait_for(live.latest_seq())

        server.proc.kill()
        server.proc.wait(timeout=10)
        # Meanwhile another worker records an incident: pushed to nobody, kept in the outbox.
        user = User.objects.get(username__startswith="operator", role="operator")
        services.create_incident(user, type=IncidentType.objects.get(code="banjir"))
        missed = live.latest_seq()

        restarted = Server(server.env)
        restarted.port, restarted.base, restarted.ws_base = server.port, server.base, server.ws_base
        server = restarted.start()
        assert client.wait_for(missed, timeout=20), (client.last_seq, client.closes)
        _post_incident(server, operator, "setelah server kembali")
        assert client.wait_for(live.latest_seq(), timeout=10)
        _assert_contiguous(client.seqs, live.latest_seq())
        assert client.connects >= 2


def test_an_idle_feed_stays_connected():
    """No event for longer than the channel layer's 5 s blocking pop: the connection must
    stay up (redis-py 8's default 5 s read timeout used to kill every consumer here)."""
    with contextlib.ExitStack() as cleanup:
        server = Server(server_env()).start()
        cleanup.callback(server.stop)
        operator, wall = make_token("operator"), make_token("wall")
        client = LiveFeedClient(server.ws_base, wall, origin=server.base)
        cleanup.callback(client.stop)
        client.start()
        assert client.connected.wait(10)
        time.sleep(7)
        _post_incident(server, operator, "setelah hening")
        assert client.wait_for(live.latest_seq(), timeout=10)
        assert (client.connects, client.closes) == (1, [])
