"""The located incidents of a queryset as numpy arrays, read out of PostGIS in one statement.

Every analytic layer that works on points (H3 bins, emerging hot spots, kernel density) reads
them here. Points leave the database as a few packed byte strings (one aggregate query, parsed
by numpy; a row per incident costs a Python object per row): the points' own EWKB, 25 bytes
each, and optionally their time and category as big-endian float8. All aggregates of one query
see the rows in the same order, so the arrays line up. Built with the ORM only: every value is a
bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db.models import BinaryField, Case, F, FloatField, Func, Value, When


@dataclass
class Points:
    lon: np.ndarray
    lat: np.ndarray
    t: np.ndarray | None = None  # epoch seconds (UTC)
    category: np.ndarray | None = None  # small ints: index in category_codes()

    def __len__(self) -> int:
        return len(self.lon)

    def lonlat(self) -> np.ndarray:
        """An N×2 float64 array of lon/lat."""
        return np.column_stack((self.lon, self.lat))


def category_codes() -> list[str]:
    from incidents.choices import Category

    return list(Category.values)


class _Packed(Func):
    """One aggregate over the selected rows: each row's bytea, concatenated into one bytea (one
    round trip and no Python object per row)."""

    template = "string_agg(%(expressions)s, '')"
    contains_aggregate = True
    output_field = BinaryField()


def _float8(expression) -> Func:
    return Func(expression, template="float8send((%(expressions)s)::float8)")


def load_points(queryset, with_time: bool = False, with_category: bool = False) -> Points:
    """Longitude, latitude (and, when asked, time and category) of every located incident in
    the queryset, in one SQL statement."""
    fields = {
        # The points' own EWKB (cheaper than ST_X and ST_Y per row).
        "xy": _Packed(Func(F("point"), template="(%(expressions)s)::bytea")),
    }
    if with_time:
        fields["t"] = _Packed(
            _float8(
                Func(
                    Value("epoch"), F("created_at"), function="date_part", output_field=FloatField()
                )
            )
        )
    if with_category:
        code = Case(
            *(When(category=c, then=Value(float(i))) for i, c in enumerate(category_codes())),
            default=Value(-1.0),
            output_field=FloatField(),
        )
        fields["c"] = _Packed(_float8(code))
    row = queryset.order_by().filter(point__isnull=False).aggregate(**fields)
    lon, lat = _ewkb_points(bytes(row.pop("xy") or b""))
    cols = {
        k: np.frombuffer(bytes(v), dtype=">f8").astype(np.float64) if v else np.zeros(0)
        for k, v in row.items()
    }
    return Points(
        lon=lon,
        lat=lat,
        t=cols.get("t"),
        category=cols["c"].astype(np.int8) if with_category else None,
    )


_EWKB_POINT = np.dtype(
    [("order", "u1"), ("type", "<u4"), ("srid", "<u4"), ("x", "<f8"), ("y", "<f8")]
)


def _ewkb_points(blob: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated little-endian EWKB 2D points with SRID → (x, y)."""
    if len(blob) % _EWKB_POINT.itemsize:
        raise ValueError("not a run of 2D EWKB points")
    rows = np.frombuffer(blob, dtype=_EWKB_POINT)
    if len(rows) and not ((rows["order"] == 1).all() and (rows["type"] == 0x20000001).all()):
        raise ValueError("unexpected EWKB (byte order or geometry type)")
    return rows["x"].astype(np.float64), rows["y"].astype(np.float64)
