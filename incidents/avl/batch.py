"""A batch of fixes as columns, and the typed fast path that gets there without a Python object
per fix.

The body of ``POST /api/units/positions/`` is first decoded by msgspec straight into typed
fixes (``Fix``): plain objects whose coordinates, speed, heading and accuracy are JSON numbers in
range, with a unit code and a time string. That decode does the type and range checks in C.
``clean()`` then checks what is left (known units, times with a zone and not too new or too old,
no fix twice), one value per distinct code and time string, and gives the batch as numpy
columns. A batch that is not clean in every fix, or a body that does not decode so, goes the
reference way (incidents.avl.checks, fix by fix, with reasons): the fast path only ever takes
batches that the reference would store whole, and stores the same values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

import msgspec
import numpy as np
import ujson

PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # timestamptz on the wire: microseconds since then
ONE_MICROSECOND = timedelta(microseconds=1)


class Fix(msgspec.Struct, gc=False):
    """One fix of the plain form whose values are all of the usual type and in range (the same
    bounds as incidents.avl.checks.check). ``type`` may only be absent or null: a fix that says
    it is a GeoJSON Feature goes the reference way."""

    unit: str
    time: str
    lon: Annotated[float, msgspec.Meta(ge=-180, le=180)]
    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)]
    speed_kmh: Annotated[float, msgspec.Meta(ge=0, le=400)] | None = None
    heading_deg: Annotated[float, msgspec.Meta(ge=0, le=360)] | None = None
    accuracy_m: Annotated[float, msgspec.Meta(ge=0, le=100_000)] | None = None
    type: None = None


_TYPED = msgspec.json.Decoder(list[Fix])


class BadBody(ValueError):
    """The body is not JSON the reference parser can read."""


@dataclass
class Typed:
    """A body that decoded as a JSON array of typed fixes; ``generic()`` is the same body as
    plain Python objects, for the reference path."""

    raw: bytes
    fixes: list[Fix]

    def __len__(self) -> int:
        return len(self.fixes)

    def generic(self) -> list:
        """The body as the reference parser reads it (ujson), or, for the rare body it refuses
        and msgspec read (an integer beyond 64 bits in a field nobody reads), msgspec's plain
        decoding of it; BadBody when neither can."""
        try:
            return ujson.loads(self.raw)
        except ValueError:
            pass
        try:
            return msgspec.json.decode(self.raw)
        except (msgspec.MsgspecError, RecursionError) as exc:
            raise BadBody(str(exc)) from None


def decode(raw: bytes):
    """The request body: ``Typed`` when every fix decodes typed, else what the reference parser
    (ujson) reads: it lets NaN and Infinity through, so that such a fix is rejected on its own by
    the range checks rather than the whole batch. ValueError when it is not JSON."""
    try:
        return Typed(raw, _TYPED.decode(raw))
    except (msgspec.MsgspecError, RecursionError):  # not all typed fixes, or not strict JSON
        return ujson.loads(raw)


@dataclass
class Columns:
    """Fixes that passed the checks, as numpy columns. A missing speed, heading or accuracy is
    NaN (the checks reject NaN, so here it only ever means "none")."""

    unit: np.ndarray  # int64 unit ids
    micros: np.ndarray  # int64 times, microseconds since PG_EPOCH
    lon: np.ndarray
    lat: np.ndarray
    speed: np.ndarray
    heading: np.ndarray
    accuracy: np.ndarray

    @classmethod
    def of(cls, unit, micros, lon, lat, speed, heading, accuracy) -> Columns:
        f8 = np.float64
        return cls(
            np.array(unit, dtype=np.int64),
            np.array(micros, dtype=np.int64),
            np.array(lon, dtype=f8),
            np.array(lat, dtype=f8),
            np.array(speed, dtype=f8),  # None becomes NaN
            np.array(heading, dtype=f8),
            np.array(accuracy, dtype=f8),
        )

    @classmethod
    def of_checked(cls, good: list[tuple]) -> Columns:
        """From the reference path's checked fixes (unit id, time, lon, lat, speed, heading,
        accuracy)."""
        unit, when, lon, lat, speed, heading, accuracy = zip(*good, strict=True)
        micros = [(w - PG_EPOCH) // ONE_MICROSECOND for w in when]
        return cls.of(unit, micros, lon, lat, speed, heading, accuracy)

    def __len__(self) -> int:
        return len(self.unit)

    def newest(self) -> np.ndarray:
        """Index of each unit's newest fix, in unit id order (the batch holds no unit twice at
        the same time)."""
        order = np.lexsort((self.micros, self.unit))
        ids = self.unit[order]
        last = np.ones(len(ids), dtype=bool)
        last[:-1] = ids[1:] != ids[:-1]
        return order[last]


def clean(
    fixes: list[Fix],
    units: Callable[[set[str]], dict[str, int]],
    latest: datetime,
    oldest: datetime,
) -> Columns | None:
    """The typed fixes as columns when every one of them would pass the reference checks, or
    None (then the reference path gives each fix its answer). ``units(codes)`` maps codes to ids.
    """
    codes = [f.unit for f in fixes]
    known = units(set(codes))
    try:
        unit = [known[c] for c in codes]
    except KeyError:  # an unknown unit
        return None
    texts = [f.time for f in fixes]
    micros_of = {}
    parse = datetime.fromisoformat  # the reference's parser, once per distinct string
    for text in set(texts):
        try:
            when = parse(text)
        except ValueError:
            return None
        if when.tzinfo is None or not oldest <= when <= latest:
            return None
        micros_of[text] = (when - PG_EPOCH) // ONE_MICROSECOND
    micros = [micros_of[t] for t in texts]
    if len(set(zip(unit, micros, strict=True))) != len(unit):  # a fix twice
        return None
    return Columns.of(
        unit,
        micros,
        [f.lon for f in fixes],
        [f.lat for f in fixes],
        [f.speed_kmh for f in fixes],
        [f.heading_deg for f in fixes],
        [f.accuracy_m for f in fixes],
    )
