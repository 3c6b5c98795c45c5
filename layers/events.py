"""The live event feed: publishing after commit, and the group every wall listens on.

Writers call ``publish_on_commit`` inside their transaction; the event leaves only if the
transaction commits (so the wall never shows what the database does not hold).
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

EVENTS_GROUP = "events"


def publish(event: dict) -> None:
    """Send one event to every subscriber now (use ``publish_on_commit`` from writers)."""
    layer = get_channel_layer()
    async_to_sync(layer.group_send)(EVENTS_GROUP, {"type": "event.message", "event": event})


def publish_on_commit(event: dict) -> None:
    transaction.on_commit(lambda: publish(event))
