"""The live feed over WebSocket: Channels' communicator on the real Redis channel layer."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.models import User
from config.asgi import application
from incidents.live import EVENTS_GROUP
from layers.consumers import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED
from tests.factories import make_token

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
