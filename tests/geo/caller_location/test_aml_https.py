"""AML over HTTPS: form fields, HMAC-SHA1 over the payload before &hmac=."""

from datetime import UTC, datetime

import pytest

from geo.caller_location import Circle, ParseError, parse_aml_https
from tests.geo.caller_location import HMAC_KEY, https_body, sign

R90_PER_R68 = 1.4215534811127042
R90_PER_R95 = 0.8767107771895136


def rejected(body, key=HMAC_KEY) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse_aml_https(body, key)
    return info.value


def test_signed_message():
    body = https_body()
    loc = parse_aml_https(body.encode(), HMAC_KEY)
    assert loc.format == "aml-https"
    assert (loc.lat, loc.lon) == (0.5071, 101.4478)
    assert loc.shape == Circle(12.5)
    assert loc.confidence is None
    assert loc.uncertainty_m90 == pytest.approx(12.5 * R90_PER_R68)  # 68 % assumed
    assert loc.method == "gnss"
    assert loc.time == datetime(2024, 6, 1, 8, 19, 55, tzinfo=UTC)
    assert loc.altitude_m == 31.5
    assert loc.vertical_uncertainty_m == 6.0
    assert loc.device.number == "+6281234567789"
    assert loc.device.imei == "353472104343540"
    assert loc.device.imsi == "510101234567891"
    assert loc.device.model == "Pixel 7 Pro"  # form-decoded
    assert loc.extra == {
        "version": "3",
        "emergency_number": "112",
        "source": "AML",
        "message_time": "2024-06-01T08:20:00+00:00",
        "floor": "2",
        "bearing_deg": "90",
        "speed_mps": "0.5",
        "mcc": "510",
        "mnc": "10",
        "cell_id": "1A2B3C",
    }
    assert loc.raw == body


def test_str_body_and_uppercase_hmac_are_accepted():
    payload, _, mac = https_body().rpartition("&hmac=")
    assert parse_aml_https(f"{payload}&hmac={mac.upper()}", HMAC_KEY).lat == 0.5071


def test_hmac_missing():
    error = rejected(https_body(key=None))
    assert error.field == "hmac"
    assert "missing" in error.reason


def test_hmac_wrong_key():
    error = rejected(https_body(key=b"another key"))
    assert error.field == "hmac"


def test_hmac_over_an_altered_payload():
    body = https_body().replace("location_latitude=0.5071", "location_latitude=0.6071")
    assert rejected(body).field == "hmac"


def test_hmac_malformed():
    payload = https_body(key=None)
    assert rejected(f"{payload}&hmac=xyz").field == "hmac"


def test_hmac_must_be_last():
    payload = https_body(key=None)
    body = f"hmac={sign(payload)}&{payload}"
    assert rejected(body).field == "hmac"


def test_without_a_key_the_hmac_is_not_checked():
    assert parse_aml_https(https_body(key=b"whatever"), None).lat == 0.5071
    assert parse_aml_https(https_body(key=None), None).lat == 0.5071


def test_hmac_covers_the_exact_bytes():
    # Same fields, different encoding of a space: the signature is over the text as sent.
    payload = https_body(key=None)
    respelled = payload.replace("Pixel%207+Pro", "Pixel+7%20Pro")
    assert rejected(f"{respelled}&hmac={sign(payload)}").field == "hmac"
    assert parse_aml_https(f"{respelled}&hmac={sign(respelled)}", HMAC_KEY).device.model == (
        "Pixel 7 Pro"
    )


@pytest.mark.parametrize(
    ("source", "method"),
    [
        ("gps", "gnss"),
        ("GPS", "gnss"),
        ("WiFi", "wifi"),
        ("CELL", "cell"),
        ("unknown", "unknown"),
        ("Barometer", "unknown"),
    ],
)
def test_location_source_any_case(source, method):
    assert parse_aml_https(https_body(location_source=source), HMAC_KEY).method == method


@pytest.mark.parametrize(
    ("name", "value", "stated"),
    [
        ("location_confidence", "95", 95),
        ("location_certainty", "95", 95),
        ("location_confidence", "0.95", 95),
    ],
)
def test_confidence_and_its_alias(name, value, stated):
    loc = parse_aml_https(https_body(**{name: value}), HMAC_KEY)
    assert loc.confidence == stated
    assert loc.uncertainty_m90 == pytest.approx(12.5 * R90_PER_R95)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"location_latitude": "abc"}, "location_latitude"),
        ({"location_latitude": "0x1p3"}, "location_latitude"),
        ({"location_latitude": "nan"}, "location_latitude"),
        ({"location_latitude": "91"}, "location_latitude"),
        ({"location_longitude": "-180.5"}, "location_longitude"),
        ({"location_longitude": None}, "location_longitude"),
        ({"location_accuracy": "-1"}, "location_accuracy"),
        ({"location_vertical_accuracy": "-0.5"}, "location_vertical_accuracy"),
        ({"location_speed": "-2"}, "location_speed"),
        ({"location_bearing": "400"}, "location_bearing"),
        ({"location_time": "-5"}, "location_time"),
        ({"location_time": "99999999999999"}, "location_time"),
        ({"location_confidence": "101"}, "location_confidence"),
        ({"device_imei": "12ab"}, "device_imei"),
        ({"device_number": "call me"}, "device_number"),
        ({"cell_network_mcc": "5100"}, "cell_network_mcc"),
        ({"emergency_number": "112;drop"}, "emergency_number"),
    ],
)
def test_invalid_fields(values, field):
    assert rejected(https_body(**values)).field == field


def test_conflicting_confidence_fields():
    body = https_body(location_confidence="68", location_certainty="95")
    assert rejected(body).field == "location_certainty"


def test_duplicate_field():
    payload = https_body(key=None) + "&location_latitude=0.5"
    error = rejected(f"{payload}&hmac={sign(payload)}")
    assert (error.field, error.reason) == ("location_latitude", "duplicate field")


def test_malformed_form():
    assert rejected("v=3&justaname", None).field == "body"
    assert rejected("", None).field == "body"
    assert rejected(b"v=\xff", None).field == "body"
    assert rejected("v=%FF", None).field == "v"  # percent-encoded bytes that are not UTF-8
    assert rejected("v=3&x=\udcff", None).field == "body"  # lone surrogate in a str


def test_unknown_fields_kept_but_never_identifiers():
    body = https_body(
        thunderbird_version="2.1",
        device_iccid="8962101234567890123",
        gt_imei="353472104343540",
        subscriber_msisdn="6281234567789",
    )
    loc = parse_aml_https(body, HMAC_KEY)
    assert loc.extra["thunderbird_version"] == "2.1"
    for name in ("device_iccid", "gt_imei", "subscriber_msisdn"):
        assert name not in loc.extra
    values = " ".join(loc.extra.values())
    for secret in ("8962101234567890123", "353472104343540", "6281234567789", "5101012345"):
        assert secret not in values


def test_accuracy_zero_or_empty_means_unknown():
    for value in ("0", ""):
        loc = parse_aml_https(https_body(location_accuracy=value), HMAC_KEY)
        assert loc.has_location
        assert loc.shape is None and loc.uncertainty_m90 is None


def test_no_location():
    body = https_body(location_latitude=None, location_longitude=None)
    loc = parse_aml_https(body, HMAC_KEY)
    assert not loc.has_location
    assert loc.method == "none"
    assert loc.device.imei == "353472104343540"


def test_absurd_accuracy_is_rejected():
    assert rejected(https_body(location_accuracy="1e8")).field == "location_accuracy"
