"""The live feed: events written to the outbox in the writer's transaction, sent after commit.

``seq`` is gap-free: a transaction-scoped advisory lock serialises writers of the outbox, and the
next number is taken under it. One city's load (a few writes a second at worst) makes the
serialisation invisible, and a client can trust that SEQ+1 follows SEQ.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from redis.exceptions import RedisError

from incidents.models import LiveEvent

log = logging.getLogger(__name__)

EVENTS_GROUP = "events"
_LOCK_KEY = 112_000_001  # pg_advisory_xact_lock key of the outbox


def _json_safe(payload: dict) -> dict:
    import json

    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def record(kind: str, payload: dict) -> LiveEvent:
    """Append an event to the outbox (inside the caller's transaction) and send it on commit."""
    if not connection.in_atomic_block:
        raise RuntimeError("live.record() must run inside the writer's transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        cursor.execute("SELECT coalesce(max(seq), 0) + 1 FROM incidents_liveevent")
        (seq,) = cursor.fetchone()
    event = LiveEvent.objects.create(seq=seq, kind=kind, payload=_json_safe(payload))
    message = event.as_message()
    transaction.on_commit(lambda: send(message), robust=True)
    return event


def send(message: dict) -> None:
    """Push one event to every subscriber now. A dead channel layer is logged, not raised: the
    write has committed, and clients catch up from the outbox by sequence number."""
    try:
        async_to_sync(get_channel_layer().group_send)(
            EVENTS_GROUP, {"type": "event.message", "event": message}
        )
    except (OSError, RedisError, TimeoutError) as exc:
        log.warning(
            "live event %s not pushed (%s); clients will catch up",
            message["seq"],
            type(exc).__name__,
        )


def latest_seq() -> int:
    return LiveEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def since(seq: int, limit: int) -> list[dict]:
    return [e.as_message() for e in LiveEvent.objects.filter(seq__gt=seq).order_by("seq")[:limit]]
