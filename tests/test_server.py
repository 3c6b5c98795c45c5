"""The real ASGI server in a child process: HTTP and WebSocket over loopback."""

import json
import urllib.error
import urllib.request

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from incidents.live import send as publish
from tests.factories import make_token

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]


def get(url, token=None):
    request = urllib.request.Request(
        url, headers={"Authorization": f"Token {token}"} if token else {}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read() or b"null")


def test_http_healthz_and_token_auth_over_the_wire(live_server_proc):
    status, body = get(f"{live_server_proc.base}/healthz")
    assert status == 200 and body["database"]["postgis"]
    assert get(f"{live_server_proc.base}/api/auth/me/")[0] == 401
    key = make_token("operator", username="siti")
    status, body = get(f"{live_server_proc.base}/api/auth/me/", key)
    assert (status, body["username"]) == (200, "siti")


def test_websocket_receives_an_event_published_by_another_process(live_server_proc):
    key = make_token("wall")
    with connect(
        f"{live_server_proc.ws_base}/ws/events/",
        subprotocols=["siaga112", f"token.{key}"],
        origin=live_server_proc.base,
        open_timeout=10,
    ) as ws:
        assert ws.subprotocol == "siaga112"
        assert json.loads(ws.recv(timeout=5))["type"] == "hello"
        # This test process publishes through Redis; the server process relays it.
        publish({"seq": 1, "kind": "incident.created"})
        assert json.loads(ws.recv(timeout=5)) == {"seq": 1, "kind": "incident.created"}


def test_websocket_without_token_is_refused_at_the_handshake(live_server_proc):
    # Closing before accept makes the server answer the upgrade with HTTP 403 (ASGI spec).
    with pytest.raises(InvalidStatus) as caught:
        connect(
            f"{live_server_proc.ws_base}/ws/events/", origin=live_server_proc.base, open_timeout=10
        )
    assert caught.value.response.status_code == 403


def test_websocket_batch_framing_over_the_wire(live_server_proc):
    from django.db import transaction

    from incidents import live

    key = make_token("wall")
    with connect(
        f"{live_server_proc.ws_base}/ws/events/",
        subprotocols=["siaga112.batch", "siaga112", f"token.{key}"],
        origin=live_server_proc.base,
        open_timeout=10,
    ) as ws:
        assert ws.subprotocol == "siaga112.batch"
        assert json.loads(ws.recv(timeout=5))["type"] == "hello"
        with transaction.atomic():  # thirty events published back to back on commit
            seqs = [live.record("test.burst", {"n": i}).seq for i in range(30)]
        got = []
        while len(got) < len(seqs):
            frame = json.loads(ws.recv(timeout=5))
            assert frame["type"] == "events"
            got += [(e["seq"], e["n"]) for e in frame["events"]]
        assert got == [(seq, n) for n, seq in enumerate(seqs)]
