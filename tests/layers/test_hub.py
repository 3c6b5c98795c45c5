"""The live feed's fan-out (layers/hub.py) on the real Redis: one subscription per process, each
event to every consumer once and in seq order, gaps read from the outbox, a lost subscription
closes the feeds so clients catch up."""

import asyncio
import os

import pytest
import redis.asyncio as aioredis
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from config.asgi import application
from incidents import live
from incidents.models import LiveEvent
from layers.consumers import CLOSE_TRY_AGAIN
from tests.factories import make_token, record_events

pytestmark = [pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://127.0.0.1")


async def _open(key: str, since: int | None = None) -> WebsocketCommunicator:
    path = "/ws/events/" if since is None else f"/ws/events/?since={since}"
    ws = WebsocketCommunicator(application, path, headers=[ORIGIN], subprotocols=[f"token.{key}"])
    connected, _ = await ws.connect()
    assert connected
    assert (await ws.receive_json_from())["type"] == "hello"
    return ws


def _write_without_sending(n: int) -> list[dict]:
    """Outbox rows that were never published (as if their push was lost)."""
    start = live.latest_seq()
    rows = [LiveEvent(seq=start + i + 1, kind="test.event", payload={"n": i}) for i in range(n)]
    return [row.as_message() for row in LiveEvent.objects.bulk_create(rows)]


async def _subscribers() -> int:
    client = aioredis.Redis.from_url(os.environ["REDIS_URL"])  # even where settings say none
    try:
        channel = await database_sync_to_async(live.events_channel)()
        return dict(await client.pubsub_numsub(channel))[channel.encode()]
    finally:
        await client.aclose()


async def test_many_consumers_share_one_subscription_and_each_gets_every_event_once():
    key = await database_sync_to_async(make_token)("wall")
    walls = [await _open(key) for _ in range(12)]
    assert await _subscribers() == 1  # not one per wall
    seqs = await database_sync_to_async(record_events)(3)
    for ws in walls:
        got = [(await ws.receive_json_from(timeout=3))["seq"] for _ in seqs]
        assert got == seqs
        assert await ws.receive_nothing(timeout=0.05)
    for ws in walls:
        await ws.disconnect()
    assert await _subscribers() == 0  # the last one out unsubscribes


async def test_a_gap_is_read_from_the_outbox_and_a_repeat_is_dropped():
    key = await database_sync_to_async(make_token)("wall")
    ws = await _open(key)
    lost, pushed = await database_sync_to_async(_write_without_sending)(2)
    await database_sync_to_async(live.send)(pushed)  # seq N+2 arrives, N+1 never did
    await database_sync_to_async(live.send)(pushed)  # and N+2 again
    first = await ws.receive_json_from(timeout=3)
    second = await ws.receive_json_from(timeout=3)
    assert (first, second) == (lost, pushed)
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_a_lost_subscription_closes_the_feeds_and_they_reconnect_with_since():
    key = await database_sync_to_async(make_token)("wall")
    ws = await _open(key)
    (seen,) = await database_sync_to_async(record_events)(1)
    assert (await ws.receive_json_from(timeout=3))["seq"] == seen
    admin = aioredis.Redis.from_url(settings.REDIS_URL)
    try:
        assert await admin.client_kill_filter(_type="pubsub") >= 1  # Redis drops the subscriber
    finally:
        await admin.aclose()
    closed = await ws.receive_output(timeout=3)
    assert closed == {"type": "websocket.close", "code": CLOSE_TRY_AGAIN}
    await ws.disconnect()
    missed = await database_sync_to_async(record_events)(2)  # while the wall was away
    again = await _open(key, since=seen)
    assert [(await again.receive_json_from(timeout=3))["seq"] for _ in missed] == missed
    (after,) = await database_sync_to_async(record_events)(1)  # and live again, subscribed anew
    assert (await again.receive_json_from(timeout=3))["seq"] == after
    await again.disconnect()


async def test_a_client_that_does_not_read_is_closed_not_buffered_forever(monkeypatch):
    from layers import hub

    monkeypatch.setattr(hub, "INBOX_LIMIT", 2)
    key = await database_sync_to_async(make_token)("wall")
    ws = await _open(key)
    h = hub.get_hub()
    (inbox,) = h.inboxes
    for seq in range(10**9, 10**9 + 3):  # three events before the consumer's pump runs
        h._dispatch(f'{{"seq": {seq}}}')
    await asyncio.sleep(0)
    assert inbox not in h.inboxes
    outputs = []
    while (out := await ws.receive_output(timeout=3))["type"] != "websocket.close":
        outputs.append(out)
    assert out["code"] == CLOSE_TRY_AGAIN


async def test_without_redis_the_writer_hands_events_to_the_hub_in_process(settings):
    settings.REDIS_URL = ""  # one process, no Redis between writer and feed
    key = await database_sync_to_async(make_token)("wall")
    ws = await _open(key)
    assert await _subscribers() == 0  # the feed does not listen on Redis pub/sub
    seqs = await database_sync_to_async(record_events)(2)
    assert [(await ws.receive_json_from(timeout=3))["seq"] for _ in seqs] == seqs
    await ws.disconnect()
