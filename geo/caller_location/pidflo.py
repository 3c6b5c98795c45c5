"""PIDF-LO (RFC 4119, RFC 5491, RFC 7459 confidence, RFC 5139 civic) as in NENA i3 / NG112.

Location sits under ``dm:device``, ``pidf:tuple`` (in its ``pidf:status``) or ``dm:person`` →
``gp:geopriv`` → ``gp:location-info``. When several carry a location, the one with the newest
``dm:timestamp`` / ``pidf:timestamp`` wins (undated ones lose to dated ones; ties go to the
first in the document).

Geodetic shapes (CRS ``urn:ogc:def:crs:EPSG::4326``, or ``::4979`` with altitude;
``gml:pos`` is "latitude longitude"; a missing srsName is read as EPSG::4326):

* gml:Point, gs:Circle, gs:Ellipse: the point is the location.
* gml:Polygon (one exterior gml:LinearRing, posList or gml:pos list, closed as GML requires:
  an unclosed ring is rejected, not closed for the sender): the location is the centroid.
* gs:ArcBand: its centre (e.g. the cell site) lies outside the band, so the location is the
  band's area centroid; the band itself is kept as the shape.
* gs:Sphere / gs:Ellipsoid / gs:Prism (EPSG::4979): their 2-D footprint (circle / ellipse /
  base polygon) with altitude; vertical uncertainty = sphere radius / ellipsoid vertical
  semi-axis / half the prism height (prism altitude = base altitude + half the height).

Lengths must be in metres (``urn:ogc:def:uom:EPSG::9001``), angles in degrees (``…::9102``).
Without ``con:confidence`` the shape is read at 95 %. The first geodetic shape in the
location-info is used. XML is parsed with defusedxml, DTDs forbidden (no entity expansion).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as XMLSyntaxError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from geo.caller_location.model import (
    DEFAULT_CONFIDENCE_PIDF,
    CallerLocation,
    DeviceIds,
    ParseError,
    check_distance,
    check_lat,
    check_lon,
    confidence_percent,
    parse_number,
    uncertainty_90,
)
from geo.caller_location.shapes import (
    ArcBand,
    Circle,
    Ellipse,
    LonLat,
    Polygon,
    Shape,
    arcband_centroid,
    polygon_centroid,
)

MAX_BYTES = 256 * 1024
MAX_VERTICES = 1000

PIDF = "urn:ietf:params:xml:ns:pidf"
GP = "urn:ietf:params:xml:ns:pidf:geopriv10"
DM = "urn:ietf:params:xml:ns:pidf:data-model"
GML = "http://www.opengis.net/gml"
GS = "http://www.opengis.net/pidflo/1.0"
CON = "urn:ietf:params:xml:ns:geopriv:conf"
CA = "urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"

PREFIXES = {PIDF: "pidf", GP: "gp", DM: "dm", GML: "gml", GS: "gs", CON: "con", CA: "ca"}

CRS_RE = re.compile(
    r"urn:ogc:def:crs:epsg:[0-9.]*:(4326|4979)|https?://www\.opengis\.net/def/crs/epsg/0/(4326|4979)"
)
METRES = re.compile(r"urn:ogc:def:uom:epsg:[0-9.]*:9001")
DEGREES = re.compile(r"urn:ogc:def:uom:epsg:[0-9.]*:9102")
DATETIME_RE = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?"
)

METHODS = {
    "gps": "gnss",
    "a-gps": "gnss",
    "agps": "gnss",
    "gnss": "gnss",
    "a-gnss": "gnss",
    "cell": "cell",
    "wifi": "wifi",
    "wi-fi": "wifi",
    "wlan": "wifi",
    "802.11": "wifi",
    "hybrid": "hybrid",
    "fused": "fused",
    "manual": "manual",
}


def _name(tag: str) -> str:
    """'{ns}local' → 'prefix:local' for messages."""
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return f"{PREFIXES[ns]}:{local}" if ns in PREFIXES else local
    return tag


def q(ns: str, local: str) -> str:
    return f"{{{ns}}}{local}"


@dataclass
class _Candidate:
    index: int
    container: Element
    geopriv: Element
    location_info: Element
    timestamp: datetime | None


@dataclass
class _Geodetic:
    lat: float
    lon: float
    shape: Shape | None
    altitude: float | None = None
    vertical: float | None = None


def parse_pidf_lo(xml: str | bytes) -> CallerLocation:
    """Parse a PIDF-LO document; raises ParseError(field, reason) and nothing else."""
    if isinstance(xml, str):
        raw, size = xml, len(xml.encode("utf-8", errors="surrogatepass"))
    elif isinstance(xml, bytes | bytearray):
        xml = bytes(xml)
        raw, size = xml.decode("utf-8", errors="replace"), len(xml)
    else:
        raise ParseError("body", "expected XML text")
    if size > MAX_BYTES:
        raise ParseError("body", f"larger than {MAX_BYTES} bytes")
    root = _parse_xml(xml)
    if root.tag != q(PIDF, "presence"):
        raise ParseError("presence", f"root element is {_name(str(root.tag))[:40]!r}, not presence")

    candidates = [c for c in _candidates(root) if len(c.location_info)]
    if not candidates:
        raise ParseError("location-info", "no gp:geopriv/gp:location-info with a location")
    chosen = max(
        candidates,
        key=lambda c: (
            c.timestamp is not None,
            c.timestamp or datetime.min.replace(tzinfo=UTC),
            -c.index,
        ),
    )

    info = chosen.location_info
    geodetic = _geodetic(info)
    civic = _civic(info)
    if geodetic is None and civic is None:
        raise ParseError("location-info", "no geodetic shape or civic address")
    stated, extra = _confidence(info)
    method_el = chosen.geopriv.find(q(GP, "method"))
    method_text = (method_el.text or "").strip() if method_el is not None else ""
    method = METHODS.get(method_text.lower(), "unknown")
    if method_text:
        extra["method_token"] = method_text[:32]

    lat = geodetic.lat if geodetic else None
    lon = geodetic.lon if geodetic else None
    shape = geodetic.shape if geodetic else None
    return CallerLocation(
        format="pidf-lo",
        lat=lat,
        lon=lon,
        shape=shape,
        confidence=None if stated is None else round(stated),
        uncertainty_m90=uncertainty_90(shape, lat, lon, stated, DEFAULT_CONFIDENCE_PIDF),
        method=method,
        time=chosen.timestamp,
        altitude_m=geodetic.altitude if geodetic else None,
        vertical_uncertainty_m=geodetic.vertical if geodetic else None,
        device=_device(chosen.container),
        civic=civic,
        extra=extra,
        raw=raw,
    )


def _parse_xml(xml: str | bytes) -> Element:
    try:
        return SafeET.fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ParseError("xml", f"forbidden XML construct ({type(exc).__name__})") from None
    except XMLSyntaxError as exc:
        raise ParseError("xml", f"malformed XML ({exc})") from None
    except (ValueError, LookupError) as exc:  # unknown or unsupported encoding declarations
        raise ParseError("xml", f"unreadable XML ({type(exc).__name__})") from None


def _timestamp(container: Element) -> datetime | None:
    element = container.find(q(DM, "timestamp"))
    if element is None:
        element = container.find(q(PIDF, "timestamp"))
    if element is None:
        return None
    field = _name(element.tag)
    text = (element.text or "").strip()
    match = DATETIME_RE.fullmatch(text)
    if not match:
        raise ParseError(field, "expected an xs:dateTime such as 2024-05-01T08:30:00Z")
    base, fraction, zone = match.groups()
    fraction = (fraction or "")[:7]  # fromisoformat takes at most microseconds
    zone = "+00:00" if zone in (None, "Z") else zone  # no zone: read as UTC
    try:
        value = datetime.fromisoformat(f"{base}{fraction}{zone}")
    except ValueError:
        raise ParseError(field, "not a real date and time") from None
    return value.astimezone(UTC)


def _candidates(root: Element) -> Iterator[_Candidate]:
    index = 0
    for container in root:
        if container.tag not in (q(PIDF, "tuple"), q(DM, "device"), q(DM, "person")):
            continue
        geoprivs = list(container.findall(q(GP, "geopriv")))
        geoprivs += container.findall(f"{q(PIDF, 'status')}/{q(GP, 'geopriv')}")
        if not geoprivs:
            continue
        timestamp = _timestamp(container)
        for geopriv in geoprivs:
            info = geopriv.find(q(GP, "location-info"))
            if info is not None:
                yield _Candidate(index, container, geopriv, info, timestamp)
                index += 1


def _children(info: Element) -> Iterator[Element]:
    """location-info's children, looking inside an RFC 4119 gml:location wrapper."""
    for child in info:
        if child.tag == q(GML, "location"):
            yield from child
        else:
            yield child


