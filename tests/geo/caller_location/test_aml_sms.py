"""AML SMS v1 and v2 (ETSI TS 103 625) as in REFERENCE.md §2."""

from datetime import UTC, datetime

import pytest

from geo.caller_location import Circle, ParseError, parse_aml_sms
from tests.geo.caller_location import AML_V1_A, AML_V1_B, aml_v1, aml_v2, with_ml

R90_PER_R68 = 1.4215534811127042


def rejected(message: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse_aml_sms(message)
    return info.value


def test_first_public_message():
    loc = parse_aml_sms(AML_V1_A)
    assert loc.format == "aml-sms-v1"
    assert (loc.lat, loc.lon) == (54.76397, -0.18305)
    assert loc.shape == Circle(50.0)
    assert loc.confidence == 90
    assert loc.uncertainty_m90 == pytest.approx(50.0)  # stated at 90 %: unchanged
    assert loc.method == "wifi"
    assert loc.time == datetime(2013, 7, 17, 14, 19, 35, tzinfo=UTC)
    assert loc.device.imsi == "123456789012345"
    assert loc.device.imei == "1234567890123456"
    assert loc.extra == {"mcc": "234", "mnc": "30"}
    assert loc.raw == AML_V1_A
    assert loc.has_location


def test_second_public_message_is_126_characters_long():
    assert len(AML_V1_B) == 126
    loc = parse_aml_sms(AML_V1_B)
    assert (loc.lat, loc.lon) == (48.82639, -2.36619)
    assert loc.method == "gnss"
    assert loc.confidence == 68
    assert loc.uncertainty_m90 == pytest.approx(52 * R90_PER_R68)
    assert loc.time == datetime(2019, 11, 12, 11, 29, 28, tzinfo=UTC)

    error = rejected(AML_V1_B.replace("ml=126", "ml=128"))
    assert error.field == "ml"
    assert "126" in error.reason


def test_builder_reproduces_the_public_message():
    assert aml_v1() == AML_V1_A


@pytest.mark.parametrize(
    ("message", "field"),
    [
        (AML_V1_A.replace("ml=128", "ml=127"), "ml"),
        (AML_V1_A.replace("ml=128", "ml=12x"), "ml"),
        (aml_v1(ml=None).rsplit(";ml=", 1)[0], "ml"),  # no ml at all
        (aml_v1(xx="1"), "xx"),  # unknown key, named
        (aml_v1(top="20130717"), "top"),
        (aml_v1(top="20130230141935"), "top"),  # 30 February
        (aml_v1(top="20131717141935"), "top"),  # month 17
        (aml_v1(pm="Z"), "pm"),
        (aml_v1(pm="w"), "pm"),
        (aml_v1(pm=None), "pm"),
        (aml_v1(lc="99.9"), "lc"),
        (aml_v1(lc="101"), "lc"),
        (aml_v1(lc="-1"), "lc"),
        (aml_v1(lt="+g4.7d397"), "lt"),
        (aml_v1(lt="91.00000"), "lt"),
        (aml_v1(lt="54,76397"), "lt"),
        (aml_v1(lt="٥٤.76397"), "lt"),  # Arabic-Indic digits are not ASCII digits
        (aml_v1(lg="-181.0"), "lg"),
        (aml_v1(lg="1e2"), "lg"),
        (aml_v1(lt=None), "lt"),
        (aml_v1(rd="-5"), "rd"),
        (aml_v1(rd=""), "rd"),
        (aml_v1(ei="12345"), "ei"),
        (aml_v1(si="12345678901234567"), "si"),
        (aml_v1(mcc="23"), "mcc"),
    ],
)
def test_invalid_v1_messages_are_rejected_with_the_field(message, field):
    error = rejected(message)
    assert error.field == field
    assert error.reason
    assert str(error) == f"{field}: {error.reason}"


def test_duplicate_key_is_rejected():
    message = with_ml(aml_v1().rsplit(";ml=", 1)[0] + ";lc=68")
    error = rejected(message)
    assert (error.field, error.reason) == ("lc", "duplicate key")


@pytest.mark.parametrize(
    "message",
    [
        "hello",
        'A"ML=3;lt=1;ml=14',
        'A"ML=;pm=N;ml=12',
        'a"ml=1;pm=N',
        'A"ML=1x;pm=N',
        ' A"ML=1;pm=N',
    ],
)
def test_header_decides_the_version(message):
    assert rejected(message).field == "header"


def test_pair_without_equals_sign_is_rejected():
    error = rejected(with_ml('A"ML=1;pm=N;garbage'))
    assert error.field == "message"


def test_no_location():
    loc = parse_aml_sms(with_ml('A"ML=1;top=20240601082000;pm=N;ei=353472104343540'))
    assert loc.lat is None and loc.lon is None
    assert not loc.has_location
    assert loc.shape is None and loc.uncertainty_m90 is None
    assert loc.method == "none"
    assert loc.uncertainty_ring() is None
    assert loc.time == datetime(2024, 6, 1, 8, 20, tzinfo=UTC)


def test_no_location_tolerates_empty_location_fields():
    loc = parse_aml_sms(with_ml('A"ML=1;lt=;lg=;rd=;pm=N'))
    assert not loc.has_location


def test_no_location_must_not_carry_coordinates():
    error = rejected(aml_v1(pm="N"))
    assert error.field == "lt"
    assert "pm=N" in error.reason


def test_radius_zero_means_unknown():
    loc = parse_aml_sms(aml_v1(rd="0"))
    assert loc.has_location
    assert loc.shape is None
    assert loc.uncertainty_m90 is None
    assert loc.uncertainty_ring() is None


def test_unstated_confidence_is_read_as_68_percent():
    loc = parse_aml_sms(aml_v1(lc=None))
    assert loc.confidence is None
    assert loc.uncertainty_m90 == pytest.approx(50 * R90_PER_R68)


def test_pm_unknown_keeps_the_location():
    loc = parse_aml_sms(aml_v1(pm="U", lt="0.50710", lg="+101.44780"))
    assert loc.method == "unknown"
    assert (loc.lat, loc.lon) == (0.5071, 101.4478)


def test_trailing_newline_from_a_gateway_is_not_counted():
    loc = parse_aml_sms(AML_V1_A + "\r\n")
    assert loc.lat == 54.76397
    assert loc.raw == AML_V1_A + "\r\n"


def test_bytes_are_decoded_as_utf8():
    assert parse_aml_sms(AML_V1_A.encode()).lat == 54.76397
    assert rejected(b'A"ML=1;pm=\xff').field == "body"


def test_errors_never_echo_device_ids():
    error = rejected(aml_v1(ei="35347210434354X"))
    assert error.field == "ei"
    assert "35347210434354" not in str(error)


# --- version 2 ---------------------------------------------------------------------------------


def test_v2_message():
    loc = parse_aml_sms(aml_v2())
    assert loc.format == "aml-sms-v2"
    assert (loc.lat, loc.lon) == (0.5071, 101.4478)
    assert loc.shape == Circle(15.0)
    assert loc.confidence == 68
    assert loc.uncertainty_m90 == pytest.approx(15 * R90_PER_R68)
    assert loc.method == "gnss"
    # lt is an offset in seconds from et (call start), not a latitude.
    assert loc.time == datetime(2024, 6, 1, 8, 19, 55, tzinfo=UTC)
    assert loc.altitude_m == 31.5
    assert loc.vertical_uncertainty_m == 8.0
    assert loc.device.imei == "353472104343540"
    assert loc.extra == {
        "emergency_number": "112",
        "call_start": "2024-06-01T08:20:00+00:00",
        "mcc": "510",
        "mnc": "10",
        "home_mcc": "510",
        "home_mnc": "11",
        "languages": "id,en",  # lg is languages in v2, not a longitude
    }


def test_v2_ml_is_optional_but_checked_when_present():
    assert parse_aml_sms(aml_v2(ml=False)).lat == 0.5071
    message = aml_v2()
    total = len(message)
    error = rejected(message.replace(f"ml={total}", f"ml={total + 1}"))
    assert error.field == "ml"


@pytest.mark.parametrize(
    ("source", "method"),
    [("G", "gnss"), ("W", "wifi"), ("C", "cell"), ("U", "unknown"), ("F", "fused")],
)
def test_v2_sources(source, method):
    assert parse_aml_sms(aml_v2(ls=source)).method == method


def test_v2_without_source_is_unknown():
    assert parse_aml_sms(aml_v2(ls=None)).method == "unknown"


def test_v2_without_position():
    loc = parse_aml_sms(aml_v2(lo=None, lz=None))
    assert not loc.has_location
    assert loc.method == "none"
    assert loc.extra["emergency_number"] == "112"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"lt": "+54.76397"}, "lt"),  # a v1 latitude is not a v2 time offset
        ({"lg": "-0.18305"}, "lg"),  # a v1 longitude is not a v2 language list
        ({"pm": "G"}, "pm"),  # v1 key in a v2 message
        ({"ls": "N"}, "ls"),
        ({"lo": "0.5071,101.4478"}, "lo"),
        ({"lo": "0.5071,101.4478,-3"}, "lo"),
        ({"lo": "95.0,101.4478,10"}, "lo"),
        ({"lz": "31.5"}, "lz"),
        ({"lo": None}, "lz"),  # altitude without a position
        ({"et": None}, "et"),  # lt cannot be resolved
        ({"et": "17172300000000000"}, "et"),
        ({"nc": "5101"}, "nc"),
        ({"en": "11 2"}, "en"),
        ({"lc": "68.5"}, "lc"),
    ],
)
def test_invalid_v2_messages(values, field):
    assert rejected(aml_v2(**values)).field == field


def test_v2_reads_the_version_before_the_keys():
    # The v1 public message under a v2 header: rd is not a v2 key (lt and lg are, with
    # other meanings).
    error = rejected(with_ml(AML_V1_A.rsplit(";ml=", 1)[0].replace('A"ML=1', 'A"ML=2')))
    assert (error.field, error.reason) == ("rd", "unknown key")
