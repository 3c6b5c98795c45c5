"""The live feed over WebSocket: Channels' communicator on the real Redis channel layer."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from accounts.models import User
from config.asgi import application
from incidents.live import EVENTS_GROUP
from layers.consumers import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED
from tests.factories import make_token, make_user

pytestmark = [pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://127.0.0.1")


def communicator(subprotocols=None, headers=None):
    return WebsocketCommunicator(
        application, "/ws/events/", headers=[ORIGIN, *(headers or [])], subprotocols=subprotocols
    )


async def test_token_subprotocol_connects_and_receives_published_events():
    from channels.layers import get_channel_layer

    key = await database_sync_to_async(make_token)("wall")
    ws = communicator(subprotocols=["siaga112", f"token.{key}"])
    connected, subprotocol = await ws.connect()
    assert connected and subprotocol == "siaga112"
    hello = await ws.receive_json_from()
    assert hello["type"] == "hello" and hello["role"] == "wall"
    layer = get_channel_layer()
    await layer.group_send(
        EVENTS_GROUP, {"type": "event.message", "event": {"seq": 7, "kind": "test"}}
    )
    assert await ws.receive_json_from(timeout=3) == {"seq": 7, "kind": "test"}
    await ws.disconnect()


async def test_authorization_header_works_for_non_browser_clients():
    key = await database_sync_to_async(make_token)("operator")
    ws = communicator(headers=[(b"authorization", f"Token {key}".encode())])
    connected, _ = await ws.connect()
    assert connected
    assert (await ws.receive_json_from())["role"] == "operator"
    await ws.send_json_to({"type": "ping"})
    assert (await ws.receive_json_from())["type"] == "pong"
    await ws.disconnect()


async def test_a_signed_in_session_opens_the_feed_without_a_token():
    def sign_in() -> str:
        client = Client()
        client.force_login(make_user("supervisor", username="sesi-lobi"))
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    session = await database_sync_to_async(sign_in)()
    cookie = f"{settings.SESSION_COOKIE_NAME}={session}".encode()
    ws = communicator(subprotocols=["siaga112"], headers=[(b"cookie", cookie)])
    connected, _ = await ws.connect()
    assert connected
    assert (await ws.receive_json_from())["role"] == "supervisor"
    await ws.disconnect()


async def test_anonymous_is_closed_with_4401():
    ws = communicator()
    connected, code = await ws.connect()
    assert not connected and code == CLOSE_UNAUTHENTICATED


async def test_bad_token_is_closed_with_4401():
    ws = communicator(subprotocols=["siaga112", "token.s112_nope"])
    connected, code = await ws.connect()
    assert not connected and code == CLOSE_UNAUTHENTICATED


async def test_user_whose_role_was_removed_is_closed_with_4403():
    key = await database_sync_to_async(make_token)("operator", username="former-operator")
    await database_sync_to_async(
        lambda: User.objects.filter(username="former-operator").update(role="")
    )()
    ws = communicator(subprotocols=[f"token.{key}"])
    connected, code = await ws.connect()
    assert not connected and code == CLOSE_FORBIDDEN


async def test_foreign_origin_is_rejected():
    key = await database_sync_to_async(make_token)("wall")
    ws = WebsocketCommunicator(
        application,
        "/ws/events/",
        headers=[(b"origin", b"http://evil.example")],
        subprotocols=[f"token.{key}"],
    )
    connected, _ = await ws.connect()
    assert not connected


async def test_garbage_from_a_client_gets_an_error_not_a_dropped_connection():
    key = await database_sync_to_async(make_token)("operator")
    ws = communicator(subprotocols=[f"token.{key}"])
    await ws.connect()
    await ws.receive_json_from()
    await ws.send_to(text_data="{not json")
    assert (await ws.receive_json_from())["type"] == "error"
    await ws.send_to(text_data='"just a string"')
    assert (await ws.receive_json_from())["type"] == "error"
    await ws.send_json_to({"type": "ping"})
    assert (await ws.receive_json_from())["type"] == "pong"
    await ws.disconnect()


def _record_events(n: int) -> list[int]:
    from django.db import transaction

    from incidents import live

    seqs = []
    for i in range(n):
        with transaction.atomic():
            seqs.append(live.record("test.event", {"n": i}).seq)
    return seqs


async def test_since_replays_missed_events_in_order_then_live_ones():
    key = await database_sync_to_async(make_token)("wall")
    seqs = await database_sync_to_async(_record_events)(4)
    ws = WebsocketCommunicator(
        application,
        f"/ws/events/?since={seqs[1]}",
        headers=[ORIGIN],
        subprotocols=[f"token.{key}"],
    )
    connected, _ = await ws.connect()
    assert connected
    hello = await ws.receive_json_from()
    assert hello["latest_seq"] == seqs[-1]
    replayed = [await ws.receive_json_from() for _ in range(2)]
    assert [e["seq"] for e in replayed] == seqs[2:]
    assert [e["n"] for e in replayed] == [2, 3]
    (live_seq,) = await database_sync_to_async(_record_events)(1)
    event = await ws.receive_json_from(timeout=3)
    assert event["seq"] == live_seq == seqs[-1] + 1
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_a_malformed_since_is_refused():
    key = await database_sync_to_async(make_token)("wall")
    ws = WebsocketCommunicator(
        application, "/ws/events/?since=yesterday", headers=[ORIGIN], subprotocols=[f"token.{key}"]
    )
    connected, code = await ws.connect()
    assert not connected and code == 4400
