"""The live feed's batch framing (subprotocol ``siaga112.batch``): the events waiting for a
client go out together in one ``{"type": "events", "events": [...]}`` frame, still each once and
in seq order; clients that do not ask for it keep one event per frame."""

import pytest
import redis.asyncio as aioredis
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction

from config.asgi import application
from incidents import live
from incidents.models import LiveEvent
from layers import consumers, hub
from tests.factories import make_token, record_events

pytestmark = [pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://127.0.0.1")
BATCH = "siaga112.batch"


async def _open(key: str, batch: bool = True, since: int | None = None):
    path = "/ws/events/" if since is None else f"/ws/events/?since={since}"
    protocols = [BATCH, "siaga112", f"token.{key}"] if batch else ["siaga112", f"token.{key}"]
    ws = WebsocketCommunicator(application, path, headers=[ORIGIN], subprotocols=protocols)
    connected, subprotocol = await ws.connect()
    assert connected and subprotocol == (BATCH if batch else "siaga112")
    hello = await ws.receive_json_from()
    assert hello["type"] == "hello"  # control messages stay single objects
    return ws


def _unsent(n: int) -> list[dict]:
    """Outbox rows that were not published yet: the test hands them to the hub itself."""
    start = live.latest_seq()
    rows = [LiveEvent(seq=start + i + 1, kind="test.event", payload={"n": i}) for i in range(n)]
    return [row.as_message() for row in LiveEvent.objects.bulk_create(rows)]


async def _frame(ws) -> list[dict]:
    message = await ws.receive_json_from(timeout=3)
    assert message["type"] == "events"
    return message["events"]


async def test_events_that_arrive_together_go_out_in_one_frame_in_order():
    key = await database_sync_to_async(make_token)("wall")
    ws = await _open(key)
    events = await database_sync_to_async(_unsent)(3)
    hub.get_hub()._dispatch(*map(live.dumps, events))  # as the hub reads three at once
    assert await _frame(ws) == events
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_a_client_without_the_batch_subprotocol_still_gets_one_event_per_frame():
    key = await database_sync_to_async(make_token)("wall")
    ws = await _open(key, batch=False)
    events = await database_sync_to_async(_unsent)(3)
    hub.get_hub()._dispatch(*map(live.dumps, events))
    assert [await ws.receive_json_from(timeout=3) for _ in events] == events
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_the_replay_after_since_comes_batched_then_live_events():
    key = await database_sync_to_async(make_token)("wall")
    seqs = await database_sync_to_async(record_events)(4)
    ws = await _open(key, since=seqs[0])
    replayed = await _frame(ws)
    assert [e["seq"] for e in replayed] == seqs[1:]
    assert [e["n"] for e in replayed] == [1, 2, 3]
    (live_seq,) = await database_sync_to_async(record_events)(1)
    assert [e["seq"] for e in await _frame(ws)] == [live_seq]
    await ws.disconnect()


async def test_a_gap_and_a_repeat_inside_a_batch_are_mended_in_the_same_frame():
    key = await database_sync_to_async(make_token)("wall")
    ws = await _open(key)
    first, second, third = await database_sync_to_async(_unsent)(3)
    # The third arrives before the second (two writers), the first never does, the third twice.
    hub.get_hub()._dispatch(*map(live.dumps, [third, second, third]))
    assert await _frame(ws) == [first, second, third]
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_a_long_batch_is_split_into_frames_of_at_most_max_batch(monkeypatch):
    monkeypatch.setattr(consumers, "MAX_BATCH", 2)
    key = await database_sync_to_async(make_token)("wall")
    ws = await _open(key)
    events = await database_sync_to_async(_unsent)(5)
    hub.get_hub()._dispatch(*map(live.dumps, events))
    frames = [await _frame(ws) for _ in range(3)]
    assert [len(f) for f in frames] == [2, 2, 1]
    assert [e for f in frames for e in f] == events
    await ws.disconnect()


async def test_events_published_through_redis_arrive_batched_each_once_in_order():
    key = await database_sync_to_async(make_token)("wall")
    walls = [await _open(key) for _ in range(3)]

    def burst() -> list[int]:
        with transaction.atomic():  # sent back to back when it commits
            return [live.record("test.event", {"n": i}).seq for i in range(20)]

    seqs = await database_sync_to_async(burst)()
    for ws in walls:
        got = []
        while len(got) < len(seqs):
            got += [e["seq"] for e in await _frame(ws)]
        assert got == seqs
        assert await ws.receive_nothing(timeout=0.1)
    for ws in walls:
        await ws.disconnect()


async def test_a_burst_longer_than_one_read_is_delivered_whole(monkeypatch):
    monkeypatch.setattr(hub, "READ_BATCH", 2)  # the hub hands events over two at a time
    key = await database_sync_to_async(make_token)("wall")
    ws = await _open(key)
    events = await database_sync_to_async(_unsent)(7)
    channel = await database_sync_to_async(live.events_channel)()
    client = aioredis.Redis.from_url(settings.REDIS_URL)
    try:
        async with client.pipeline(transaction=False) as pipe:  # one write: all buffered at once
            for event in events:
                pipe.publish(channel, live.dumps(event))
            await pipe.execute()
    finally:
        await client.aclose()
    got = []
    while len(got) < len(events):
        got += await _frame(ws)
    assert got == events
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()
