"""AVL ingest: batches of fixes from a vehicle gateway.

Each fix is checked on its own: its shape (an object or a GeoJSON Point feature), the unit (codes
kept in a small cache, looked up when new), an ISO 8601 time with a zone that is neither far in
the future nor too old, coordinates and speed/heading/accuracy in range, and not twice in the
batch. Bad fixes are answered with their reason; the rest are stored. The usual batch, every fix
good, takes a typed fast path (incidents.avl.batch: decoded and range-checked by msgspec, the
rest checked once per distinct unit code and time string, kept as numpy columns); any other goes
fix by fix through the reference checks (incidents.avl.checks). Both store the same values.

The good fixes go straight into the history with one binary COPY, its stream built column-wise
(incidents.avl.binary), the same path as a bare bulk load. A fix already stored (a gateway
resending a batch) makes that COPY fail on the primary key: the transaction is rolled back and
the batch is done again by one statement (sql.STORE_NEW) that inserts with ON CONFLICT DO NOTHING
and answers which fixes it stored, so the others are named as duplicates.

The history has no foreign key to the unit (migration 0006: its per-row check halved the COPY
rate). Before writing, one statement (sql.LOCK_AND_MOVE) locks the batch's units, as that check
did per row, and moves each unit's last position to its newest fix of the batch, only forward in
time (fixes arriving out of order never move a unit back). A unit deleted before the lock (the
code cache may still hold it) is missing from its answer, and the batch is then done again with
the codes read afresh, so its fixes are "unknown unit" and no orphan row is stored; a unit
deleted after it waits for this commit, and the delete's trigger then removes the history with
the unit. The last position lives on the unit, whose table keeps room on each page and no
spatial index on it, so these updates are HOT (migration 0009). The wall hears of the moves
through the throttled ``units.positions`` live event (incidents.live.coalesce): a burst of
batches becomes at most one event per window.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import timedelta

import psycopg
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from incidents import live
from incidents.avl import arrays, binary, sql
from incidents.avl.arrays import Float4s, Float8s, Int8s, Times
from incidents.avl.batch import ONE_MICROSECOND, PG_EPOCH, Columns, Typed, clean
from incidents.avl.checks import BadFix, check, unit_code

MAX_BATCH = 5000
FUTURE_SLACK = timedelta(minutes=2)
OLDEST = timedelta(days=7)
POSITIONS_EVENT = "units.positions"
RETRIES = 5  # each retry needs another unit of the batch deleted in the last few milliseconds


class UnitGone(Exception):
    """A unit of the batch was deleted after its code was looked up."""


@dataclass
class Outcome:
    stored: int = 0
    duplicates: int = 0
    rejected: list[dict] = field(default_factory=list)
    moved: int = 0
    duplicate_indices: list[int] = field(default_factory=list)


# Unit code → id, kept between batches (a gateway sends the same units every second). A code not
# in it is looked up; the whole map is re-read after UNIT_CACHE_S, and at once when the database
# refuses a batch (a unit deleted meanwhile).
UNIT_CACHE_S = 60.0
_unit_cache: dict[str, int] = {}
_unit_cache_at = 0.0


def _units(codes: set[str], fresh: bool = False) -> dict[str, int]:
    global _unit_cache, _unit_cache_at
    now = time.monotonic()
    if fresh or now - _unit_cache_at > UNIT_CACHE_S:
        _unit_cache, _unit_cache_at = {}, now
    missing = [c for c in codes if c and c not in _unit_cache]
    if missing:
        with connection.cursor() as cursor:
            cursor.execute(sql.UNIT_IDS, [missing])
            _unit_cache = {**_unit_cache, **dict(cursor.fetchall())}
    return _unit_cache


def ingest(fixes: list | Typed) -> Outcome:
    """Store a batch: a list of fixes as decoded from JSON (objects or GeoJSON Point features),
    or a request body that decoded typed (incidents.avl.batch.decode)."""
    try:
        return _ingest(fixes, resent=False)
    except IntegrityError:  # fixes stored before: the slow path
        pass
    except UnitGone:  # a unit deleted meanwhile: again with the codes read afresh
        pass
    for attempt in range(RETRIES):
        try:
            return _ingest(fixes, resent=True)
        except UnitGone:
            if attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def _checked(fixes: list, outcome: Outcome, fresh: bool, latest, oldest):
    """The reference path: (columns of the good fixes or None, their indices in the batch);
    bad fixes and repeats within the batch go into ``outcome``."""
    units = _units({unit_code(raw) for raw in fixes}, fresh)
    good, indices, seen = [], [], set()
    for index, raw in enumerate(fixes):
        try:
            fix = check(raw, units, latest, oldest)
        except BadFix as exc:
            outcome.rejected.append({"index": index, "reason": str(exc)})
            continue
        key = fix[:2]
        if key in seen:  # the same unit and time twice in the batch
            outcome.duplicate_indices.append(index)
            continue
        seen.add(key)
        good.append(fix)
        indices.append(index)
    return (Columns.of_checked(good) if good else None), indices


def _ingest(fixes: list | Typed, resent: bool) -> Outcome:
    outcome = Outcome()
    now = timezone.now()
    latest, oldest = now + FUTURE_SLACK, now - OLDEST
    columns, indices = None, None
    if isinstance(fixes, Typed):
        columns = clean(fixes.fixes, lambda codes: _units(codes, resent), latest, oldest)
        if columns is None:  # not every fix is good: each gets its answer the reference way
            fixes = fixes.generic()
    if columns is None:
        columns, indices = _checked(fixes, outcome, resent, latest, oldest)
    if columns is None or not len(columns):  # nothing to store
        outcome.duplicates = len(outcome.duplicate_indices)
        return outcome
    moved = _store_new(columns, indices, outcome) if resent else _store(columns)
    outcome.duplicates = len(outcome.duplicate_indices)
    outcome.stored = len(fixes) - len(outcome.rejected) - outcome.duplicates
    outcome.moved = len(moved)
    return outcome


def _store(columns: Columns) -> list[int]:
    """The usual way: lock and move the units, COPY the fixes; the ids of the units moved.
    IntegrityError when a fix was stored before (nothing of the batch is then kept)."""
    latest = _latest(columns)
    rows = binary.stream(columns)
    with transaction.atomic():
        held, moved = _execute(sql.LOCK_AND_MOVE, latest)
        if held != latest["units"]:
            raise UnitGone  # the atomic block rolls the moves back
        with (
            connection.wrap_database_errors,
            connection.connection.cursor() as cursor,
            cursor.copy(sql.COPY_HISTORY) as copy,
        ):
            copy.write(rows)
        if moved:
            live.coalesce(POSITIONS_EVENT, moved)
    return moved


def _store_new(columns: Columns, indices: list[int] | None, outcome: Outcome) -> list[int]:
    """A resent batch: the same, inserting only the fixes not stored yet (one statement), whose
    indices go into ``outcome.duplicate_indices``; the ids of the units moved."""
    parameters = {**_latest(columns), **_fixes(columns)}
    with _isolated():
        held, moved, units, times = _execute(sql.STORE_NEW, parameters)
    if held != parameters["units"]:  # nothing was written
        raise UnitGone
    stored = {
        (unit, (at - PG_EPOCH) // ONE_MICROSECOND) for unit, at in zip(units, times, strict=True)
    }
    where = indices if indices is not None else range(len(columns))
    keys = zip(columns.unit.tolist(), columns.micros.tolist(), strict=True)
    outcome.duplicate_indices += [
        i for i, key in zip(where, keys, strict=True) if key not in stored
    ]
    outcome.duplicate_indices.sort()
    if moved:
        with _in_transaction():
            live.coalesce(POSITIONS_EVENT, moved)
    return moved


def _latest(columns: Columns) -> dict:
    """Each unit's newest fix of the batch, in unit id order, as sql.LOCK_AND_MOVE takes it."""
    newest = columns.newest()
    return {
        "units": len(newest),
        "latest_unit": Int8s(columns.unit[newest]),
        "latest_time": Times(columns.micros[newest]),
        "latest_lon": Float8s(columns.lon[newest]),
        "latest_lat": Float8s(columns.lat[newest]),
        "latest_speed": Float8s(columns.speed[newest]),
        "latest_heading": Float8s(columns.heading[newest]),
    }


