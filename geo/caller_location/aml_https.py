"""AML over HTTPS (EENA/NENA "AML HTTPS", as sent by Android ELS): a form-encoded POST body.

Fields (REFERENCE.md §2): v, emergency_number, source, time (ms epoch), location_latitude,
location_longitude, location_time (ms), location_accuracy (m), location_altitude,
location_floor, location_vertical_accuracy, location_bearing, location_speed, location_source
(gps/wifi/cell/unknown, any case), location_confidence or location_certainty, device_number,
device_model, device_imsi, device_imei, cell_network_mcc, cell_network_mnc, cell_home_mcc,
cell_home_mnc, cell_id, and last ``hmac``: hex HMAC-SHA1 with the shared key over the exact
bytes before ``&hmac=``.

Choices:
* An empty value (``location_altitude=``) means the sender has nothing: treated as absent.
* Accuracy 0 means unknown. Confidence not stated: 68 % (Android's convention). A confidence
  written as a fraction (``0.68``) is read as 68 %.
* Unknown fields are kept in ``extra`` (senders add fields) unless their name suggests a device
  or subscriber identifier, which are never stored there.
* Without a configured key the ``hmac`` field is ignored; with one, a missing or wrong ``hmac``
  is rejected.
"""

from __future__ import annotations

import hashlib
import hmac as hmaclib
import re
from urllib.parse import unquote_plus

from geo.caller_location.model import (
    DEFAULT_CONFIDENCE_AML,
    CallerLocation,
    DeviceIds,
    ParseError,
    check_distance,
    check_lat,
    check_lon,
    confidence_percent,
    epoch_time,
    parse_number,
    uncertainty_90,
)
from geo.caller_location.shapes import Circle

MAX_BYTES = 64 * 1024

SOURCES = {
    "gps": "gnss",
    "gnss": "gnss",
    "wifi": "wifi",
    "cell": "cell",
    "hybrid": "hybrid",
    "fused": "fused",
    "manual": "manual",
    "unknown": "unknown",
}

KNOWN = frozenset(
    {
        "v",
        "emergency_number",
        "source",
        "time",
        "location_latitude",
        "location_longitude",
        "location_time",
        "location_accuracy",
        "location_altitude",
        "location_floor",
        "location_vertical_accuracy",
        "location_bearing",
        "location_speed",
        "location_source",
        "location_confidence",
        "location_certainty",
        "device_number",
        "device_model",
        "device_imsi",
        "device_imei",
        "cell_network_mcc",
        "cell_network_mnc",
        "cell_home_mcc",
        "cell_home_mnc",
        "cell_id",
        "hmac",
    }
)

FIELD_NAME_RE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
IDENTIFYING_RE = re.compile(
    r"imei|imsi|iccid|msisdn|meid|esn|number|phone|device|serial|mac|subscriber|sim|email|account",
    re.IGNORECASE,
)
HMAC_RE = re.compile(r"[0-9a-f]{40}")
DIALLED_RE = re.compile(r"[0-9*#+]{1,15}")
PHONE_RE = re.compile(r"\+?[0-9]{3,20}")
IMEI_RE = re.compile(r"[0-9]{14,16}")
IMSI_RE = re.compile(r"[0-9]{6,15}")
MCC_RE = re.compile(r"[0-9]{3}")
MNC_RE = re.compile(r"[0-9]{2,3}")
CELL_RE = re.compile(r"[0-9A-Fa-f]{1,16}")
MAX_TEXT = 128  # free-text values (model, source, floor, unknown fields) are cut here


def parse_aml_https(body: str | bytes, hmac_key: bytes | None) -> CallerLocation:
    """Parse an AML HTTPS form body; verify its HMAC when ``hmac_key`` is given."""
    try:
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    except UnicodeEncodeError:  # lone surrogates in a str
        raise ParseError("body", "not valid Unicode text") from None
    if len(data) > MAX_BYTES:
        raise ParseError("body", f"larger than {MAX_BYTES} bytes")
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ParseError("body", "not UTF-8 text") from None
    data = data.rstrip(b" \t\r\n")
    if not data:
        raise ParseError("body", "empty")

    segments = data.split(b"&")
    fields: dict[str, str] = {}
    order: list[str] = []
    for position, segment in enumerate(segments, start=1):
        raw_name, sep, raw_value = segment.partition(b"=")
        if not sep:
            raise ParseError("body", f"field {position} is not name=value")
        name = _decode(raw_name, "body")
        if not FIELD_NAME_RE.fullmatch(name):
            raise ParseError("body", f"field {position} has an invalid name")
        if name in fields:
            raise ParseError(name, "duplicate field")
        fields[name] = _decode(raw_value, name)
        order.append(name)

    if "hmac" in fields and (order[-1] != "hmac" or segments[-1][:5] != b"hmac="):
        raise ParseError("hmac", "must be the last field")
    if hmac_key is not None:
        _verify(fields, segments, hmac_key)
    fields.pop("hmac", None)
    fields = {name: value for name, value in fields.items() if value != ""}
    return _location(fields, raw)


