"""The live feed: events written to the outbox in the writer's transaction, sent after commit.

``seq`` is gap-free: a transaction-scoped advisory lock serialises writers of the outbox, and the
next number is taken under it. One city's load (a few writes a second at worst) makes the
serialisation invisible, and a client can trust that SEQ+1 follows SEQ.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from redis.exceptions import RedisError

from incidents.models import LiveEvent

log = logging.getLogger(__name__)

# The Channels group the consumers also join: a message sent to it with ``group_send`` still
# reaches them (and goes through the same seq filter). live.send publishes through the hub.
EVENTS_GROUP = "events"
_LOCK_KEY = 112_000_001  # pg_advisory_xact_lock key of the outbox


def _json_safe(payload: dict) -> dict:
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


def dumps(message: dict) -> str:
    """An event's JSON text, as published and as sent to clients."""
    return json.dumps(message, cls=DjangoJSONEncoder)


def send(message: dict) -> None:
    """Publish one event now, once, to every server process (each fans it out to its own
    consumers, layers/hub.py). A dead Redis is logged, not raised: the write has committed, and
    clients catch up from the outbox by sequence number."""
    text = dumps(message)
    from django.conf import settings

    if not settings.REDIS_URL:  # one process: hand it to this process's hub directly
        for listener in list(_listeners):
            listener(text)
        return
    try:
        _redis().publish(events_channel(), text)
    except (OSError, RedisError, TimeoutError) as exc:
        log.warning(
            "live event %s not pushed (%s); clients will catch up",
            message["seq"],
            type(exc).__name__,
        )


def events_channel() -> str:
    """The Redis pub/sub channel of the live feed (one per database, like the coalescing keys:
    the test database and the dev database may share a Redis)."""
    return f"siaga112:{connection.settings_dict['NAME']}:events"


_listeners: list = []


def add_listener(listener) -> None:
    """Without Redis (REDIS_URL unset, one process): ``listener(text)`` gets each sent event,
    from the sending thread."""
    _listeners.append(listener)


def remove_listener(listener) -> None:
    with contextlib.suppress(ValueError):
        _listeners.remove(listener)


def latest_seq() -> int:
    return LiveEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def since(seq: int, limit: int) -> list[dict]:
    return [e.as_message() for e in LiveEvent.objects.filter(seq__gt=seq).order_by("seq")[:limit]]


# --- coalesced events ---------------------------------------------------------------------------
# Some events describe a state, not a change worth one message each: the positions of moving
# units. A burst of AVL batches must not flood the wall, so such events are coalesced: at most
# one per settings.LIVE_COALESCE_MS, each built from the database when it is sent (so it carries
# the latest state of every unit changed since the previous one). The state shared by all server
# processes is in Redis: a "gate" key that lives one window (whoever sets it sends now and checks
# again when the window ends) and the set of ids changed while the gate was held. Redis scripts
# make each step atomic, so no change is stranded between two processes.
#
# Leading edge: the writer that finds the gate open records the event inside its own transaction
# (outbox semantics, like record()). Otherwise the ids wait in the set; the gate holder's timer
# sends them when its window ends and holds the gate one more window; a holder that died leaves
# them to the next writer after the gate expires. The history itself is in the database whatever
# happens here: a lost event only delays the wall until the next one.

_LEAD = """
if redis.call('SET', KEYS[1], ARGV[2], 'NX', 'PX', ARGV[1]) then
    local ids = redis.call('SMEMBERS', KEYS[2])
    redis.call('DEL', KEYS[2])
    return {1, ids}
end
return {0, {}}
"""
# The same gate, after queueing this writer's ids.
_MARK = "redis.call('SADD', KEYS[2], unpack(ARGV, 3))" + _LEAD
_TRAIL = """
local owner = redis.call('GET', KEYS[1])
if owner and owner ~= ARGV[2] then
    return {0, {}}
end
local ids = redis.call('SMEMBERS', KEYS[2])
if #ids > 0 then
    redis.call('DEL', KEYS[2])
    redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[1])
    return {1, ids}
end
redis.call('DEL', KEYS[1])
return {0, {}}
"""

_builders: dict = {}
_redis_client = None


def register_coalesced(kind: str, build) -> None:
    """``build(ids) -> payload | None`` makes the ``kind`` event for these ids (from the DB)."""
    _builders[kind] = build


def _window_ms() -> int:
    from django.conf import settings

    return max(1, int(settings.LIVE_COALESCE_MS))


def _keys(kind: str) -> list[str]:
    # One namespace per database: the test database and the dev database may share a Redis.
    base = f"siaga112:{connection.settings_dict['NAME']}:coalesce:{kind}"
    return [f"{base}:gate", f"{base}:pending"]


