"""The checks of one fix, as a gateway may send it: an object (or a GeoJSON Point feature) with
the unit's code, an ISO 8601 time with a zone, coordinates and speed/heading/accuracy in range.

This is the reference: every batch that the typed fast path (incidents.avl.batch) does not take
whole comes here, fix by fix, and each bad fix gets its reason.
"""

from __future__ import annotations

from datetime import datetime


class BadFix(ValueError):
    pass


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


def unit_code(raw) -> str:
    """The unit code a fix names ("" when it names none), to look the codes up before checking."""
    if type(raw) is not dict:
        return ""
    if raw.get("type") == "Feature":
        props = raw.get("properties")
        raw = props if isinstance(props, dict) else {}
    unit = raw.get("unit")
    return unit if type(unit) is str else ("" if unit is None else str(unit))


def check(raw, units: dict, latest: datetime, oldest: datetime, parse=datetime.fromisoformat):
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
