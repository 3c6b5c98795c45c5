"""Fixes as a binary COPY stream for incidents_unitposition, built column-wise with numpy.

PostgreSQL's binary COPY format: a header, then per row the number of fields and, per field, its
length and its big-endian value (-1 and no value for NULL), then -1. The row of a fix: unit_id
int8, fix_at timestamptz (int8 microseconds since 2000-01-01 UTC), point as little-endian EWKB
with its SRID (what geometry's binary input reads), speed_kmh, heading_deg and accuracy_m as
float4. Rows with the same missing values have the same layout, so each such group is one numpy
record array (a batch usually has one group).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from incidents.avl.batch import Columns

HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, no header extension
TRAILER = b"\xff\xff"
EWKB_POINT_SRID = 0x20000001
_FIXED = [
    ("fields", ">i2"),
    ("unit_len", ">i4"),
    ("unit", ">i8"),
    ("time_len", ">i4"),
    ("time", ">i8"),
    ("point_len", ">i4"),
    ("byte_order", "u1"),
    ("geometry_type", "<u4"),
    ("srid", "<u4"),
    ("x", "<f8"),
    ("y", "<f8"),
]
_OPTIONAL = ("speed", "heading", "accuracy")


@cache
def _layout(missing: int) -> np.dtype:
    """The packed row of fixes that lack the optional values whose bits are set in ``missing``."""
    fields = list(_FIXED)
    for bit, name in enumerate(_OPTIONAL):
        fields.append((f"{name}_len", ">i4"))
        if not missing & (1 << bit):
            fields.append((name, ">f4"))
    return np.dtype(fields)


def stream(columns: Columns) -> bytes:
    """The whole COPY input (header, rows, trailer) for these fixes."""
    missing = (
        np.isnan(columns.speed).astype(np.int8)
        | (np.isnan(columns.heading).astype(np.int8) << 1)
        | (np.isnan(columns.accuracy).astype(np.int8) << 2)
    )
    kinds = np.unique(missing)
    parts = [HEADER]
    for kind in kinds.tolist():
        pick = slice(None) if len(kinds) == 1 else missing == kind
        unit = columns.unit[pick]
        rows = np.empty(len(unit), dtype=_layout(kind))
        rows["fields"] = 6
        rows["unit_len"] = 8
        rows["unit"] = unit
        rows["time_len"] = 8
        rows["time"] = columns.micros[pick]
        rows["point_len"] = 25
        rows["byte_order"] = 1
        rows["geometry_type"] = EWKB_POINT_SRID
        rows["srid"] = 4326
        rows["x"] = columns.lon[pick]
        rows["y"] = columns.lat[pick]
        for bit, name in enumerate(_OPTIONAL):
            if kind & (1 << bit):
                rows[f"{name}_len"] = -1
            else:
                rows[f"{name}_len"] = 4
                rows[name] = getattr(columns, name)[pick]
        parts.append(rows.tobytes())
    parts.append(TRAILER)
    return b"".join(parts)
