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
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import connection

log = logging.getLogger(__name__)
T = TypeVar("T")

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


@dataclass(frozen=True)
class Version:
    db: int
    max_id: int
    seq: int
    generation: int

    def __str__(self) -> str:
        return f"{self.db}.{self.max_id}.{self.seq}.{self.generation}"


def current_version() -> Version:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT (SELECT oid FROM pg_database WHERE datname = current_database()),"
            " (SELECT coalesce(max(id), 0) FROM incidents_incident),"
            " (SELECT coalesce(max(seq), 0) FROM incidents_liveevent)"
        )
        db_oid, max_id, seq = cur.fetchone()
    # The database's oid changes when it is created anew (test runs), where ids start again.
    return Version(int(db_oid), int(max_id), int(seq), generation())


def data_version() -> str:
    return str(current_version())


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


# --- running state: kept up to date by new incidents alone --------------------------------------

REFRESH_S = 10 * 60  # a running state is rebuilt from scratch at least this often


def created_since(old: Version, new: Version) -> list[int] | None:
    """Ids of the incidents created between two versions, when creations are *all* that
    happened (every live event in between is ``incident.created`` and they explain the new
    largest id); None when anything else changed."""
    if (old.db, old.generation) != (new.db, new.generation) or new.seq <= old.seq:
        return None
    with connection.cursor() as cur:
        cur.execute(
            "SELECT kind, (payload -> 'incident' ->> 'id')::bigint FROM incidents_liveevent"
            " WHERE seq > %s AND seq <= %s",
            [old.seq, new.seq],
        )
        rows = cur.fetchall()
    if len(rows) != new.seq - old.seq or any(k != "incident.created" or i is None for k, i in rows):
        return None
    ids = [i for _, i in rows]
    if max([old.max_id, *ids]) != new.max_id:
        return None  # rows written without events (a bulk load): start again
    return ids


def running(
    name: str,
    params: str,
    full: Callable[[Version], T],
    add: Callable[[T, list[int], Version], T],
) -> T:
    """A value (e.g. counts per cell) computed once with ``full`` and then brought up to date
    with ``add`` for each batch of newly created incidents, instead of from scratch. Anything
    else (an edit, a status change, a bulk load, ``REFRESH_S`` passing) rebuilds it.

    ``full(version)`` should read only incidents with ``id <= version.max_id``, so that one
    created while it runs comes in through ``add``. (An incident whose id was taken before
    that largest one but committed after it could be counted twice until the next rebuild.)"""
    version = current_version()
    key = key_for(f"running:{name}", params, "state")
    try:
        state = _cache().get(key)
    except Exception as exc:  # noqa: BLE001
        log.warning("layer cache unreachable (%s)", type(exc).__name__)
        state = None
    if state and state["version"] == version:
        return state["value"]
    value = None
    if state and time.time() - state["born"] < REFRESH_S:
        ids = created_since(state["version"], version)
        if ids is not None:
            value, born = add(state["value"], ids, version), state["born"]
    if value is None:
        value, born = full(version), time.time()
    try:
        _cache().set(key, {"version": version, "value": value, "born": born}, timeout=TTL)
    except Exception as exc:  # noqa: BLE001
        log.warning("layer cache unreachable (%s)", type(exc).__name__)
    return value


def forget_running(name: str, params: str) -> None:
    """Drop a running state (benchmarks measure the rebuild)."""
    _cache().delete(key_for(f"running:{name}", params, "state"))
