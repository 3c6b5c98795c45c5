"""WebSocket consumers. Authorization happens in ``connect()``, before anything is sent."""

from __future__ import annotations

import contextlib
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone
from redis.exceptions import RedisError

from accounts.channels import SUBPROTOCOL
from accounts.choices import ALL_ROLES
from incidents import live

# Close codes in the 4000 range are the application's own (RFC 6455 §7.4.2).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_BAD_REQUEST = 4400
CLOSE_TRY_AGAIN = 1013  # RFC 6455: try again later
# More missed events than this: the client should reload a snapshot instead of replaying.
REPLAY_LIMIT = 1000


class EventsConsumer(AsyncJsonWebsocketConsumer):
    """The live feed for the wall and consoles.

    ``?since=SEQ`` replays the outbox after SEQ before live events flow, so a reconnecting wall
    misses nothing; events are delivered in ``seq`` order without duplicates.
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
        # channel and are filtered by seq afterwards, so nothing falls in between.
        try:
            await self.channel_layer.group_add(live.EVENTS_GROUP, self.channel_name)
        except (OSError, RedisError, TimeoutError):
            # The channel layer (Redis) is down: refuse cleanly, the client retries later.
            await self.close(code=CLOSE_TRY_AGAIN)
            return
        offered = self.scope.get("subprotocols") or []
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
            else:
                for event in missed:
                    await self.send_json(event)
                if missed:
                    self.last_seq = max(latest, missed[-1]["seq"])

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
        # If the layer is down, its group membership expires on its own.
        with contextlib.suppress(OSError, RedisError, TimeoutError):
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
        event = message["event"]
        seq = event.get("seq")
        if isinstance(seq, int):
            if seq <= self.last_seq:
                return  # already delivered by the replay
            self.last_seq = seq
        await self.send_json(event)
