"""AML SMS (ETSI TS 103 625), versions 1 and 2.

A message is ``A"ML=<version>`` followed by ``;key=value`` pairs. The version is read first:

* v1 keys: lt, lg (decimal degrees), rd (radius in m, 0 = unknown), top (YYYYMMDDhhmmss UTC),
  lc (confidence, integer %), pm (G/W/C/N/U), si (IMSI), ei (IMEI), mcc, mnc, ml (mandatory).
* v2 keys: en (number dialled), et (call start, epoch s), lo ("lat,lon,accuracy"), lt (offset in
  seconds from et to the time of positioning), lc, lz ("altitude,vertical accuracy"), ls
  (G/W/C/U/F), ei, nc / hc (network / home MCC+MNC), lg (languages), ml (optional).

``ml`` is the length of the whole message in characters, the ``ml=NNN`` pair included; trailing
whitespace (a newline added by a gateway) is not counted. Keys are case-sensitive, unknown and
repeated keys are rejected, and every value is checked strictly. A radius/accuracy of 0 means
unknown. When the sender states no confidence, 68 % is assumed (Android's convention).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from geo.caller_location.model import (
    DEFAULT_CONFIDENCE_AML,
    CallerLocation,
    DeviceIds,
    ParseError,
    check_lat,
    check_lon,
    check_time,
    epoch_time,
    uncertainty_90,
)
from geo.caller_location.shapes import Circle

MAX_LENGTH = 1600  # ten concatenated SMS: anything longer is not an AML message

HEADER = 'A"ML='

V1_KEYS = frozenset({"lt", "lg", "rd", "top", "lc", "pm", "si", "ei", "mcc", "mnc", "ml"})
V2_KEYS = frozenset({"en", "et", "lo", "lt", "lc", "lz", "ls", "ei", "nc", "hc", "lg", "ml"})

V1_METHODS = {"G": "gnss", "W": "wifi", "C": "cell", "N": "none", "U": "unknown"}
V2_METHODS = {"G": "gnss", "W": "wifi", "C": "cell", "U": "unknown", "F": "fused"}

# Strict formats ([0-9], not \d: no other scripts' digits).
LAT_RE = re.compile(r"[+-]?[0-9]{1,2}(?:\.[0-9]{1,10})?")
LON_RE = re.compile(r"[+-]?[0-9]{1,3}(?:\.[0-9]{1,10})?")
METRES_RE = re.compile(r"[0-9]{1,7}(?:\.[0-9]{1,3})?")
ALTITUDE_RE = re.compile(r"[+-]?[0-9]{1,5}(?:\.[0-9]{1,3})?")
PERCENT_RE = re.compile(r"[0-9]{1,3}")
TOP_RE = re.compile(r"[0-9]{14}")
OFFSET_RE = re.compile(r"[+-]?[0-9]{1,6}")
IMEI_RE = re.compile(r"[0-9]{14,16}")
IMSI_RE = re.compile(r"[0-9]{6,15}")
MCC_RE = re.compile(r"[0-9]{3}")
MNC_RE = re.compile(r"[0-9]{2,3}")
PLMN_RE = re.compile(r"[0-9]{5,6}")
DIALLED_RE = re.compile(r"[0-9*#+]{1,15}")
LANG = r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*"
LANGUAGES_RE = re.compile(rf"{LANG}(?:,{LANG})*")
LENGTH_RE = re.compile(r"[0-9]{1,5}")


def parse_aml_sms(text: str | bytes) -> CallerLocation:
    """Parse an AML SMS body (v1 or v2); raises ParseError(field, reason)."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise ParseError("body", "not UTF-8 text") from None
    if not isinstance(text, str):
        raise ParseError("body", "expected text")
    if len(text) > MAX_LENGTH:
        raise ParseError("body", f"longer than {MAX_LENGTH} characters")
    message = text.rstrip()
    if not message.startswith(HEADER):
        raise ParseError("header", 'not an AML message (expected A"ML=1 or A"ML=2 first)')
    header, _, rest = message.partition(";")
    version = header[len(HEADER) :]
    if version == "1":
        pairs = _pairs(rest, V1_KEYS)
        _check_length(pairs, message, required=True)
        return _v1(pairs, text)
    if version == "2":
        pairs = _pairs(rest, V2_KEYS)
        _check_length(pairs, message, required=False)
        return _v2(pairs, text)
    raise ParseError("header", f"unsupported AML version {version[:8]!r} (expected 1 or 2)")


