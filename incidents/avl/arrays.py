"""numpy columns as PostgreSQL array parameters, in binary, without a Python object per value.

psycopg dumps a Python list element by element; a batch of fixes is seven columns of up to
5,000 values. The binary wire format of a one-dimensional array of a fixed-size type is a small
header, then per element its length and its big-endian value: one numpy record array. A
timestamptz is sent as what it is on the wire, microseconds since 2000-01-01 UTC.
"""

from __future__ import annotations

import struct

import numpy as np
from psycopg.adapt import Dumper
from psycopg.pq import Format


class Array:
    """A one-dimensional array already in PostgreSQL's binary form (see ``_binary``)."""

    __slots__ = ("data",)
    element_oid = 0
    element_type = ""  # numpy dtype of one element, big-endian

    def __init__(self, values: np.ndarray):
        self.data = _binary(values, self.element_oid, self.element_type)


class Int8s(Array):
    element_oid, element_type = 20, ">i8"


class Times(Array):
    """timestamptz values given as int64 microseconds since 2000-01-01 UTC."""

    element_oid, element_type = 1184, ">i8"


class Float8s(Array):
    element_oid, element_type = 701, ">f8"


class Float4s(Array):
    element_oid, element_type = 700, ">f4"


def _binary(values: np.ndarray, element_oid: int, element_type: str) -> bytes:
    count = len(values)
    if not count:  # no dimensions
        return struct.pack("!iii", 0, 0, element_oid)
    rows = np.empty(count, dtype=[("length", ">i4"), ("value", element_type)])
    rows["length"] = np.dtype(element_type).itemsize
    rows["value"] = values
    # dimensions, has-nulls flag, element type, then the one dimension: length, lower bound 1
    return struct.pack("!iiiii", 1, 0, element_oid, count, 1) + rows.tobytes()


def _dumper(array_oid: int) -> type[Dumper]:
    class ArrayDumper(Dumper):
        format = Format.BINARY
        oid = array_oid

        def dump(self, obj: Array) -> bytes:
            return obj.data

    return ArrayDumper


DUMPERS = {
    Int8s: _dumper(1016),
    Times: _dumper(1185),
    Float8s: _dumper(1022),
    Float4s: _dumper(1021),
}


def register(cursor) -> None:
    """Let this psycopg cursor send the arrays above (its own adapters: nothing global)."""
    for kind, dumper in DUMPERS.items():
        cursor.adapters.register_dumper(kind, dumper)
