"""WebSocket consumers. Authorization happens in ``connect()``, before anything is sent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone

from accounts.channels import SUBPROTOCOL
from accounts.choices import ALL_ROLES
from incidents import live
from layers.hub import FAILURES, Item, get_hub

log = logging.getLogger(__name__)

# Close codes in the 4000 range are the application's own (RFC 6455 §7.4.2).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_BAD_REQUEST = 4400
CLOSE_TRY_AGAIN = 1013  # RFC 6455: try again later
# More missed events than this: the client should reload a snapshot instead of replaying.
REPLAY_LIMIT = 1000
# The subprotocol of the batch framing (see EventsConsumer), and the most events in one frame.
BATCH_SUBPROTOCOL = "siaga112.batch"
MAX_BATCH = 500


class EventsConsumer(AsyncJsonWebsocketConsumer):
    """The live feed for the wall and consoles.

    ``?since=SEQ`` replays the outbox after SEQ before live events flow, so a reconnecting wall
    misses nothing; events are delivered in ``seq`` order without duplicates.

    Framing: a client that offers the subprotocol ``siaga112.batch`` gets its events as
    ``{"type": "events", "events": [...]}``, everything that waited for it in one frame (one
    event when the feed is quiet, several when events come faster than it is sent to); others
    get one event per frame. Control messages (``hello``, ``resync``, ``pong``, ``error``) are
    single objects either way.
    """

    allowed_roles = ALL_ROLES

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not user.is_active or user.role not in self.allowed_roles:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        since = self._since()
        if since is False:
            await self.close(code=CLOSE_BAD_REQUEST)
            return
        # Join first, then read the outbox: live events that arrive meanwhile wait in the
        # inbox and are filtered by seq afterwards, so nothing falls in between.
        self.hub = get_hub()
        try:
            await self.channel_layer.group_add(live.EVENTS_GROUP, self.channel_name)
            self.inbox = await self.hub.join()
        except FAILURES:
            # Redis is down: refuse cleanly, the client retries later.
            await self.close(code=CLOSE_TRY_AGAIN)
            return
        offered = self.scope.get("subprotocols") or []
        self.batch = BATCH_SUBPROTOCOL in offered
        if self.batch:
            await self.accept(subprotocol=BATCH_SUBPROTOCOL)
        else:
            await self.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in offered else None)
        latest = await database_sync_to_async(live.latest_seq)()
        self.last_seq = latest
        await self.send_json(
            {
                "type": "hello",
                "role": user.role,
                "latest_seq": latest,
                "server_time": timezone.now().isoformat(),
            }
        )
        if since is not None:
            missed = await database_sync_to_async(live.since)(since, REPLAY_LIMIT + 1)
            if len(missed) > REPLAY_LIMIT:
                await self.send_json({"type": "resync", "latest_seq": latest})
            elif missed:
                await self._send_events([live.dumps(event) for event in missed])
                self.last_seq = max(latest, missed[-1]["seq"])
        self.pump = asyncio.create_task(self._pump())

    def _since(self) -> int | None | bool:
        """The ``since`` query parameter: None when absent, False when malformed."""
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        values = query.get("since")
        if not values:
            return None
        try:
            value = int(values[0])
        except ValueError:
            return False
        return value if value >= 0 else False

    async def disconnect(self, code):
        pump = getattr(self, "pump", None)
        if pump is not None:
            pump.cancel()
        inbox = getattr(self, "inbox", None)
        if inbox is not None:
            await self.hub.leave(inbox)
        # If the layer is down, its group membership expires on its own.
        with contextlib.suppress(*FAILURES):
            await self.channel_layer.group_discard(live.EVENTS_GROUP, self.channel_name)

    @classmethod
    async def decode_json(cls, text_data):
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return None  # answered below, instead of dropping the connection

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong", "server_time": timezone.now().isoformat()})
        else:
            await self.send_json({"type": "error", "detail": "unknown message type"})

    async def event_message(self, message):
        """An event sent to the Channels group: the same path as the hub's."""
        event = message["event"]
        seq = event.get("seq")
        if not self.inbox.put([(seq if isinstance(seq, int) else None, live.dumps(event))]):
            self.hub.evict(self.inbox)

    async def _pump(self) -> None:
        """Send what the hub puts in the inbox, in seq order, each event once."""
        try:
            while True:
                items = await self.inbox.take()
                if items is None:  # the hub lost Redis, or this client fell too far behind
                    await self.close(code=CLOSE_TRY_AGAIN)
                    return
                await self._deliver(items)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("live feed consumer failed; the client reconnects with ?since")
            with contextlib.suppress(Exception):
                await self.close(code=CLOSE_TRY_AGAIN)

    async def _deliver(self, items: list[Item]) -> None:
        texts = []
        for seq, text in items:
            if seq is not None:
                if seq <= self.last_seq:
                    continue  # already delivered (by the replay, or the outbox read of a gap)
                if seq > self.last_seq + 1:
                    # Missed, or published out of order by two writers: the outbox has them.
                    gap = seq - self.last_seq - 1
                    if gap > REPLAY_LIMIT:
                        await self._send_events(texts)
                        texts = []
                        await self.send_json({"type": "resync", "latest_seq": seq - 1})
                    else:
                        missed = await self.hub.since(self.last_seq, gap)
                        texts.extend(t for s, t in missed if s < seq)
                self.last_seq = seq
            texts.append(text)
        await self._send_events(texts)

    async def _send_events(self, texts: list[str]) -> None:
        """Events (JSON texts) in the framing the client chose."""
        if not self.batch:
            for text in texts:
                await self.send(text_data=text)
            return
        for start in range(0, len(texts), MAX_BATCH):
            events = ",".join(texts[start : start + MAX_BATCH])
            await self.send(text_data=f'{{"type":"events","events":[{events}]}}')