def _field_name(key: str) -> str:
    return key[:16] if key else "message"


def _pairs(rest: str, keys: frozenset[str]) -> dict[str, str]:
    """The key=value pairs after the header, unknown and duplicate keys rejected."""
    if not rest:
        raise ParseError("message", "no key=value pairs after the header")
    pairs: dict[str, str] = {}
    for position, pair in enumerate(rest.split(";"), start=2):
        key, sep, value = pair.partition("=")
        if not sep:
            raise ParseError("message", f"pair {position} is not key=value")
        if key not in keys:
            raise ParseError(_field_name(key), "unknown key")
        if key in pairs:
            raise ParseError(key, "duplicate key")
        pairs[key] = value
    return pairs


def _check_length(pairs: dict[str, str], message: str, *, required: bool) -> None:
    if "ml" not in pairs:
        if required:
            raise ParseError("ml", "missing (length of the whole message)")
        return
    value = pairs["ml"]
    if not LENGTH_RE.fullmatch(value):
        raise ParseError("ml", "expected the message length in characters")
    if int(value) != len(message):
        raise ParseError(
            "ml", f"message is {len(message)} characters long but ml says {int(value)}"
        )


def _match(pattern: re.Pattern[str], value: str, key: str, expected: str) -> str:
    if not pattern.fullmatch(value):
        raise ParseError(key, f"expected {expected}")
    return value


def _lat(value: str, key: str) -> float:
    _match(LAT_RE, value, key, "latitude in signed decimal degrees (e.g. +54.76397)")
    return check_lat(float(value), key)


def _lon(value: str, key: str) -> float:
    _match(LON_RE, value, key, "longitude in signed decimal degrees (e.g. -0.18305)")
    return check_lon(float(value), key)


def _metres(value: str, key: str) -> float:
    return float(_match(METRES_RE, value, key, "a distance in metres (digits)"))


def _percent(value: str, key: str) -> int:
    _match(PERCENT_RE, value, key, "an integer percentage 0–100")
    percent = int(value)
    if percent > 100:
        raise ParseError(key, "an integer percentage 0–100")
    return percent


def _device(value: str | None, pattern: re.Pattern[str], key: str, expected: str) -> str | None:
    """A device identifier (the reason never echoes it)."""
    if value is None:
        return None
    return _match(pattern, value, key, expected)


def _circle(radius: float | None) -> Circle | None:
    return Circle(radius) if radius else None


