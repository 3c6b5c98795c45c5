"""PIDF-LO (RFC 4119 / RFC 5491 / RFC 7459): shapes, CRS, lat/lon order, tuple choice."""

import math
from datetime import UTC, datetime

import pytest
from pyproj import Geod

from geo.caller_location import ArcBand, Circle, Ellipse, ParseError, Polygon, parse_pidf_lo
from tests.geo.caller_location import (
    CRS2,
    CRS3,
    DEG,
    LAT,
    LON,
    NAMESPACES,
    PIDF_CIRCLE,
    M,
    circle,
    device,
    presence,
)

R90_PER_R68 = 1.4215534811127042
R90_PER_R95 = 0.8767107771895136
GEOD = Geod(ellps="WGS84")


def rejected(xml) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse_pidf_lo(xml)
    return info.value


def parse_shape(shape: str, **kwargs):
    return parse_pidf_lo(presence(device(shape, **kwargs)))


def square(half_deg: float = 0.001, *, closed: bool = True, clockwise: bool = False) -> list:
    """(lat, lon) corners around LAT/LON, counter-clockwise (in lon/lat) unless clockwise."""
    corners = [
        (LAT - half_deg, LON - half_deg),
        (LAT - half_deg, LON + half_deg),
        (LAT + half_deg, LON + half_deg),
        (LAT + half_deg, LON - half_deg),
    ]
    if clockwise:
        corners.reverse()
    return [*corners, corners[0]] if closed else corners


def pos_list(points, alt: float | None = None) -> str:
    if alt is None:
        return " ".join(f"{lat} {lon}" for lat, lon in points)
    return " ".join(f"{lat} {lon} {alt}" for lat, lon in points)


def polygon(points, *, crs: str = CRS2, alt: float | None = None) -> str:
    return (
        f'<gml:Polygon srsName="{crs}"><gml:exterior><gml:LinearRing>'
        f"<gml:posList>{pos_list(points, alt)}</gml:posList>"
        "</gml:LinearRing></gml:exterior></gml:Polygon>"
    )


def test_circle_without_confidence_is_read_at_95_percent():
    loc = parse_pidf_lo(PIDF_CIRCLE)
    assert loc.format == "pidf-lo"
    # gml:pos is "latitude longitude": Pekanbaru is at 0.5° N, 101.4° E.
    assert (loc.lat, loc.lon) == (LAT, LON)
    assert loc.shape == Circle(100.0)
    assert loc.confidence is None
    assert loc.uncertainty_m90 == pytest.approx(100 * R90_PER_R95)
    assert loc.method == "gnss"
    assert loc.time == datetime(2024, 6, 1, 8, 19, 55, tzinfo=UTC)
    assert loc.device.imei == "353472104343540"
    assert loc.raw == PIDF_CIRCLE


def test_bytes_input():
    assert parse_pidf_lo(PIDF_CIRCLE.encode()).lat == LAT


def test_swapped_lon_lat_is_caught_by_the_latitude_range():
    error = rejected(presence(device(circle(pos=f"{LON} {LAT}"))))
    assert error.field == "gml:pos"
    assert "latitude" in error.reason


def test_stated_confidence():
    extra = '<con:confidence pdf="normal">68</con:confidence>'
    loc = parse_shape(circle(), extra=extra)
    assert loc.confidence == 68
    assert loc.uncertainty_m90 == pytest.approx(100 * R90_PER_R68)
    assert loc.extra["confidence_pdf"] == "normal"


@pytest.mark.parametrize("value", ["150", "-3", "high", ""])
def test_bad_confidence(value):
    error = rejected(presence(device(circle(), extra=f"<con:confidence>{value}</con:confidence>")))
    assert error.field == "con:confidence"


def test_point_2d_and_3d():
    loc = parse_shape(f'<gml:Point srsName="{CRS2}"><gml:pos>{LAT} {LON}</gml:pos></gml:Point>')
    assert (loc.lat, loc.lon, loc.shape, loc.altitude_m) == (LAT, LON, None, None)
    assert loc.uncertainty_m90 is None
    assert loc.uncertainty_ring() is None

    loc = parse_shape(
        f'<gml:Point srsName="{CRS3}"><gml:pos>{LAT} {LON} 27.5</gml:pos></gml:Point>'
    )
    assert (loc.lat, loc.lon, loc.altitude_m) == (LAT, LON, 27.5)


