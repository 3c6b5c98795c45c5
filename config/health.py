"""GET /healthz: is this server able to do its job? No authentication (load balancers and the
wall's watchdog call it); it reveals versions and counts, never data or credentials.

Any degraded dependency makes it 503 with the dependency named. Intake itself keeps working
without Redis (the outbox keeps the events), so a proxy should not take a worker out of rotation
on a 503 whose ``degraded`` is only ``["redis"]`` (docker/nginx.conf uses passive checks)."""

from __future__ import annotations

import psycopg
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from redis.exceptions import RedisError

from config.errors import db_reason
from geo.reference import reference_counts
from geo.sql import engine_versions

_PROBE_TIMEOUT_S = 2


def _database() -> dict:
    # A direct connection (not the pool) with a short timeout: the probe must answer fast and
    # tell the truth even when the pool holds stale connections.
    params = connection.get_connection_params()
    params.pop("pool", None)
    params["connect_timeout"] = _PROBE_TIMEOUT_S
    params.pop("cursor_factory", None)
    params.pop("context", None)
    try:
        with psycopg.connect(**params) as conn, conn.cursor() as cursor:
            versions = engine_versions(cursor)
    except psycopg.Error as exc:
        return {"ok": False, "error": db_reason(exc)}
    return {"ok": True, **versions}


def _channel_layer() -> dict:
    layer = get_channel_layer()
    backend = f"{type(layer).__module__}.{type(layer).__name__}"
    info = {"backend": backend, "ok": True}
    if "redis" in backend.lower():
        try:
            async_to_sync(_redis_ping)(layer)
        except (OSError, TimeoutError, RedisError) as exc:
            info.update(ok=False, error=type(exc).__name__)
    return info


async def _redis_ping(layer) -> None:
    import asyncio

    # The layer's own connection, so this checks exactly what publishing will use.
    channel = await asyncio.wait_for(layer.new_channel(), _PROBE_TIMEOUT_S)
    await asyncio.wait_for(layer.send(channel, {"type": "health.ping"}), _PROBE_TIMEOUT_S)
    await asyncio.wait_for(layer.receive(channel), _PROBE_TIMEOUT_S)


@never_cache
@require_GET
def healthz(request):
    """200 when every dependency answers; otherwise 503 naming each degraded one in
    ``degraded`` (``postgresql``, ``postgresql-extensions``, ``redis``)."""
    database = _database()
    body = {"status": "ok", "database": database, "channel_layer": _channel_layer()}
    degraded = []
    if database["ok"]:
        body["reference_data"] = reference_counts()
        missing = [name for name in ("postgis", "pgrouting", "pg_trgm") if not database.get(name)]
        if missing:
            body["missing_extensions"] = missing
            degraded.append("postgresql-extensions")
    else:
        degraded.append("postgresql")
    if not body["channel_layer"]["ok"]:
        degraded.append("redis")
    body["degraded"] = degraded
    if degraded:
        body["status"] = "down" if not database["ok"] else "degraded"
        return JsonResponse(body, status=503)
    return JsonResponse(body)