def _v1(pairs: dict[str, str], raw: str) -> CallerLocation:
    if "pm" not in pairs:
        raise ParseError("pm", "missing (positioning method)")
    pm = pairs["pm"]
    if pm not in V1_METHODS:
        raise ParseError("pm", f"unknown positioning method {pm[:8]!r} (expected G, W, C, N or U)")
    method = V1_METHODS[pm]
    if pm == "N":
        # No location: lt/lg must be absent; empty location fields are tolerated and ignored.
        for key in ("lt", "lg"):
            if pairs.get(key):
                raise ParseError(key, "must be absent when pm=N (no location)")
        for key in ("lt", "lg", "rd", "lc", "top"):
            if pairs.get(key) == "":
                del pairs[key]
    for key, value in pairs.items():
        if value == "":
            raise ParseError(key, "empty value")

    lat = lon = None
    if pm != "N":
        for key in ("lt", "lg"):
            if key not in pairs:
                raise ParseError(key, "missing (required unless pm=N)")
        lat = _lat(pairs["lt"], "lt")
        lon = _lon(pairs["lg"], "lg")
    radius = _metres(pairs["rd"], "rd") if "rd" in pairs else None
    confidence = _percent(pairs["lc"], "lc") if "lc" in pairs else None
    when = None
    if "top" in pairs:
        top = _match(TOP_RE, pairs["top"], "top", "YYYYMMDDhhmmss (UTC)")
        try:
            when = datetime.strptime(top, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        except ValueError:
            raise ParseError("top", "not a real date and time (YYYYMMDDhhmmss)") from None
        check_time(when, "top")

    device = DeviceIds(
        imsi=_device(pairs.get("si"), IMSI_RE, "si", "an IMSI (6–15 digits)"),
        imei=_device(pairs.get("ei"), IMEI_RE, "ei", "an IMEI (14–16 digits)"),
    )
    extra: dict[str, str] = {}
    if "mcc" in pairs:
        extra["mcc"] = _match(MCC_RE, pairs["mcc"], "mcc", "a 3-digit mobile country code")
    if "mnc" in pairs:
        extra["mnc"] = _match(MNC_RE, pairs["mnc"], "mnc", "a 2–3 digit mobile network code")

    shape = _circle(radius) if lat is not None else None
    return CallerLocation(
        format="aml-sms-v1",
        lat=lat,
        lon=lon,
        shape=shape,
        confidence=confidence,
        uncertainty_m90=uncertainty_90(shape, lat, lon, confidence, DEFAULT_CONFIDENCE_AML),
        method=method,
        time=when,
        device=device,
        extra=extra,
        raw=raw,
    )


def _plmn(value: str, key: str, prefix: str, extra: dict[str, str]) -> None:
    _match(PLMN_RE, value, key, "MCC+MNC (5–6 digits)")
    extra[f"{prefix}mcc"] = value[:3]
    extra[f"{prefix}mnc"] = value[3:]


def _v2(pairs: dict[str, str], raw: str) -> CallerLocation:
    for key, value in pairs.items():
        if value == "":
            raise ParseError(key, "empty value")
    extra: dict[str, str] = {}
    if "en" in pairs:
        extra["emergency_number"] = _match(DIALLED_RE, pairs["en"], "en", "the number dialled")
    call_start = None
    if "et" in pairs:
        call_start = epoch_time(pairs["et"], "et", millis=False)
        extra["call_start"] = call_start.isoformat()
    if "nc" in pairs:
        _plmn(pairs["nc"], "nc", "", extra)
    if "hc" in pairs:
        _plmn(pairs["hc"], "hc", "home_", extra)
    if "lg" in pairs:
        extra["languages"] = _match(
            LANGUAGES_RE, pairs["lg"], "lg", "comma-separated language codes (e.g. id,en)"
        )
    device = DeviceIds(imei=_device(pairs.get("ei"), IMEI_RE, "ei", "an IMEI (14–16 digits)"))

    confidence = _percent(pairs["lc"], "lc") if "lc" in pairs else None
    if "lo" not in pairs:
        # No position: nothing else about the location is meaningful, but altitude alone is
        # rather a broken message than an absent location.
        if "lz" in pairs:
            raise ParseError("lz", "altitude given without a position (lo)")
        return CallerLocation(
            format="aml-sms-v2",
            lat=None,
            lon=None,
            shape=None,
            confidence=confidence,
            uncertainty_m90=None,
            method="none",
            time=None,
            device=device,
            extra=extra,
            raw=raw,
        )

    parts = pairs["lo"].split(",")
    if len(parts) != 3:
        raise ParseError("lo", "expected latitude,longitude,accuracy")
    lat = _lat(parts[0], "lo")
    lon = _lon(parts[1], "lo")
    radius = _metres(parts[2], "lo")

    method = "unknown"
    if "ls" in pairs:
        if pairs["ls"] not in V2_METHODS:
            raise ParseError(
                "ls", f"unknown location source {pairs['ls'][:8]!r} (expected G, W, C, U or F)"
            )
        method = V2_METHODS[pairs["ls"]]

    when = None
    if "lt" in pairs:
        offset = int(_match(OFFSET_RE, pairs["lt"], "lt", "an offset in seconds from et"))
        if call_start is None:
            raise ParseError("et", "missing: lt is an offset in seconds from et")
        when = check_time(call_start + timedelta(seconds=offset), "lt")

    altitude = vertical = None
    if "lz" in pairs:
        parts = pairs["lz"].split(",")
        if len(parts) != 2:
            raise ParseError("lz", "expected altitude,vertical_accuracy")
        altitude = float(_match(ALTITUDE_RE, parts[0], "lz", "altitude in metres"))
        vertical = _metres(parts[1], "lz") or None

    shape = _circle(radius)
    return CallerLocation(
        format="aml-sms-v2",
        lat=lat,
        lon=lon,
        shape=shape,
        confidence=confidence,
        uncertainty_m90=uncertainty_90(shape, lat, lon, confidence, DEFAULT_CONFIDENCE_AML),
        method=method,
        time=when,
        altitude_m=altitude,
        vertical_uncertainty_m=vertical,
        device=device,
        extra=extra,
        raw=raw,
    )