def test_point_dimension_must_match_the_crs():
    shape = f'<gml:Point srsName="{CRS2}"><gml:pos>{LAT} {LON} 27.5</gml:pos></gml:Point>'
    assert rejected(presence(device(shape))).field == "gml:pos"


def test_ellipse():
    shape = (
        f'<gs:Ellipse srsName="{CRS2}"><gml:pos>{LAT} {LON}</gml:pos>'
        f'<gs:semiMajorAxis uom="{M}">200</gs:semiMajorAxis>'
        f'<gs:semiMinorAxis uom="{M}">50</gs:semiMinorAxis>'
        f'<gs:orientation uom="{DEG}">30</gs:orientation></gs:Ellipse>'
    )
    loc = parse_shape(shape)
    assert (loc.lat, loc.lon) == (LAT, LON)
    assert loc.shape == Ellipse(200.0, 50.0, 30.0)
    assert loc.uncertainty_m90 == pytest.approx(200 * R90_PER_R95)


def test_ellipse_orientation_must_be_in_degrees():
    shape = (
        f'<gs:Ellipse srsName="{CRS2}"><gml:pos>{LAT} {LON}</gml:pos>'
        f'<gs:semiMajorAxis uom="{M}">200</gs:semiMajorAxis>'
        f'<gs:semiMinorAxis uom="{M}">50</gs:semiMinorAxis>'
        '<gs:orientation uom="urn:ogc:def:uom:EPSG::9101">0.5</gs:orientation></gs:Ellipse>'
    )
    assert rejected(presence(device(shape))).field == "gs:orientation"


@pytest.mark.parametrize("uom", ["urn:ogc:def:uom:EPSG::9002", "m", ""])
def test_circle_radius_must_be_in_metres(uom):
    error = rejected(presence(device(circle(uom=uom))))
    assert error.field == "gs:radius"
    assert "9001" in error.reason


def test_circle_radius_without_uom():
    shape = f'<gs:Circle srsName="{CRS2}"><gml:pos>{LAT} {LON}</gml:pos><gs:radius>5</gs:radius>'
    assert rejected(presence(device(shape + "</gs:Circle>"))).field == "gs:radius"


def test_polygon_with_poslist():
    points = square()
    loc = parse_shape(polygon(points))
    assert isinstance(loc.shape, Polygon)
    assert loc.shape.ring[0] == (LON - 0.001, LAT - 0.001)  # stored as (lon, lat)
    assert loc.lat == pytest.approx(LAT, abs=1e-7)
    assert loc.lon == pytest.approx(LON, abs=1e-7)
    corner = GEOD.inv(LON, LAT, LON + 0.001, LAT + 0.001)[2]
    assert loc.uncertainty_m90 == pytest.approx(corner, rel=1e-3)
    assert loc.uncertainty_ring() == list(loc.shape.ring)


def test_polygon_with_pos_elements_and_off_centre_centroid():
    # A right triangle: its centroid is at the mean of its corners, not the box centre.
    corners = [(0.50, 101.40), (0.50, 101.43), (0.53, 101.40), (0.50, 101.40)]
    poses = "".join(f"<gml:pos>{lat} {lon}</gml:pos>" for lat, lon in corners)
    shape = (
        f'<gml:Polygon srsName="{CRS2}"><gml:exterior><gml:LinearRing>{poses}'
        "</gml:LinearRing></gml:exterior></gml:Polygon>"
    )
    loc = parse_shape(shape)
    assert loc.lat == pytest.approx(0.51, abs=1e-4)
    assert loc.lon == pytest.approx(101.41, abs=1e-4)


def test_clockwise_polygon_ring_is_returned_counter_clockwise():
    loc = parse_shape(polygon(square(clockwise=True)))
    ring = loc.uncertainty_ring()
    assert ring == list(reversed(loc.shape.ring))
    area2 = sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(4))
    assert area2 > 0


def test_unclosed_polygon_is_rejected():
    error = rejected(presence(device(polygon([*square(closed=False), square()[1]]))))
    assert error.field == "gml:LinearRing"
    assert "closed" in error.reason


@pytest.mark.parametrize(
    "shape",
    [
        polygon(square()[:3]),  # too few positions
        polygon([(LAT, LON), (LAT, LON + 0.001), (LAT, LON + 0.002), (LAT, LON)]),  # no area
        polygon(square(), alt=3.0),  # 3 numbers per position under EPSG::4326
    ],
)
def test_bad_polygons(shape):
    assert rejected(presence(device(shape))).field in {"gml:posList", "gml:Polygon"}


