"""The live feed's fan-out: one Redis subscription per server process, shared by its consumers.

``incidents.live.send`` PUBLISHes each committed event once, on the events channel. Every server
process runs one :class:`Hub` (per event loop): it subscribes once and puts each event, as the
JSON text it arrived in, into the inbox of every connected consumer of that process. A consumer
filters by ``seq`` (drops what it already sent, reads a gap from the outbox), so an event pushed
to N walls costs one Redis message per process, not N.

Events that arrive together (the reader takes everything Redis has buffered at once) go into
each inbox together, and a consumer takes everything its inbox holds at once: under load the
work per connection is per batch, not per event (see ``EventsConsumer`` for the framing).

When the subscription fails (Redis stopped), every consumer's inbox is closed and it
closes; new consumers cannot join until Redis answers again, and reconnecting clients catch up
from the outbox with ``?since``. Without REDIS_URL (one process, development), events come from
``live.add_listener`` in the same process instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from channels.db import database_sync_to_async
from django.conf import settings
from redis.exceptions import RedisError

from incidents import live

log = logging.getLogger(__name__)

# A consumer this far behind (its client does not read) is closed and catches up on reconnect.
INBOX_LIMIT = 5000
# At most this many events read from Redis before they are handed to the inboxes.
READ_BATCH = 500
# Idle subscription: redis-py pings the server this often, so a dead Redis is noticed.
HEALTH_CHECK_S = 10
SUBSCRIBE_TIMEOUT_S = 5

FAILURES = (OSError, RedisError, TimeoutError)


# (seq or None, the event's JSON text)
Item = tuple[int | None, str]


def parse(text: str | bytes) -> Item:
    """(seq or None, text) of one published event."""
    if isinstance(text, bytes):
        text = text.decode()
    try:
        seq = json.loads(text).get("seq")
    except (ValueError, AttributeError):
        seq = None
    return (seq if isinstance(seq, int) and not isinstance(seq, bool) else None), text


class Inbox:
    """The events waiting for one consumer: the hub adds, the consumer takes all of them."""

    __slots__ = ("_waiter", "closed", "items", "limit")

    def __init__(self, limit: int):
        self.items: list[Item] = []
        self.limit = limit
        self.closed = False
        self._waiter: asyncio.Future | None = None

    def put(self, items: list[Item]) -> bool:
        """Add events; False (nothing added) when that would pass the limit."""
        if len(self.items) + len(items) > self.limit:
            return False
        self.items.extend(items)
        self._wake()
        return True

    def close(self) -> None:
        """The consumer should close (Redis lost, or its client reads too slowly)."""
        self.items = []
        self.closed = True
        self._wake()

    async def take(self) -> list[Item] | None:
        """Everything waiting (at least one event), or None once closed."""
        while not self.items and not self.closed:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        if self.closed:
            return None
        items, self.items = self.items, []
        return items

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


class Hub:
    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.inboxes: set[Inbox] = set()
        self._lock = asyncio.Lock()
        self._reader: asyncio.Task | None = None
        self._local = False
        self._fills: dict[tuple[int, int], asyncio.Future] = {}

    @property
    def running(self) -> bool:
        return self._local or (self._reader is not None and not self._reader.done())

    async def join(self) -> Inbox:
        """A new inbox that receives every event from now on. Raises when Redis is down."""
        async with self._lock:
            if not self.running:
                await self._start()
            inbox = Inbox(INBOX_LIMIT)
            self.inboxes.add(inbox)
            return inbox

    async def leave(self, inbox: Inbox) -> None:
        self.inboxes.discard(inbox)
        if self.inboxes:
            return
        async with self._lock:
            if not self.inboxes:  # the last one left: nothing to listen for
                await self._stop()

    async def since(self, seq: int, limit: int) -> list[Item]:
        """The outbox after ``seq``, serialized; consumers that miss the same events share one
        query and one serialization."""
        key = (seq, limit)
        future = self._fills.get(key)
        if future is None:
            future = asyncio.ensure_future(database_sync_to_async(_since_items)(seq, limit))
            self._fills[key] = future
            future.add_done_callback(lambda _: self._fills.pop(key, None))
        return await asyncio.shield(future)

    # --- the subscription ----------------------------------------------------------------------
    async def _start(self) -> None:
        if not settings.REDIS_URL:
            live.add_listener(self._from_thread)
            self._local = True
            return
        import redis.asyncio as aioredis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        # No silent reconnect: events published while the connection was down would be lost
        # without anyone noticing. A failure closes the consumers; their clients catch up.
        client = aioredis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=3,
            health_check_interval=HEALTH_CHECK_S,
            retry=Retry(NoBackoff(), 0),
        )
        pubsub = client.pubsub()
        try:
            async with asyncio.timeout(SUBSCRIBE_TIMEOUT_S):
                await pubsub.subscribe(live.events_channel())
                while True:  # subscribed once Redis confirms: nothing published after is lost
                    message = await pubsub.get_message(timeout=SUBSCRIBE_TIMEOUT_S)
                    if message and message["type"] == "subscribe":
                        break
        except BaseException:
            await _close(pubsub, client)
            raise
        self._reader = asyncio.create_task(self._read(pubsub, client), name="live-hub")

    async def _read(self, pubsub, client) -> None:
        try:
            while True:
                message = await pubsub.get_message(timeout=HEALTH_CHECK_S)
                texts = []
                while message is not None:  # and whatever else has already arrived
                    if message["type"] == "message":
                        texts.append(message["data"])
                    if len(texts) >= READ_BATCH:  # let the consumers send meanwhile
                        break
                    message = await pubsub.get_message(timeout=0)
                if texts:
                    self._dispatch(*texts)
        except FAILURES as exc:
            log.warning("live feed subscription lost (%s); consumers close", type(exc).__name__)
            self._fail()
        finally:
            await _close(pubsub, client)

    async def _stop(self) -> None:
        if self._local:
            live.remove_listener(self._from_thread)
            self._local = False
        reader, self._reader = self._reader, None
        if reader is not None and not reader.done():
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader

    def _from_thread(self, text: str) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed
            self.loop.call_soon_threadsafe(self._dispatch, text)

    def _dispatch(self, *texts: str | bytes) -> None:
        """Events as published (JSON text), parsed once, to every inbox of this process."""
        items = [parse(text) for text in texts]
        for inbox in list(self.inboxes):
            if not inbox.put(items):
                self.evict(inbox)

    def evict(self, inbox: Inbox) -> None:
        """Tell an inbox's consumer to close: its client reconnects with ``?since``."""
        self.inboxes.discard(inbox)
        inbox.close()

    def _fail(self) -> None:
        for inbox in list(self.inboxes):
            self.evict(inbox)


def _since_items(seq: int, limit: int) -> list[Item]:
    return [(event["seq"], live.dumps(event)) for event in live.since(seq, limit)]


async def _close(pubsub, client) -> None:
    with contextlib.suppress(Exception):
        await pubsub.aclose()
    with contextlib.suppress(Exception):
        await client.aclose()


_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}


def get_hub() -> Hub:
    """This event loop's hub (a server has one loop; each async test has its own)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        for old in [old for old in _hubs if old.is_closed()]:
            del _hubs[old]
        hub = _hubs[loop] = Hub(loop)
    return hub
