"""Sample payloads shared by the caller-location parser tests (pure Python, no database)."""

from __future__ import annotations

import hashlib
import hmac

# REFERENCE.md §2, public AML SMS v1 test messages (the second with its true length, 126).
AML_V1_A = (
    'A"ML=1;lt=+54.76397;lg=-0.18305;rd=50;top=20130717141935;lc=90;pm=W;'
    "si=123456789012345;ei=1234567890123456;mcc=234;mnc=30;ml=128"
)
AML_V1_B = (
    'A"ML=1;lt=48.82639;lg=-2.36619;rd=52;top=20191112112928;lc=68;pm=G;'
    "si=208201771948415;ei=353472104343540;mcc=208;mnc=20;ml=126"
)

# Pekanbaru (Tugu Zapin, Jl. Jend. Sudirman).
LAT, LON = 0.5071, 101.4478


def with_ml(body: str) -> str:
    """Append ``;ml=N`` where N is the length of the whole result, the pair included."""
    for digits in range(1, 6):
        total = len(body) + len(";ml=") + digits
        if len(str(total)) == digits:
            return f"{body};ml={total}"
    raise ValueError("message too long")


def aml_v1(**values: str | None) -> str:
    """The first public v1 message with some pairs replaced (None drops a pair); a fresh, correct
    ml is appended so that only the intended pair can be at fault."""
    pairs = dict(pair.split("=", 1) for pair in AML_V1_A.split(";")[1:-1])
    for key, value in values.items():
        if value is None:
            pairs.pop(key, None)
        else:
            pairs[key] = value
    return with_ml('A"ML=1;' + ";".join(f"{k}={v}" for k, v in pairs.items()))


AML_V2_PAIRS = {
    "en": "112",
    "et": "1717230000",  # 2024-06-01T08:20:00Z
    "lo": "+0.50710,101.44780,15",
    "lt": "-5",
    "lc": "68",
    "lz": "31.5,8",
    "ls": "G",
    "ei": "353472104343540",
    "nc": "51010",
    "hc": "51011",
    "lg": "id,en",
}


def aml_v2(*, ml: bool = True, **values: str | None) -> str:
    pairs = dict(AML_V2_PAIRS)
    for key, value in values.items():
        if value is None:
            pairs.pop(key, None)
        else:
            pairs[key] = value
    body = 'A"ML=2;' + ";".join(f"{k}={v}" for k, v in pairs.items())
    return with_ml(body) if ml else body


HMAC_KEY = b"siaga-112-shared-secret"

HTTPS_FIELDS = [
    ("v", "3"),
    ("emergency_number", "112"),
    ("source", "AML"),
    ("time", "1717230000000"),
    ("location_latitude", "0.5071"),
    ("location_longitude", "101.4478"),
    ("location_time", "1717229995000"),
    ("location_accuracy", "12.5"),
    ("location_altitude", "31.5"),
    ("location_vertical_accuracy", "6"),
    ("location_floor", "2"),
    ("location_bearing", "90"),
    ("location_speed", "0.5"),
    ("location_source", "GPS"),
    ("device_number", "%2B6281234567789"),  # "+" itself would decode to a space
    ("device_model", "Pixel%207+Pro"),
    ("device_imsi", "510101234567891"),
    ("device_imei", "353472104343540"),
    ("cell_network_mcc", "510"),
    ("cell_network_mnc", "10"),
    ("cell_id", "1A2B3C"),
]


def https_body(
    fields: list[tuple[str, str]] | None = None, key: bytes | None = HMAC_KEY, **values: str | None
) -> str:
    """A form body (values already form-encoded), signed with ``key`` unless it is None."""
    pairs = dict(HTTPS_FIELDS if fields is None else fields)
    for name, value in values.items():
        if value is None:
            pairs.pop(name, None)
        else:
            pairs[name] = value
    payload = "&".join(f"{k}={v}" for k, v in pairs.items())
    if key is None:
        return payload
    return f"{payload}&hmac={sign(payload, key)}"


def sign(payload: str, key: bytes = HMAC_KEY) -> str:
    return hmac.new(key, payload.encode(), hashlib.sha1).hexdigest()


NAMESPACES = (
    'xmlns="urn:ietf:params:xml:ns:pidf" '
    'xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10" '
    'xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" '
    'xmlns:gml="http://www.opengis.net/gml" '
    'xmlns:gs="http://www.opengis.net/pidflo/1.0" '
    'xmlns:con="urn:ietf:params:xml:ns:geopriv:conf" '
    'xmlns:ca="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"'
)
M = "urn:ogc:def:uom:EPSG::9001"
DEG = "urn:ogc:def:uom:EPSG::9102"
CRS2 = "urn:ogc:def:crs:EPSG::4326"
CRS3 = "urn:ogc:def:crs:EPSG::4979"


def device(
    shape: str,
    *,
    timestamp: str | None = "2024-06-01T08:19:55Z",
    method: str | None = "GPS",
    extra: str = "",
    device_id: str = "urn:gsma:imei:35-347210-434354-0",
) -> str:
    """A dm:device element with one location-info."""
    parts = [
        '<dm:device id="d1"><gp:geopriv><gp:location-info>',
        shape,
        extra,
        "</gp:location-info>",
        "<gp:usage-rules/>",
        f"<gp:method>{method}</gp:method>" if method is not None else "",
        "</gp:geopriv>",
        f"<dm:deviceID>{device_id}</dm:deviceID>",
        f"<dm:timestamp>{timestamp}</dm:timestamp>" if timestamp is not None else "",
        "</dm:device>",
    ]
    return "".join(parts)


def presence(*elements: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<presence {NAMESPACES} entity="pres:caller@example.net">'
        + "".join(elements)
        + "</presence>"
    )


def circle(radius: str = "100", *, pos: str = f"{LAT} {LON}", uom: str = M, crs: str = CRS2):
    return (
        f'<gs:Circle srsName="{crs}"><gml:pos>{pos}</gml:pos>'
        f'<gs:radius uom="{uom}">{radius}</gs:radius></gs:Circle>'
    )


PIDF_CIRCLE = presence(device(circle()))
