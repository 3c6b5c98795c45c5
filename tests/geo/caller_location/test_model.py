"""CallerLocation: confidence normalisation, uncertainty rings, masked device ids."""

import math
from datetime import UTC, datetime

import pytest
from pyproj import Geod

from geo.caller_location import (
    ArcBand,
    CallerLocation,
    Circle,
    DeviceIds,
    Ellipse,
    ParseError,
    Polygon,
    parse_aml_https,
    parse_aml_sms,
    scale_to_90,
)
from tests.geo.caller_location import AML_V1_A, HMAC_KEY, LAT, LON, aml_v1, https_body

GEOD = Geod(ellps="WGS84")


def location(shape, uncertainty, **kwargs) -> CallerLocation:
    values = {
        "format": "pidf-lo",
        "lat": LAT,
        "lon": LON,
        "shape": shape,
        "confidence": None,
        "uncertainty_m90": uncertainty,
        "method": "gnss",
        "time": datetime(2024, 6, 1, 8, 20, tzinfo=UTC),
    }
    values.update(kwargs)
    return CallerLocation(**values)


def distances(ring, lon=LON, lat=LAT):
    return [GEOD.inv(lon, lat, x, y)[2] for x, y in ring]


def test_scale_to_90_is_the_rayleigh_quantile_ratio():
    k90 = math.sqrt(-2 * math.log(0.1))
    assert scale_to_90(68) == pytest.approx(k90 / math.sqrt(-2 * math.log(0.32)), rel=1e-12)
    assert scale_to_90(68) == pytest.approx(1.42155, abs=1e-5)  # "≈ 1.42 × r68"
    assert scale_to_90(95) == pytest.approx(0.87671, abs=1e-5)  # "≈ 0.88 × r95"
    assert scale_to_90(90) == pytest.approx(1.0, abs=1e-12)
    assert scale_to_90(68) / scale_to_90(95) == pytest.approx(1.62146, abs=1e-5)  # r95/r68
    # For σ = 1 the scaled radius holds exactly 90 % of a circular normal error.
    for confidence in (39.35, 50, 68, 95, 99):
        r_c = math.sqrt(-2 * math.log(1 - confidence / 100))
        r90 = r_c * scale_to_90(confidence)
        assert 1 - math.exp(-(r90**2) / 2) == pytest.approx(0.90, abs=1e-12)


def test_scale_to_90_edges():
    assert scale_to_90(0) is None
    assert scale_to_90(-5) is None
    assert scale_to_90(float("nan")) is None
    assert scale_to_90(100) == 1.0  # conservative: the 100 % radius contains the 90 % area


def test_circle_ring_is_at_the_90_percent_radius():
    loc = parse_aml_sms(aml_v1(lc="68", rd="100"))
    assert loc.uncertainty_m90 == pytest.approx(100 * 1.4215534811127042)
    ring = loc.uncertainty_ring()
    assert len(ring) == 33 and ring[0] == ring[-1]
    for d in distances(ring, loc.lon, loc.lat):
        assert d == pytest.approx(loc.uncertainty_m90, rel=0.01)


def test_circle_ring_near_pekanbaru_is_counter_clockwise():
    ring = location(Circle(100), 100 * 0.8767107771895136).uncertainty_ring(segments=16)
    assert len(ring) == 17
    area2 = sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(16))
    assert area2 > 0
    for d in distances(ring):
        assert d == pytest.approx(87.67, rel=0.01)


def test_ellipse_ring_axes_are_scaled_and_oriented():
    factor = 0.8767107771895136
    loc = location(Ellipse(200, 50, 30), 200 * factor)
    ring = loc.uncertainty_ring(segments=360)
    measured = [GEOD.inv(LON, LAT, x, y) for x, y in ring[:-1]]
    far = max(measured, key=lambda m: m[2])
    near = min(measured, key=lambda m: m[2])
    assert far[2] == pytest.approx(200 * factor, rel=0.01)
    assert near[2] == pytest.approx(50 * factor, rel=0.01)
    assert far[0] % 180 == pytest.approx(30, abs=1.5)  # semi-major axis 30° clockwise from north
    assert near[0] % 180 == pytest.approx(120, abs=1.5)


def test_polygon_and_arcband_rings_are_not_rescaled():
    ring = ((101.44, 0.50), (101.45, 0.50), (101.45, 0.51), (101.44, 0.51), (101.44, 0.50))
    loc = location(Polygon(ring), 1000.0, confidence=68)
    assert loc.uncertainty_ring() == list(ring)

    band = ArcBand(500, 800, 350, 20, center_lon=LON, center_lat=LAT)
    loc = location(band, 700.0, confidence=68)
    for d in distances(loc.uncertainty_ring()):
        assert 500 * 0.99 < d < 800 * 1.01


def test_full_arcband_is_drawn_as_its_outer_circle():
    band = ArcBand(500, 800, 0, 360, center_lon=LON, center_lat=LAT)
    for d in distances(location(band, 800.0).uncertainty_ring()):
        assert d == pytest.approx(800, rel=0.01)


def test_no_ring_without_uncertainty_or_location():
    assert location(None, None).uncertainty_ring() is None
    assert location(Circle(10), None).uncertainty_ring() is None
    no_fix = location(None, None, lat=None, lon=None, method="none")
    assert not no_fix.has_location
    assert no_fix.uncertainty_ring() is None


def test_invalid_values_are_refused():
    with pytest.raises(ValueError, match="lat and lon"):
        location(None, None, lon=None)
    with pytest.raises(ValueError, match="timezone"):
        location(None, None, time=datetime(2024, 6, 1, 8, 20))
    with pytest.raises(ValueError, match="method"):
        location(None, None, method="telepathy")


def test_device_ids_are_masked():
    ids = DeviceIds(
        number="+6281234567789", imei="353472104343540", imsi="510101234567891", model="SM-A525F"
    )
    assert ids.masked() == {
        "number": "+62********789",
        "imei": "35**********540",
        "imsi": "51**********891",
        "model": "*****25F",  # too short for a prefix: only the last three show
    }
    for text in (repr(ids), str(ids)):
        for secret in ("6281234567789", "353472104343540", "510101234567891", "SM-A525F"):
            assert secret not in text
    assert DeviceIds(number="1234").masked()["number"] == "****"
    assert DeviceIds().masked() == dict.fromkeys(("number", "imei", "imsi", "model"))


def test_parsed_locations_never_print_device_ids():
    sms = parse_aml_sms(AML_V1_A)
    https = parse_aml_https(https_body(), HMAC_KEY)
    for loc in (sms, https):
        for text in (repr(loc), str(loc), repr(loc.extra)):
            for secret in (
                "123456789012345",
                "1234567890123456",
                "6281234567789",
                "353472104343540",
                "510101234567891",
            ):
                assert secret not in text
    assert "12***********456" in repr(sms)


def test_parse_error_carries_field_and_reason():
    error = ParseError("ml", "too short")
    assert (error.field, error.reason, str(error)) == ("ml", "too short", "ml: too short")
    assert isinstance(error, ValueError)