def test_polygon_with_a_hole_is_rejected():
    shape = polygon(square()).replace(
        "</gml:exterior>",
        "</gml:exterior><gml:interior><gml:LinearRing><gml:posList>"
        f"{pos_list(square(0.0001))}</gml:posList></gml:LinearRing></gml:interior>",
    )
    assert rejected(presence(device(shape))).field == "gml:interior"


def arcband(start: float = 45, opening: float = 90, inner: float = 1000, outer: float = 2000):
    return (
        f'<gs:ArcBand srsName="{CRS2}"><gml:pos>{LAT} {LON}</gml:pos>'
        f'<gs:innerRadius uom="{M}">{inner}</gs:innerRadius>'
        f'<gs:outerRadius uom="{M}">{outer}</gs:outerRadius>'
        f'<gs:startAngle uom="{DEG}">{start}</gs:startAngle>'
        f'<gs:openingAngle uom="{DEG}">{opening}</gs:openingAngle></gs:ArcBand>'
    )


def test_arcband_location_is_the_band_centroid_not_the_centre():
    loc = parse_shape(arcband())
    assert loc.shape == ArcBand(1000.0, 2000.0, 45.0, 90.0, center_lon=LON, center_lat=LAT)
    bearing, _, distance = GEOD.inv(LON, LAT, loc.lon, loc.lat)
    half = math.radians(45)
    expected = (2 / 3) * (2000**3 - 1000**3) / (2000**2 - 1000**2) * math.sin(half) / half
    assert distance == pytest.approx(expected, rel=1e-6)  # ≈ 1400.5 m: inside the band
    assert 1000 < distance < 2000
    assert bearing == pytest.approx(90.0, abs=1e-6)  # the bisector of 45° + 90°


def test_arcband_ring_and_uncertainty():
    loc = parse_shape(arcband())
    ring = loc.uncertainty_ring(segments=72)
    assert ring[0] == ring[-1]
    for lon, lat in ring:
        bearing, _, distance = GEOD.inv(LON, LAT, lon, lat)
        assert 1000 * 0.99 < distance < 2000 * 1.01
        assert 45 - 0.01 <= bearing % 360 <= 135 + 0.01
    farthest = max(GEOD.inv(loc.lon, loc.lat, lon, lat)[2] for lon, lat in ring)
    assert loc.uncertainty_m90 == pytest.approx(farthest, rel=0.01)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"inner": 2000, "outer": 1000}, "gs:outerRadius"),
        ({"opening": 0}, "gs:openingAngle"),
        ({"opening": 400}, "gs:openingAngle"),
        ({"inner": -1}, "gs:innerRadius"),
    ],
)
def test_bad_arcbands(values, field):
    assert rejected(presence(device(arcband(**values)))).field == field


def test_sphere():
    shape = (
        f'<gs:Sphere srsName="{CRS3}"><gml:pos>{LAT} {LON} 26.3</gml:pos>'
        f'<gs:radius uom="{M}">40</gs:radius></gs:Sphere>'
    )
    loc = parse_shape(shape)
    assert (loc.lat, loc.lon, loc.altitude_m) == (LAT, LON, 26.3)
    assert loc.shape == Circle(40.0)
    assert loc.vertical_uncertainty_m == 40.0
    assert loc.uncertainty_m90 == pytest.approx(40 * R90_PER_R95)


def test_sphere_needs_the_3d_crs():
    shape = (
        f'<gs:Sphere srsName="{CRS2}"><gml:pos>{LAT} {LON}</gml:pos>'
        f'<gs:radius uom="{M}">40</gs:radius></gs:Sphere>'
    )
    assert rejected(presence(device(shape))).field == "srsName"


def test_ellipsoid():
    shape = (
        f'<gs:Ellipsoid srsName="{CRS3}"><gml:pos>{LAT} {LON} 26.3</gml:pos>'
        f'<gs:semiMajorAxis uom="{M}">7.7156</gs:semiMajorAxis>'
        f'<gs:semiMinorAxis uom="{M}">3.31</gs:semiMinorAxis>'
        f'<gs:verticalAxis uom="{M}">28.7</gs:verticalAxis>'
        f'<gs:orientation uom="{DEG}">90</gs:orientation></gs:Ellipsoid>'
    )
    loc = parse_shape(shape)
    assert loc.shape == Ellipse(7.7156, 3.31, 90.0)
    assert (loc.altitude_m, loc.vertical_uncertainty_m) == (26.3, 28.7)


