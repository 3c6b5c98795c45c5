"""AVL ingest: batches of fixes from a vehicle gateway.

Each fix is checked on its own (unknown unit, impossible coordinates, a time in the future,
negative speed…); bad ones are answered with their reasons and the rest of the batch is stored.
Good fixes go in with COPY into a staging table, then one INSERT … ON CONFLICT DO NOTHING (a
resent fix is a no-op), and one UPDATE moves each unit's last position only forward in time (fixes
arriving out of order never move a unit back). One live event per batch carries the units that
moved.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from incidents import live
from incidents.models import Unit

MAX_BATCH = 5000
FUTURE_SLACK = timedelta(minutes=2)
OLDEST = timedelta(days=7)

_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS avl_in (
    unit_id bigint, fix_at timestamptz, lon float8, lat float8, speed_kmh real,
    heading_deg real, accuracy_m real
) ON COMMIT DELETE ROWS
"""
_INSERT = """
INSERT INTO incidents_unitposition (unit_id, fix_at, point, speed_kmh, heading_deg, accuracy_m)
SELECT unit_id, fix_at, ST_SetSRID(ST_MakePoint(lon, lat), 4326), speed_kmh, heading_deg,
       accuracy_m
FROM avl_in
ON CONFLICT DO NOTHING
"""
_LATEST = """
UPDATE incidents_unit u
SET point = ST_SetSRID(ST_MakePoint(l.lon, l.lat), 4326), fix_at = l.fix_at,
    speed_kmh = l.speed_kmh, heading_deg = l.heading_deg
FROM (SELECT DISTINCT ON (unit_id) * FROM avl_in ORDER BY unit_id, fix_at DESC) l
WHERE u.id = l.unit_id AND (u.fix_at IS NULL OR l.fix_at > u.fix_at)
RETURNING u.id, u.code, u.status, l.lon, l.lat, l.heading_deg
"""


@dataclass
class Outcome:
    stored: int = 0
    duplicates: int = 0
    rejected: list[dict] = field(default_factory=list)
    moved: int = 0


def _number(value, name: str, low: float, high: float, required: bool) -> float | None:
    if value is None:
        if required:
            raise ValueError(f"{name} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{name} must be a number")
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueError(f"{name} must be between {low:g} and {high:g}")
    return number


def _fix(raw, units: dict[str, int], now: datetime) -> tuple:
    if not isinstance(raw, dict):
        raise ValueError("a fix must be an object")
    if raw.get("type") == "Feature":  # GeoJSON form
        geometry = raw.get("geometry") or {}
        props = dict(raw.get("properties") or {})
        coords = geometry.get("coordinates") if geometry.get("type") == "Point" else None
        if not isinstance(coords, list) or len(coords) < 2:
            raise ValueError("geometry must be a Point")
        props.setdefault("lon", coords[0])
        props.setdefault("lat", coords[1])
        raw = props
    unit = str(raw.get("unit", ""))
    if unit not in units:
        raise ValueError(f"unknown unit {unit!r}")
    at = raw.get("time")
    try:
        # datetime.fromisoformat (C, Python 3.11: accepts "Z") is much faster than Django's
        # regex parser, and this runs for every fix.
        when = datetime.fromisoformat(at) if isinstance(at, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise ValueError("time must be an ISO 8601 date-time with a time zone")
    if when > now + FUTURE_SLACK:
        raise ValueError("time is in the future")
    if when < now - OLDEST:
        raise ValueError("time is more than 7 days old")
    return (
        units[unit],
        when,
        _number(raw.get("lon"), "lon", -180, 180, True),
        _number(raw.get("lat"), "lat", -90, 90, True),
        _number(raw.get("speed_kmh"), "speed_kmh", 0, 400, False),
        _number(raw.get("heading_deg"), "heading_deg", 0, 360, False),
        _number(raw.get("accuracy_m"), "accuracy_m", 0, 100_000, False),
    )


def ingest(fixes: list) -> Outcome:
    outcome = Outcome()
    now = timezone.now()
    codes = {
        str(
            f.get("unit") if f.get("type") != "Feature" else (f.get("properties") or {}).get("unit")
        )
        for f in fixes
        if isinstance(f, dict)
    }
    units = dict(Unit.objects.filter(code__in=codes).values_list("code", "pk"))
    rows = []
    for index, raw in enumerate(fixes):
        try:
            rows.append(_fix(raw, units, now))
        except (ValueError, TypeError) as exc:
            outcome.rejected.append({"index": index, "reason": str(exc)})
    if not rows:
        return outcome
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_STAGE)
        with cursor.cursor.copy(
            "COPY avl_in (unit_id, fix_at, lon, lat, speed_kmh, heading_deg, accuracy_m) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(_INSERT)
        outcome.stored = cursor.rowcount
        outcome.duplicates = len(rows) - outcome.stored
        cursor.execute(_LATEST)
        moved = cursor.fetchall()
        outcome.moved = len(moved)
        if moved:
            live.record(
                "units.positions",
                {
                    "units": [
                        {
                            "id": m[0],
                            "code": m[1],
                            "status": m[2],
                            "point": [m[3], m[4]],
                            "heading_deg": m[5],
                        }
                        for m in moved
                    ]
                },
            )
    return outcome
