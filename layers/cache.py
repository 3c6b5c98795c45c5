"""Layer results cached by their parameters and by the version of the data they were built on.

The data version is ``<db oid>.<largest incident id>.<latest live-event seq>.<generation>``: a
new incident raises the id, every change made through the services (status to prank, a moved
location, a merge) writes a live event and raises the seq, and bulk writers that bypass both
(the synthetic history, its removal) raise the generation with ``bump()``. A key that names the
version is never stale, so nothing has to be deleted: old entries expire (``TTL``). Reading the
version costs two index look-ups.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.db import connection

log = logging.getLogger(__name__)

TTL = 15 * 60
CACHE_ALIAS = "layers"  # settings.CACHES: Redis when REDIS_URL is set
_GENERATION = "layers:generation"


def _cache():
    return caches[CACHE_ALIAS]


def _namespace() -> str:
    # One Redis may serve several databases (development, tests, benchmarks).
    return f"layers:{connection.settings_dict['NAME']}"


def generation() -> int:
    try:
        return int(_cache().get(f"{_namespace()}:{_GENERATION}") or 0)
    except Exception as exc:  # noqa: BLE001 - a cache outage must not break the layer
        log.warning("layer cache unreachable (%s)", type(exc).__name__)
        return 0


def bump() -> None:
    """Tell every cached layer that the incidents changed behind the services' back."""
    key = f"{_namespace()}:{_GENERATION}"
    try:
        _cache().add(key, 0, timeout=None)
        _cache().incr(key)
    except Exception as exc:  # noqa: BLE001
        log.warning("layer cache unreachable (%s)", type(exc).__name__)


def data_version() -> str:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT (SELECT coalesce(max(id), 0) FROM incidents_incident),"
            " (SELECT coalesce(max(seq), 0) FROM incidents_liveevent),"
            " (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        max_id, seq, db_oid = cur.fetchone()
    # The database's oid changes when it is created anew (test runs), where ids start again.
    return f"{db_oid}.{max_id}.{seq}.{generation()}"


def key_for(kind: str, params: str, version: str) -> str:
    digest = hashlib.sha1(f"{kind}|{params}".encode(), usedforsecurity=False).hexdigest()
    return f"{_namespace()}:{kind}:{digest}:{version}"


def cached(kind: str, params: str, compute: Callable[[], dict]) -> tuple[dict, bool]:
    """(result, hit): the result for these parameters on the current data, computed once."""
    key = key_for(kind, params, data_version())
    try:
        found = _cache().get(key)
    except Exception as exc:  # noqa: BLE001
        log.warning("layer cache unreachable (%s)", type(exc).__name__)
        found = None
    if found is not None:
        return found, True
    result = compute()
    try:
        _cache().set(key, result, timeout=getattr(settings, "LAYERS_CACHE_TTL", TTL))
    except Exception as exc:  # noqa: BLE001
        log.warning("layer cache unreachable (%s)", type(exc).__name__)
    return result, False