def _fixes(columns: Columns) -> dict:
    """Every fix of the batch, as sql.STORE_NEW inserts them."""
    return {
        "unit": Int8s(columns.unit),
        "time": Times(columns.micros),
        "lon": Float8s(columns.lon),
        "lat": Float8s(columns.lat),
        "speed": Float4s(columns.speed),
        "heading": Float4s(columns.heading),
        "accuracy": Float4s(columns.accuracy),
    }


def _isolated():
    """Around sql.STORE_NEW: in autocommit it is a transaction of its own; inside the caller's
    transaction, a savepoint keeps a failed attempt from spoiling it."""
    return nullcontext() if connection.get_autocommit() else transaction.atomic()


def _in_transaction():
    """The live event is recorded or queued inside a transaction (incidents.live.coalesce): the
    caller's, or one of its own."""
    return nullcontext() if connection.in_atomic_block else transaction.atomic()


def _execute(statement: str, parameters: dict) -> tuple:
    """Run one of sql's statements with its arrays bound server-side in binary."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        arrays.register(cursor)
        cursor.execute(statement, parameters)
        return cursor.fetchone()


def positions_payload(unit_ids: list[int]) -> dict | None:
    """The ``units.positions`` event for these units, read from the database when it is sent
    (so it carries each unit's latest position, whatever batch moved it)."""
    with connection.cursor() as cursor:
        cursor.execute(sql.POSITIONS, [list(unit_ids)])
        rows = cursor.fetchall()
    if not rows:
        return None
    return {
        "units": [
            {
                "id": pk,
                "code": code,
                "status": status,
                "point": [x, y],
                "heading_deg": heading,
                "fix_at": fix_at.isoformat(),
            }
            for pk, code, status, x, y, heading, fix_at in rows
        ]
    }


live.register_coalesced(POSITIONS_EVENT, positions_payload)