SHAPES = {
    q(GML, "Point"),
    q(GML, "Polygon"),
    q(GS, "Circle"),
    q(GS, "Ellipse"),
    q(GS, "ArcBand"),
    q(GS, "Sphere"),
    q(GS, "Ellipsoid"),
    q(GS, "Prism"),
}


def _geodetic(info: Element) -> _Geodetic | None:
    for element in _children(info):
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in SHAPES:
            return _shape(element)
        if tag.startswith((f"{{{GML}}}", f"{{{GS}}}")):
            raise ParseError(_name(tag), "unsupported shape (RFC 5491 shapes only)")
    return None


def _dimension(element: Element, inherited: int | None = None) -> int:
    """2 for EPSG::4326, 3 for EPSG::4979 (from srsName, else inherited, else 4326)."""
    srs = element.get("srsName")
    if srs is None:
        return inherited or 2
    match = CRS_RE.fullmatch(srs.strip().lower())
    if not match:
        raise ParseError(
            "srsName",
            f"unsupported CRS {srs[:60]!r} (expected urn:ogc:def:crs:EPSG::4326 or ::4979)",
        )
    code = match.group(1) or match.group(2)
    return 3 if code == "4979" else 2


def _child(parent: Element, ns: str, local: str) -> Element:
    element = parent.find(q(ns, local))
    if element is None:
        raise ParseError(f"{PREFIXES[ns]}:{local}", f"missing in {_name(str(parent.tag))}")
    return element


