"""A minimal Mapbox Vector Tile reader for tests: layer names, features, their properties and
the first vertex, decoded from the protobuf wire format (spec 2.1)."""

from __future__ import annotations

import struct


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7


def _fields(buf: bytes):
    """(field number, wire type, value) for each field of a message."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 1:
            value, i = buf[i : i + 8], i + 8
        elif wire == 2:
            size, i = _varint(buf, i)
            value, i = buf[i : i + size], i + size
        elif wire == 5:
            value, i = buf[i : i + 4], i + 4
        else:
            raise ValueError(f"wire type {wire}")
        yield number, wire, value


def _packed(buf: bytes) -> list[int]:
    out, i = [], 0
    while i < len(buf):
        v, i = _varint(buf, i)
        out.append(v)
    return out


def _value(buf: bytes):
    for number, _wire, v in _fields(buf):
        if number == 1:
            return v.decode()
        if number == 2:
            return struct.unpack("<f", v)[0]
        if number == 3:
            return struct.unpack("<d", v)[0]
        if number in (4, 5):
            return v
        if number == 6:
            return (v >> 1) ^ -(v & 1)
        if number == 7:
            return bool(v)
    return None


def _zigzag(n: int) -> int:
    return (n >> 1) ^ -(n & 1)


def decode(tile: bytes) -> dict[str, list[dict]]:
    """{layer name: [{"id", "type", "properties", "first": (x, y) in tile units}]}."""
    layers: dict[str, list[dict]] = {}
    for number, _wire, layer in _fields(tile):
        if number != 3:
            continue
        name, keys, values, raw = "", [], [], []
        for n, _w, v in _fields(layer):
            if n == 1:
                name = v.decode()
            elif n == 2:
                raw.append(v)
            elif n == 3:
                keys.append(v.decode())
            elif n == 4:
                values.append(_value(v))
        features = []
        for f in raw:
            feature = {"id": None, "type": 0, "properties": {}, "first": None}
            for n, _w, v in _fields(f):
                if n == 1:
                    feature["id"] = v
                elif n == 2:
                    tags = _packed(v)
                    feature["properties"] = {
                        keys[tags[k]]: values[tags[k + 1]] for k in range(0, len(tags), 2)
                    }
                elif n == 3:
                    feature["type"] = v
                elif n == 4:
                    geom = _packed(v)
                    if len(geom) >= 3:
                        feature["first"] = (_zigzag(geom[1]), _zigzag(geom[2]))
            features.append(feature)
        layers.setdefault(name, []).extend(features)
    return layers
