"""AVL ingest: batches of fixes from a vehicle gateway.

Each fix is checked on its own, in one pass over the batch: its shape (an object or a GeoJSON
Point feature), the unit (codes kept in a small cache, looked up when new), an ISO 8601 time with
a zone that is neither far in the future nor too old, coordinates and speed/heading/accuracy in
range, and not twice in the batch. Bad fixes are answered with their reason; the rest are stored.

The good fixes go straight into the history with one binary COPY, the same path as a bare bulk
load. A fix already stored (a gateway resending a batch) makes that COPY fail on the primary key:
the transaction is rolled back and the batch is done again the slow way, staged in a temporary
table and inserted with ON CONFLICT DO NOTHING, which tells which fixes were duplicates.

The history has no foreign key to the unit (migration 0006: its per-row check halved the COPY
rate). Before writing, one statement locks the batch's units FOR KEY SHARE, as that check did per
row: a unit deleted before it (the code cache may still hold it) is missing from the answer, and
the batch is then done again with the codes read afresh, so its fixes are "unknown unit" and no
orphan row is stored; a unit deleted after it waits for this commit, and the delete's trigger
then removes the history with the unit. After the write, one
UPDATE moves each unit's last position, only forward in time (fixes arriving out of order never
move a unit back). The wall hears of the moves through the throttled ``units.positions`` live
event (incidents.live.coalesce): a burst of batches becomes at most one event per window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from struct import Struct

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from incidents import live

MAX_BATCH = 5000
FUTURE_SLACK = timedelta(minutes=2)
OLDEST = timedelta(days=7)
POSITIONS_EVENT = "units.positions"

_COPY_TO = {  # the table names are constants, never input
    "incidents_unitposition": "COPY incidents_unitposition"
    " (unit_id, fix_at, point, speed_kmh, heading_deg, accuracy_m) FROM STDIN (FORMAT BINARY)",
    "avl_in": "COPY avl_in"
    " (unit_id, fix_at, point, speed_kmh, heading_deg, accuracy_m) FROM STDIN (FORMAT BINARY)",
}
_COPY_TYPES = ["int8", "timestamptz", "bytea", "float4", "float4", "float4"]
_EWKB = Struct("<BIIdd")  # little-endian EWKB Point with SRID: geometry's binary input reads it
_EWKB_POINT_SRID = 0x20000001

_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS avl_in (
    unit_id bigint, fix_at timestamptz, point geometry, speed_kmh real, heading_deg real,
    accuracy_m real
) ON COMMIT DELETE ROWS;
DELETE FROM avl_in
"""
_INSERT_NEW = """
INSERT INTO incidents_unitposition (unit_id, fix_at, point, speed_kmh, heading_deg, accuracy_m)
SELECT unit_id, fix_at, point, speed_kmh, heading_deg, accuracy_m FROM avl_in
ON CONFLICT DO NOTHING
RETURNING unit_id, fix_at
"""
# Each unit's newest fix of the batch, applied only when newer than what the unit has.
_MOVE = """
UPDATE incidents_unit u
SET point = ST_SetSRID(ST_MakePoint(l.lon, l.lat), 4326), fix_at = l.fix_at,
    speed_kmh = l.speed_kmh, heading_deg = l.heading_deg
FROM unnest(%s::bigint[], %s::timestamptz[], %s::float8[], %s::float8[], %s::float8[],
            %s::float8[]) AS l(id, fix_at, lon, lat, speed_kmh, heading_deg)
WHERE u.id = l.id AND (u.fix_at IS NULL OR l.fix_at > u.fix_at)
RETURNING u.id
"""


_LOCK_UNITS = "SELECT id FROM incidents_unit WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE"
RETRIES = 5  # each retry needs another unit of the batch deleted in the last few milliseconds


class BadFix(ValueError):
    pass


class UnitGone(Exception):
    """A unit of the batch was deleted after its code was looked up."""


@dataclass
class Outcome:
    stored: int = 0
    duplicates: int = 0
    rejected: list[dict] = field(default_factory=list)
    moved: int = 0
    duplicate_indices: list[int] = field(default_factory=list)


def _number(value, name: str, low: float, high: float) -> float | None:
    kind = type(value)
    if kind is str:
        try:
            value = float(value)
        except ValueError:
            raise BadFix(f"{name} must be a number") from None
    elif kind is not float and kind is not int:
        if value is None:
            return None
        raise BadFix(f"{name} must be a number")
    if not low <= value <= high:  # NaN and infinities fail too
        raise BadFix(f"{name} must be between {low:g} and {high:g}")
    return value


def _unit_code(raw) -> str:
    if type(raw) is not dict:
        return ""
    if raw.get("type") == "Feature":
        props = raw.get("properties")
        raw = props if isinstance(props, dict) else {}
    unit = raw.get("unit")
    return unit if type(unit) is str else ("" if unit is None else str(unit))