def _coordinates(numbers: list[float], dim: int, field: str) -> tuple[float, float, float | None]:
    lat = check_lat(numbers[0], field)
    lon = check_lon(numbers[1], field)
    return lat, lon, numbers[2] if dim == 3 else None


def _numbers(text: str | None, field: str) -> list[float]:
    return [parse_number(part, field) for part in (text or "").split()]


def _pos(parent: Element, dim: int) -> tuple[float, float, float | None]:
    element = parent.find(q(GML, "pos"))
    if element is None:
        if parent.find(q(GML, "coordinates")) is not None:
            raise ParseError("gml:coordinates", "legacy RFC 4119 form: use gml:pos (RFC 5491)")
        raise ParseError("gml:pos", f"missing in {_name(str(parent.tag))}")
    numbers = _numbers(element.text, "gml:pos")
    if len(numbers) != dim:
        crs = "EPSG::4979" if dim == 3 else "EPSG::4326"
        raise ParseError("gml:pos", f"expected {dim} numbers for {crs}, got {len(numbers)}")
    return _coordinates(numbers, dim, "gml:pos")


def _measure(parent: Element, ns: str, local: str, units: re.Pattern[str], unit: str) -> float:
    element = _child(parent, ns, local)
    field = f"{PREFIXES[ns]}:{local}"
    uom = element.get("uom")
    if uom is None or not units.fullmatch(uom.strip().lower()):
        raise ParseError(field, f"uom must be {unit}, got {(uom or '')[:60]!r}")
    return parse_number(element.text, field)


def _length(parent: Element, local: str) -> float:
    value = _measure(parent, GS, local, METRES, "urn:ogc:def:uom:EPSG::9001 (metres)")
    return check_distance(value, f"gs:{local}")


def _angle(parent: Element, local: str) -> float:
    return _measure(parent, GS, local, DEGREES, "urn:ogc:def:uom:EPSG::9102 (degrees)")


def _ring(polygon: Element, dim: int) -> list[tuple[float, float, float | None]]:
    if polygon.find(q(GML, "interior")) is not None:
        raise ParseError("gml:interior", "polygons with holes are not allowed (RFC 5491)")
    ring = _child(_child(polygon, GML, "exterior"), GML, "LinearRing")
    pos_list = ring.find(q(GML, "posList"))
    if pos_list is not None:
        numbers = _numbers(pos_list.text, "gml:posList")
        declared = pos_list.get("srsDimension")
        if declared is not None and declared.strip() != str(dim):
            raise ParseError("gml:posList", f"srsDimension {declared[:8]!r} does not match CRS")
        if len(numbers) % dim:
            raise ParseError("gml:posList", f"number count is not a multiple of {dim}")
        groups = [numbers[i : i + dim] for i in range(0, len(numbers), dim)]
        field = "gml:posList"
    else:
        groups = []
        for element in ring.findall(q(GML, "pos")):
            numbers = _numbers(element.text, "gml:pos")
            if len(numbers) != dim:
                raise ParseError("gml:pos", f"expected {dim} numbers, got {len(numbers)}")
            groups.append(numbers)
        field = "gml:LinearRing"
    if len(groups) > MAX_VERTICES:
        raise ParseError(field, f"more than {MAX_VERTICES} positions")
    points = [_coordinates(group, dim, field) for group in groups]
    if len(points) < 4:
        raise ParseError(field, "a ring needs at least 4 positions (first repeated last)")
    if points[0] != points[-1]:
        raise ParseError(
            "gml:LinearRing",
            "ring is not closed (the last position must repeat the first, as GML requires)",
        )
    if len({(p[0], p[1]) for p in points}) < 3:
        raise ParseError(field, "a ring needs at least 3 distinct positions")
    return points