def _redis():
    global _redis_client
    if _redis_client is None:
        import redis
        from django.conf import settings

        _redis_client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
    return _redis_client


_held_here: dict[str, float] = {}  # kind → until when this process holds the gate (a hint)


def _script(source: str, kind: str, token: str, ids=()) -> tuple[bool, list[int]]:
    from django.conf import settings

    window = _window_ms()
    started = time.monotonic()
    if not settings.REDIS_URL:
        acquired, members = _local.run(source, _keys(kind), token, window, ids)
    else:
        acquired, members = _redis().eval(source, 2, *_keys(kind), window, token, *ids)
    if acquired:
        _held_here[kind] = started + window / 1000
    return bool(acquired), [int(m) for m in members]


def coalesce(kind: str, ids) -> None:
    """Tell the wall that these ids changed (inside the writer's transaction): now, in this
    transaction, if no ``kind`` event went out in the last window; otherwise with the next one."""
    import uuid

    if not connection.in_atomic_block:
        raise RuntimeError("live.coalesce() must run inside the writer's transaction")
    ids = sorted({int(i) for i in ids})
    if not ids:
        return
    token = uuid.uuid4().hex
    if time.monotonic() < _held_here.get(kind, 0.0):
        # This process opened the current window moments ago: no need to ask Redis now.
        transaction.on_commit(lambda: _mark(kind, token, ids), robust=True)
        return
    try:
        acquired, pending = _script(_LEAD, kind, token)
    except (OSError, RedisError) as exc:
        log.warning("coalescing unavailable (%s): %s sent at once", type(exc).__name__, kind)
        _record_built(kind, ids)
        return
    if acquired:
        _record_built(kind, sorted(set(ids) | set(pending)))
        _schedule(kind, token)  # even if this transaction rolls back, the window ends checked
    else:
        transaction.on_commit(lambda: _mark(kind, token, ids), robust=True)


def _record_built(kind: str, ids: list[int]) -> None:
    payload = _builders[kind](ids)
    if payload:
        record(kind, payload)


def _mark(kind: str, token: str, ids: list[int]) -> None:
    """After commit, when the gate was held: queue the ids; send them now if the gate has
    meanwhile opened (its holder's window ended)."""
    try:
        acquired, pending = _script(_MARK, kind, token, ids)
    except (OSError, RedisError) as exc:
        log.warning("coalescing unavailable (%s): %s not queued", type(exc).__name__, kind)
        return
    if acquired:
        with transaction.atomic():
            _record_built(kind, pending)
        _schedule(kind, token)


def _schedule(kind: str, token: str) -> None:
    import threading

    timer = threading.Timer(_window_ms() / 1000, _trail, args=(kind, token))
    timer.daemon = True
    timer.start()


def _trail(kind: str, token: str) -> None:
    """End of the holder's window: send what queued up meanwhile and hold one more window, or
    open the gate when nothing did. Runs in a timer thread with its own connection."""
    try:
        acquired, pending = _script(_TRAIL, kind, token)
        if acquired:
            with transaction.atomic():
                _record_built(kind, pending)
            _schedule(kind, token)
    except Exception:  # a timer thread has no caller to raise to
        log.exception("coalesced %s event not sent; the next one carries the state", kind)
    finally:
        connection.close()


class _LocalGate:
    """The same three steps in one process, for a server run without Redis (REDIS_URL unset)."""

    def __init__(self):
        import threading

        self.lock = threading.Lock()
        self.gates: dict[str, tuple[str, float]] = {}
        self.pending: dict[str, set[int]] = {}

    def run(self, source, keys, token, window_ms, ids):
        gate_key, pending_key = keys
        now = time.monotonic()
        with self.lock:
            owner, until = self.gates.get(gate_key, ("", 0.0))
            held = until > now
            pending = self.pending.setdefault(pending_key, set())
            if source is _MARK:
                pending.update(int(i) for i in ids)
            if source is _TRAIL and held and owner != token:
                return False, []
            if source is _TRAIL and not pending:
                self.gates.pop(gate_key, None)
                return False, []
            if source is not _TRAIL and held:
                return False, []
            self.gates[gate_key] = (token, now + window_ms / 1000)
            popped = sorted(pending)
            pending.clear()
            return True, popped


_local = _LocalGate()


def reset_coalescing(kind: str) -> None:
    """Forget the gate and the queued ids of ``kind`` (tests start from a quiet wall)."""
    from django.conf import settings

    _held_here.pop(kind, None)
    if settings.REDIS_URL:
        _redis().delete(*_keys(kind))
    else:
        with _local.lock:
            gate_key, pending_key = _keys(kind)
            _local.gates.pop(gate_key, None)
            _local.pending.pop(pending_key, None)
