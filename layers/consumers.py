"""WebSocket consumers. Authorization happens in ``connect()``, before anything is sent."""

from __future__ import annotations

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone

from accounts.channels import SUBPROTOCOL
from accounts.choices import ALL_ROLES
from layers.events import EVENTS_GROUP

# Close codes in the 4000 range are the application's own (RFC 6455 §7.4.2).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


class EventsConsumer(AsyncJsonWebsocketConsumer):
    """The live feed for the wall and consoles: every event published on the events group."""

    allowed_roles = ALL_ROLES

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not user.is_active or user.role not in self.allowed_roles:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.channel_layer.group_add(EVENTS_GROUP, self.channel_name)
        offered = self.scope.get("subprotocols") or []
        await self.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in offered else None)
        await self.send_json(
            {"type": "hello", "role": user.role, "server_time": timezone.now().isoformat()}
        )

    async def disconnect(self, code):
        await self.channel_layer.group_discard(EVENTS_GROUP, self.channel_name)

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
        await self.send_json(message["event"])