def _polygon(polygon: Element, dim: int, field: str) -> tuple[_Geodetic, list[float]]:
    points = _ring(polygon, dim)
    ring: tuple[LonLat, ...] = tuple((p[1], p[0]) for p in points)
    centre = polygon_centroid(ring)
    if centre is None:
        raise ParseError(field, "polygon has no area")
    altitudes = [p[2] for p in points[:-1] if p[2] is not None]
    lon, lat = centre
    geo = _Geodetic(lat=lat, lon=lon, shape=Polygon(ring))
    return geo, altitudes


def _shape(element: Element) -> _Geodetic:
    tag = element.tag
    field = _name(tag)
    dim = _dimension(element)
    if tag in (q(GS, "Sphere"), q(GS, "Ellipsoid"), q(GS, "Prism")) and dim != 3:
        raise ParseError("srsName", f"{field} needs the 3-D CRS urn:ogc:def:crs:EPSG::4979")

    if tag == q(GML, "Polygon"):
        geo, altitudes = _polygon(element, dim, field)
        if altitudes:
            geo.altitude = sum(altitudes) / len(altitudes)
        return geo
    if tag == q(GS, "Prism"):
        base = _child(_child(element, GS, "base"), GML, "Polygon")
        geo, altitudes = _polygon(base, _dimension(base, dim), "gs:base")
        height = _length(element, "height")
        geo.altitude = sum(altitudes) / len(altitudes) + height / 2 if altitudes else None
        geo.vertical = height / 2 if height else None
        return geo

    lat, lon, altitude = _pos(element, dim)
    if tag == q(GML, "Point"):
        return _Geodetic(lat, lon, None, altitude)
    if tag in (q(GS, "Circle"), q(GS, "Sphere")):
        radius = _length(element, "radius")
        vertical = radius if tag == q(GS, "Sphere") and radius else None
        return _Geodetic(lat, lon, Circle(radius) if radius else None, altitude, vertical)
    if tag in (q(GS, "Ellipse"), q(GS, "Ellipsoid")):
        major = _length(element, "semiMajorAxis")
        minor = _length(element, "semiMinorAxis")
        orientation = _angle(element, "orientation") % 180.0
        vertical = None
        if tag == q(GS, "Ellipsoid"):
            vertical = _length(element, "verticalAxis") or None
        shape = Ellipse(major, minor, orientation) if max(major, minor) > 0 else None
        return _Geodetic(lat, lon, shape, altitude, vertical)
    # gs:ArcBand
    inner = _length(element, "innerRadius")
    outer = _length(element, "outerRadius")
    start = _angle(element, "startAngle")
    opening = _angle(element, "openingAngle")
    if outer <= inner:
        raise ParseError("gs:outerRadius", "must be larger than gs:innerRadius")
    if not 0.0 < opening <= 360.0:
        raise ParseError("gs:openingAngle", "must be more than 0 and at most 360 degrees")
    band = ArcBand(inner, outer, start % 360.0, opening, center_lon=lon, center_lat=lat)
    centre_lon, centre_lat = arcband_centroid(band)
    if not (math.isfinite(centre_lon) and math.isfinite(centre_lat)):
        raise ParseError(field, "band centroid cannot be computed")
    return _Geodetic(centre_lat, centre_lon, band, altitude)


def _confidence(info: Element) -> tuple[float | None, dict[str, str]]:
    extra: dict[str, str] = {}
    element = info.find(q(CON, "confidence"))
    if element is None:
        return None, extra
    value = confidence_percent(parse_number(element.text, "con:confidence"), "con:confidence")
    pdf = element.get("pdf")
    if pdf:
        extra["confidence_pdf"] = pdf[:32]
    return value, extra


def _civic(info: Element) -> dict[str, str] | None:
    address = None
    for element in _children(info):
        if element.tag == q(CA, "civicAddress"):
            address = element
            break
    if address is None:
        return None
    civic: dict[str, str] = {}
    for element in address:
        tag = element.tag
        if not isinstance(tag, str) or not tag.startswith(f"{{{CA}}}"):
            continue
        local = tag.split("}", 1)[1]
        text = (element.text or "").strip()
        if text and local not in civic:
            civic[local] = text[:256]
    return civic or None


def _device(container: Element) -> DeviceIds:
    """IMEI / IMSI / number from dm:deviceID (urn:gsma:imei:, imei:, imsi:, tel:)."""
    ids: dict[str, str] = {}
    for element in container.findall(q(DM, "deviceID")):
        text = (element.text or "").strip()
        lowered = text.lower()
        for prefix, key in (
            ("urn:gsma:imei:", "imei"),
            ("imei:", "imei"),
            ("imsi:", "imsi"),
            ("tel:", "number"),
        ):
            if lowered.startswith(prefix) and key not in ids:
                value = text[len(prefix) :].replace("-", "")
                if re.fullmatch(r"\+?[0-9]{3,20}", value):
                    ids[key] = value
                break
    return DeviceIds(**ids)