def test_prism():
    base = polygon(square(), crs=CRS3, alt=10.0).replace(f' srsName="{CRS3}"', "")
    shape = (
        f'<gs:Prism srsName="{CRS3}"><gs:base>{base}</gs:base>'
        f'<gs:height uom="{M}">3</gs:height></gs:Prism>'
    )
    loc = parse_shape(shape)
    assert isinstance(loc.shape, Polygon)
    assert loc.lat == pytest.approx(LAT, abs=1e-7)
    assert loc.altitude_m == pytest.approx(11.5)  # base + half the height
    assert loc.vertical_uncertainty_m == pytest.approx(1.5)


@pytest.mark.parametrize(
    "crs", ["urn:ogc:def:crs:EPSG::3857", "EPSG:4326", "urn:ogc:def:crs:OGC:1.3:CRS84"]
)
def test_unknown_crs_is_rejected(crs):
    error = rejected(presence(device(circle(crs=crs))))
    assert error.field == "srsName"


def test_ogc_http_crs_uri_and_missing_srsname_are_4326():
    http = "http://www.opengis.net/def/crs/EPSG/0/4326"
    assert parse_shape(circle(crs=http)).lat == LAT
    bare = f"<gs:Circle><gml:pos>{LAT} {LON}</gml:pos><gs:radius uom='{M}'>9</gs:radius>"
    assert parse_shape(bare + "</gs:Circle>").lon == LON


@pytest.mark.parametrize("pos", [f"0.5O71 {LON}", f"{LAT}", "", f"{LAT} inf", f"{LAT} NaN"])
def test_bad_numbers(pos):
    assert rejected(presence(device(circle(pos=pos)))).field == "gml:pos"


def test_bad_radius_number():
    assert rejected(presence(device(circle(radius="1OO")))).field == "gs:radius"


def test_unsupported_shape():
    shape = f'<gml:LineString srsName="{CRS2}"><gml:posList>0 1 2 3</gml:posList></gml:LineString>'
    assert rejected(presence(device(shape))).field == "gml:LineString"


def test_legacy_gml_coordinates():
    shape = (
        f'<gml:Point srsName="{CRS2}"><gml:coordinates>37:46:30N 122:25:10W</gml:coordinates>'
        "</gml:Point>"
    )
    assert rejected(presence(device(shape))).field == "gml:coordinates"


# --- which location: tuple / device / person, newest timestamp -----------------------------------


def tuple_element(shape: str, timestamp: str) -> str:
    """RFC 4119 layout: pidf:tuple/pidf:status/gp:geopriv, pidf:timestamp."""
    return (
        '<tuple id="t1"><status><gp:geopriv><gp:location-info>'
        f"{shape}</gp:location-info><gp:method>Cell</gp:method></gp:geopriv></status>"
        f"<timestamp>{timestamp}</timestamp></tuple>"
    )


def person(shape: str, timestamp: str) -> str:
    return (
        '<dm:person id="p1"><gp:geopriv><gp:location-info>'
        f"{shape}</gp:location-info><gp:method>Manual</gp:method></gp:geopriv>"
        f"<dm:timestamp>{timestamp}</dm:timestamp></dm:person>"
    )


def test_the_newest_location_wins():
    xml = presence(
        device(circle("100"), timestamp="2024-06-01T08:00:00Z"),
        tuple_element(circle("200"), "2024-06-01T08:05:00Z"),
        person(circle("300"), "2024-06-01T08:02:00Z"),
    )
    loc = parse_pidf_lo(xml)
    assert loc.shape == Circle(200.0)
    assert loc.method == "cell"
    assert loc.time == datetime(2024, 6, 1, 8, 5, tzinfo=UTC)


def test_timestamps_are_compared_in_utc():
    xml = presence(
        device(circle("100"), timestamp="2024-06-01T15:10:00+07:00"),  # 08:10Z: newest
        person(circle("300"), "2024-06-01T08:05:00.123456789Z"),
    )
    loc = parse_pidf_lo(xml)
    assert loc.shape == Circle(100.0)
    assert loc.time == datetime(2024, 6, 1, 8, 10, tzinfo=UTC)


def test_dated_beats_undated_and_ties_keep_document_order():
    xml = presence(
        device(circle("100"), timestamp=None),
        person(circle("300"), "2024-06-01T08:05:00Z"),
    )
    assert parse_pidf_lo(xml).shape == Circle(300.0)
    xml = presence(
        person(circle("300"), "2024-06-01T08:05:00Z"),
        tuple_element(circle("200"), "2024-06-01T08:05:00Z"),
    )
    assert parse_pidf_lo(xml).shape == Circle(300.0)