def _fix(raw, units: dict, latest: datetime, oldest: datetime, parse=datetime.fromisoformat):
    """(unit id, time, lon, lat, speed, heading, accuracy) of one fix, or BadFix with why."""
    if type(raw) is not dict:
        raise BadFix("a fix must be an object")
    if raw.get("type") == "Feature":  # GeoJSON form
        geometry = raw.get("geometry")
        props = raw.get("properties")
        props = dict(props) if isinstance(props, dict) else {}
        coords = (
            geometry.get("coordinates")
            if isinstance(geometry, dict) and geometry.get("type") == "Point"
            else None
        )
        if not isinstance(coords, list) or len(coords) < 2:
            raise BadFix("geometry must be a Point")
        props.setdefault("lon", coords[0])
        props.setdefault("lat", coords[1])
        raw = props
    get = raw.get
    unit = get("unit")
    unit_id = units.get(unit if type(unit) is str else ("" if unit is None else str(unit)))
    if unit_id is None:
        raise BadFix(f"unknown unit {unit!r}")
    at = get("time")
    try:
        # datetime.fromisoformat (C; Python 3.11 accepts "Z") is fast and strict.
        when = parse(at) if type(at) is str else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise BadFix("time must be an ISO 8601 date-time with a time zone")
    if when > latest:
        raise BadFix("time is in the future")
    if when < oldest:
        raise BadFix("time is more than 7 days old")
    # Inline fast paths for the usual JSON floats; _number judges everything else.
    lon, lat = get("lon"), get("lat")
    if type(lon) is not float or not -180.0 <= lon <= 180.0:
        lon = _number(lon, "lon", -180, 180)
    if type(lat) is not float or not -90.0 <= lat <= 90.0:
        lat = _number(lat, "lat", -90, 90)
    if lon is None or lat is None:
        raise BadFix("lon and lat are required")
    speed, heading, accuracy = get("speed_kmh"), get("heading_deg"), get("accuracy_m")
    if speed is not None and (type(speed) is not float or not 0.0 <= speed <= 400.0):
        speed = _number(speed, "speed_kmh", 0, 400)
    if heading is not None and (type(heading) is not float or not 0.0 <= heading <= 360.0):
        heading = _number(heading, "heading_deg", 0, 360)
    if accuracy is not None and (type(accuracy) is not float or not 0.0 <= accuracy <= 1e5):
        accuracy = _number(accuracy, "accuracy_m", 0, 100_000)
    return (unit_id, when, lon, lat, speed, heading, accuracy)


# Unit code → id, kept between batches (a gateway sends the same units every second). A code not
# in it is looked up; the whole map is re-read after UNIT_CACHE_S, and at once when the database
# refuses a batch (a unit deleted meanwhile).
UNIT_CACHE_S = 60.0
_unit_cache: dict[str, int] = {}
_unit_cache_at = 0.0


def _units(fixes: list, fresh: bool = False) -> dict[str, int]:
    import time

    global _unit_cache, _unit_cache_at
    now = time.monotonic()
    if fresh or now - _unit_cache_at > UNIT_CACHE_S:
        _unit_cache, _unit_cache_at = {}, now
    codes = {_unit_code(raw) for raw in fixes} - {""}
    missing = [c for c in codes if c not in _unit_cache]
    if missing:
        with connection.cursor() as cursor:
            cursor.execute("SELECT code, id FROM incidents_unit WHERE code = ANY(%s)", [missing])
            _unit_cache = {**_unit_cache, **dict(cursor.fetchall())}
    return _unit_cache


def _copy_rows(cursor, table: str, good: list[tuple]) -> None:
    pack, kind = _EWKB.pack, _EWKB_POINT_SRID
    with connection.wrap_database_errors, cursor.cursor.copy(_COPY_TO[table]) as copy:
        copy.set_types(_COPY_TYPES)
        write = copy.write_row
        for unit_id, when, lon, lat, speed, heading, accuracy in good:
            write((unit_id, when, pack(1, kind, 4326, lon, lat), speed, heading, accuracy))


def ingest(fixes: list) -> Outcome:
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


def _ingest(fixes: list, resent: bool) -> Outcome:
    outcome = Outcome()
    now = timezone.now()
    latest, oldest = now + FUTURE_SLACK, now - OLDEST
    units = _units(fixes, fresh=resent)
    good, indices, seen = [], [], set()
    newest: dict[int, tuple] = {}
    for index, raw in enumerate(fixes):
        try:
            fix = _fix(raw, units, latest, oldest)
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
        last = newest.get(fix[0])
        if last is None or fix[1] > last[1]:
            newest[fix[0]] = fix
    if not good:
        outcome.duplicates = len(outcome.duplicate_indices)
        return outcome
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_LOCK_UNITS, [list(newest)])
        if cursor.rowcount != len(newest):
            raise UnitGone
        if not resent:
            _copy_rows(cursor, "incidents_unitposition", good)
        else:  # insert those not stored yet, and name the repeats
            cursor.execute(_STAGE)
            _copy_rows(cursor, "avl_in", good)
            cursor.execute(_INSERT_NEW)
            stored = set(cursor.fetchall())
            outcome.duplicate_indices += [
                i for i, f in zip(indices, good, strict=True) if f[:2] not in stored
            ]
            outcome.duplicate_indices.sort()
        moves = list(newest.values())
        cursor.execute(_MOVE, [[m[i] for m in moves] for i in (0, 1, 2, 3, 4, 5)])
        moved = [row[0] for row in cursor.fetchall()]
        if moved:
            live.coalesce(POSITIONS_EVENT, moved)
    outcome.duplicates = len(outcome.duplicate_indices)
    outcome.stored = len(fixes) - len(outcome.rejected) - outcome.duplicates
    outcome.moved = len(moved)
    return outcome


def positions_payload(unit_ids: list[int]) -> dict | None:
    """The ``units.positions`` event for these units, read from the database when it is sent
    (so it carries each unit's latest position, whatever batch moved it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, code, status, ST_X(point), ST_Y(point), heading_deg, fix_at"
            " FROM incidents_unit WHERE id = ANY(%s) AND point IS NOT NULL ORDER BY id",
            [list(unit_ids)],
        )
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
