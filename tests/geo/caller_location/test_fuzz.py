"""Mutated payloads: the parsers raise ParseError and nothing else (no KeyError, IndexError…).

Deterministic (fixed seeds). Every mutant that parses must also yield a usable value: repr, the
uncertainty ring and the masked ids must work on it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import pytest

from geo.caller_location import (
    CallerLocation,
    ParseError,
    parse_aml_https,
    parse_aml_sms,
    parse_pidf_lo,
)
from tests.geo.caller_location import (
    AML_V1_A,
    AML_V1_B,
    CRS3,
    DEG,
    HMAC_KEY,
    LAT,
    LON,
    PIDF_CIRCLE,
    M,
    aml_v2,
    circle,
    device,
    https_body,
    presence,
)

TOKENS = [
    b";",
    b"=",
    b",",
    b"&",
    b"%",
    b"%2",
    b"+",
    b"-",
    b".",
    b"e999",
    b"1e-400",
    b"<",
    b">",
    b"</",
    b'"',
    b"&amp;",
    b"&#0;",
    b"\x00",
    b"\xff",
    b"\xc3",
    "٣".encode(),
    b"NaN",
    b"9" * 30,
    b"",
]

PIDF_SHAPES = presence(
    device(
        f'<gs:ArcBand srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>{LAT} {LON}</gml:pos>'
        f'<gs:innerRadius uom="{M}">100</gs:innerRadius>'
        f'<gs:outerRadius uom="{M}">900</gs:outerRadius>'
        f'<gs:startAngle uom="{DEG}">300</gs:startAngle>'
        f'<gs:openingAngle uom="{DEG}">120</gs:openingAngle></gs:ArcBand>'
        '<con:confidence pdf="normal">68</con:confidence>',
        timestamp="2024-06-01T08:00:00Z",
    ),
    device(
        '<gml:Polygon srsName="urn:ogc:def:crs:EPSG::4326"><gml:exterior><gml:LinearRing>'
        "<gml:posList>0.50 101.40 0.50 101.43 0.53 101.40 0.50 101.40</gml:posList>"
        "</gml:LinearRing></gml:exterior></gml:Polygon>"
        "<ca:civicAddress><ca:country>ID</ca:country><ca:A2>Pekanbaru</ca:A2></ca:civicAddress>",
        timestamp="2024-06-01T08:05:00+07:00",
    ),
    device(
        f'<gs:Ellipsoid srsName="{CRS3}"><gml:pos>{LAT} {LON} 26.3</gml:pos>'
        f'<gs:semiMajorAxis uom="{M}">7.7</gs:semiMajorAxis>'
        f'<gs:semiMinorAxis uom="{M}">3.3</gs:semiMinorAxis>'
        f'<gs:verticalAxis uom="{M}">28.7</gs:verticalAxis>'
        f'<gs:orientation uom="{DEG}">90</gs:orientation></gs:Ellipsoid>',
        timestamp="2024-06-01T08:01:00Z",
    ),
)
PIDF_PRISM = presence(
    device(
        f'<gs:Prism srsName="{CRS3}"><gs:base><gml:Polygon><gml:exterior><gml:LinearRing>'
        "<gml:posList>0.50 101.40 10 0.50 101.43 10 0.53 101.40 10 0.50 101.40 10</gml:posList>"
        "</gml:LinearRing></gml:exterior></gml:Polygon></gs:base>"
        f'<gs:height uom="{M}">3</gs:height></gs:Prism>'
    ),
    device(circle("5"), timestamp=None),
)


def mutants(data: bytes, seed: int, *, step: int, count: int) -> Iterator[bytes]:
    """Truncations every ``step`` bytes, then ``count`` random edits (flips, token insertions,
    deletions, duplications), each applied to the original."""
    for end in range(0, len(data), step):
        yield data[:end]
    rng = random.Random(seed)
    for _ in range(count):
        out = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            if not out:
                break
            where = rng.randrange(len(out))
            kind = rng.randrange(4)
            if kind == 0:
                out[where] = rng.randrange(256)
            elif kind == 1:
                out[where:where] = rng.choice(TOKENS)
            elif kind == 2:
                del out[where : where + rng.randint(1, 12)]
            else:
                span = out[where : where + rng.randint(1, 20)]
                out[where:where] = span
        yield bytes(out)


def exercise(parse: Callable[[bytes], CallerLocation], payload: bytes) -> bool:
    """True when the payload parsed, False on ParseError; anything else fails the test."""
    try:
        loc = parse(payload)
    except ParseError as error:
        assert error.field
        assert error.reason
        return False
    assert isinstance(loc, CallerLocation)
    repr(loc)
    loc.device.masked()
    ring = loc.uncertainty_ring(segments=8)
    if ring is not None:
        assert ring[0] == ring[-1]
    return True


def sms_text(data: bytes) -> CallerLocation:
    return parse_aml_sms(data.decode("utf-8", errors="replace"))


def as_text(parse: Callable[[str], CallerLocation]) -> Callable[[bytes], CallerLocation]:
    """Feed the parser a str; undecodable bytes become lone surrogates (surrogateescape)."""
    return lambda data: parse(data.decode("utf-8", errors="surrogateescape"))


def https_signed(data: bytes) -> CallerLocation:
    return parse_aml_https(data, HMAC_KEY)


def https_unsigned(data: bytes) -> CallerLocation:
    return parse_aml_https(data, None)


CASES = [
    ("sms-v1-a-bytes", parse_aml_sms, AML_V1_A.encode(), 1, 600),
    ("sms-v1-b-text", sms_text, AML_V1_B.encode(), 1, 600),
    ("sms-v2-text", sms_text, aml_v2().encode(), 1, 600),
    ("sms-v2-bytes", parse_aml_sms, aml_v2(ml=False).encode(), 1, 600),
    ("https-signed", https_signed, https_body().encode(), 3, 400),
    ("https-unsigned", https_unsigned, https_body(key=None).encode(), 3, 800),
    ("sms-v1-surrogates", as_text(parse_aml_sms), AML_V1_A.encode(), 2, 400),
    ("https-surrogates", as_text(https_unsigned), https_body(key=None).encode(), 5, 400),
    ("pidf-circle", parse_pidf_lo, PIDF_CIRCLE.encode(), 5, 600),
    ("pidf-surrogates", as_text(parse_pidf_lo), PIDF_CIRCLE.encode(), 7, 400),
    ("pidf-shapes", parse_pidf_lo, PIDF_SHAPES.encode(), 13, 600),
    ("pidf-prism", parse_pidf_lo, PIDF_PRISM.encode(), 11, 400),
]


@pytest.mark.parametrize(
    ("parse", "payload", "step", "count"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_only_parse_errors_escape(parse, payload, step, count):
    assert exercise(parse, payload)  # the unmutated payload is valid
    outcomes = [
        exercise(parse, mutant)
        for mutant in mutants(payload, seed=len(payload), step=step, count=count)
    ]
    # Both outcomes occur: the mutations reach the validation, not just the first check.
    assert outcomes.count(False) > len(outcomes) // 2
    assert outcomes.count(True) > 0