def _decode(raw: bytes, field_name: str) -> str:
    try:
        return unquote_plus(raw.decode("utf-8"), encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ParseError(field_name, "percent-encoding is not UTF-8") from None


def _verify(fields: dict[str, str], segments: list[bytes], key: bytes) -> None:
    if "hmac" not in fields:
        raise ParseError("hmac", "missing (this server requires signed AML)")
    if len(segments) < 2:
        raise ParseError("hmac", "nothing is signed")
    given = fields["hmac"].strip().lower()
    if not HMAC_RE.fullmatch(given):
        raise ParseError("hmac", "expected 40 hex digits (HMAC-SHA1)")
    signed = b"&".join(segments[:-1])  # the exact payload before "&hmac="
    expected = hmaclib.new(key, signed, hashlib.sha1).hexdigest()
    if not hmaclib.compare_digest(expected, given):
        raise ParseError("hmac", "does not match the payload (wrong key or altered message)")


def _match(fields: dict[str, str], name: str, pattern: re.Pattern[str], expected: str) -> str:
    value = fields[name]
    if not pattern.fullmatch(value):
        raise ParseError(name, f"expected {expected}")
    return value


def _number(fields: dict[str, str], name: str) -> float | None:
    return parse_number(fields[name], name) if name in fields else None


def _non_negative(fields: dict[str, str], name: str) -> float | None:
    value = _number(fields, name)
    return None if value is None else check_distance(value, name)


def _confidence(fields: dict[str, str]) -> float | None:
    names = [name for name in ("location_confidence", "location_certainty") if name in fields]
    if not names:
        return None
    if len(names) == 2 and fields[names[0]] != fields[names[1]]:
        raise ParseError("location_certainty", "conflicts with location_confidence")
    name = names[0]
    value = parse_number(fields[name], name)
    if 0.0 < value < 1.0 and "." in fields[name]:
        value *= 100.0  # written as a fraction
    return confidence_percent(value, name)


def _location(fields: dict[str, str], raw: str) -> CallerLocation:
    extra: dict[str, str] = {}
    for name, value in fields.items():
        if name not in KNOWN and not IDENTIFYING_RE.search(name):
            extra[name] = value[:MAX_TEXT]

    if "v" in fields:
        extra["version"] = fields["v"][:16]
    if "emergency_number" in fields:
        extra["emergency_number"] = _match(
            fields, "emergency_number", DIALLED_RE, "the number dialled"
        )
    if "source" in fields:
        extra["source"] = fields["source"][:MAX_TEXT]
    if "time" in fields:
        extra["message_time"] = epoch_time(fields["time"], "time", millis=True).isoformat()
    if "location_floor" in fields:
        extra["floor"] = fields["location_floor"][:16]
    bearing = _number(fields, "location_bearing")
    if bearing is not None:
        if not 0.0 <= bearing <= 360.0:
            raise ParseError("location_bearing", "expected degrees 0–360")
        extra["bearing_deg"] = f"{bearing:g}"
    speed = _non_negative(fields, "location_speed")
    if speed is not None:
        extra["speed_mps"] = f"{speed:g}"
    for name, key, pattern, expected in (
        ("cell_network_mcc", "mcc", MCC_RE, "a 3-digit mobile country code"),
        ("cell_network_mnc", "mnc", MNC_RE, "a 2–3 digit mobile network code"),
        ("cell_home_mcc", "home_mcc", MCC_RE, "a 3-digit mobile country code"),
        ("cell_home_mnc", "home_mnc", MNC_RE, "a 2–3 digit mobile network code"),
        ("cell_id", "cell_id", CELL_RE, "a cell identity (up to 16 hex digits)"),
    ):
        if name in fields:
            extra[key] = _match(fields, name, pattern, expected)

    device = DeviceIds(
        number=_match(fields, "device_number", PHONE_RE, "a phone number (digits, optional +)")
        if "device_number" in fields
        else None,
        imei=_match(fields, "device_imei", IMEI_RE, "an IMEI (14–16 digits)")
        if "device_imei" in fields
        else None,
        imsi=_match(fields, "device_imsi", IMSI_RE, "an IMSI (6–15 digits)")
        if "device_imsi" in fields
        else None,
        model=fields["device_model"][:MAX_TEXT] if "device_model" in fields else None,
    )

    confidence = _confidence(fields)
    method = "unknown"
    if "location_source" in fields:
        source = fields["location_source"].strip().lower()
        method = SOURCES.get(source, "unknown")
        if source not in SOURCES:
            extra["location_source"] = fields["location_source"][:32]

    has_lat, has_lon = "location_latitude" in fields, "location_longitude" in fields
    if has_lat != has_lon:
        missing = "location_longitude" if has_lat else "location_latitude"
        raise ParseError(missing, "missing (latitude and longitude go together)")
    lat = lon = None
    if has_lat:
        lat = check_lat(
            parse_number(fields["location_latitude"], "location_latitude"), "location_latitude"
        )
        lon = check_lon(
            parse_number(fields["location_longitude"], "location_longitude"), "location_longitude"
        )
    accuracy = _non_negative(fields, "location_accuracy")
    altitude = _number(fields, "location_altitude")
    vertical = _non_negative(fields, "location_vertical_accuracy")
    when = None
    if "location_time" in fields:
        when = epoch_time(fields["location_time"], "location_time", millis=True)

    if lat is None:
        return CallerLocation(
            format="aml-https",
            lat=None,
            lon=None,
            shape=None,
            confidence=None if confidence is None else round(confidence),
            uncertainty_m90=None,
            method="none",
            time=when,
            device=device,
            extra=extra,
            raw=raw,
        )
    shape = Circle(accuracy) if accuracy else None
    return CallerLocation(
        format="aml-https",
        lat=lat,
        lon=lon,
        shape=shape,
        confidence=None if confidence is None else round(confidence),
        uncertainty_m90=uncertainty_90(shape, lat, lon, confidence, DEFAULT_CONFIDENCE_AML),
        method=method,
        time=when,
        altitude_m=altitude,
        vertical_uncertainty_m=vertical or None,
        device=device,
        extra=extra,
        raw=raw,
    )