def test_element_without_location_is_skipped():
    empty = '<tuple id="x"><status><basic>open</basic></status></tuple>'
    assert parse_pidf_lo(presence(empty, device(circle()))).shape == Circle(100.0)


def test_bad_timestamp():
    xml = presence(device(circle(), timestamp="yesterday"))
    assert rejected(xml).field == "dm:timestamp"
    xml = presence(device(circle(), timestamp="2024-02-30T08:00:00Z"))
    assert rejected(xml).field == "dm:timestamp"


@pytest.mark.parametrize(
    ("token", "method"),
    [
        ("GPS", "gnss"),
        ("A-GPS", "gnss"),
        ("Cell", "cell"),
        ("Wifi", "wifi"),
        ("802.11", "wifi"),
        ("Hybrid", "hybrid"),
        ("Manual", "manual"),
        ("DHCP", "unknown"),
        (None, "unknown"),
    ],
)
def test_methods(token, method):
    assert parse_shape(circle(), method=token).method == method


def test_civic_address():
    civic = (
        "<ca:civicAddress><ca:country>ID</ca:country><ca:A1>Riau</ca:A1>"
        "<ca:A2>Pekanbaru</ca:A2><ca:A3>Sukajadi</ca:A3><ca:RD>Jalan Jenderal Sudirman</ca:RD>"
        "<ca:HNO>123</ca:HNO><ca:PC>28121</ca:PC><ca:LOC></ca:LOC></ca:civicAddress>"
    )
    loc = parse_shape(circle(), extra=civic)
    assert loc.civic == {
        "country": "ID",
        "A1": "Riau",
        "A2": "Pekanbaru",
        "A3": "Sukajadi",
        "RD": "Jalan Jenderal Sudirman",
        "HNO": "123",
        "PC": "28121",
    }
    civic_only = parse_pidf_lo(presence(device(civic)))
    assert not civic_only.has_location
    assert civic_only.civic["A2"] == "Pekanbaru"


@pytest.mark.parametrize(
    ("xml", "field"),
    [
        ("<presence", "xml"),
        ("not xml at all", "xml"),
        (PIDF_CIRCLE.replace("</presence>", ""), "xml"),
        (f"<root {NAMESPACES}/>", "presence"),
        (presence(), "location-info"),
        (presence('<dm:device id="d"><gp:geopriv/></dm:device>'), "location-info"),
        (presence(device("")), "location-info"),
        (presence(device("<gp:unknown/>")), "location-info"),
        (presence(device('<gs:Circle srsName="' + CRS2 + '"/>')), "gml:pos"),
    ],
)
def test_malformed_documents(xml, field):
    assert rejected(xml).field == field


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="&lol4;"/>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE presence [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<presence xmlns="urn:ietf:params:xml:ns:pidf">&xxe;</presence>"""

DTD_ONLY = """<?xml version="1.0"?>
<!DOCTYPE presence SYSTEM "http://example.net/pidf.dtd">
<presence xmlns="urn:ietf:params:xml:ns:pidf"/>"""


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY, DTD_ONLY])
def test_entity_attacks_are_parse_errors(xml):
    error = rejected(xml)
    assert error.field == "xml"
    assert "forbidden" in error.reason
    assert rejected(xml.encode()).field == "xml"


def test_device_ids_are_not_shown():
    loc = parse_pidf_lo(PIDF_CIRCLE)
    for text in (repr(loc), str(loc)):
        assert "353472104343540" not in text
        assert "35**********540" in text


def test_polygon_across_the_antimeridian_is_centred_where_it_is():
    points = [(0.0, 179.99), (0.0, -179.99), (0.01, -179.99), (0.01, 179.99), (0.0, 179.99)]
    loc = parse_shape(polygon(points))
    assert loc.lat == pytest.approx(0.005, abs=1e-6)
    assert abs(loc.lon) == pytest.approx(180.0, abs=1e-6)
    assert loc.uncertainty_m90 < 2000  # not the far side of the Earth


def test_absurd_lengths_are_rejected():
    assert rejected(presence(device(circle("2e7")))).field == "gs:radius"
    assert rejected(presence(device(arcband(outer=1e300)))).field == "gs:outerRadius"
