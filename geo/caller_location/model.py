"""The one value every caller-location parser returns, and the uncertainty normalisation.

Uncertainty normalisation (REFERENCE.md §2). For a circular two-dimensional normal error the
radius that holds the true position with probability p is σ·√(−2 ln(1 − p)), so a radius r_c
stated at confidence c becomes r90 = r_c · √(−2 ln 0.1) / √(−2 ln(1 − c)):
r90 ≈ 1.4216 × r68 and r90 ≈ 0.8767 × r95.

* Confidence not stated: 68 % for AML (SMS and HTTPS; Android reports a 68 % radius), 95 % for
  PIDF-LO (RFC 5491 expresses shapes at 95 %; RFC 7459 keeps 95 % as the confidence
  to assume when <con:confidence> is absent).
* A stated confidence of 100 % cannot come from a normal error (its radius would be infinite):
  the stated radius is kept as the 90 % radius (it contains the 90 % area: conservative).
  A stated confidence of 0 % says nothing: the uncertainty is unknown (None).
* Circle: the radius is scaled. Ellipse: both axes are scaled by the same factor and
  ``uncertainty_m90`` is the scaled semi-major axis.
* Polygon and arc-band are geometric regions, not normal errors: they are used as given, not
  rescaled, and ``uncertainty_m90`` is the radius of the smallest circle centred on the
  location's point that contains the region (the largest point-to-vertex distance).
* Zero radius (AML ``rd=0``, zero accuracy) means "unknown": no shape and no uncertainty.
* 3-D shapes (sphere, ellipsoid, prism) are reduced to their 2-D footprint and normalised as
  2-D shapes. A 3-D confidence region's footprint holds more than the stated probability, so
  this over-states the horizontal uncertainty slightly (conservative). The vertical uncertainty is
  kept as stated by the sender, not normalised.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from geo.caller_location.shapes import (
    ArcBand,
    Circle,
    Ellipse,
    LonLat,
    Polygon,
    Shape,
    arcband_ring,
    circle_ring,
    ellipse_ring,
    max_distance_m,
    orient_ccw,
)

FORMATS = ("aml-sms-v1", "aml-sms-v2", "aml-https", "pidf-lo")
METHODS = ("gnss", "wifi", "cell", "hybrid", "fused", "manual", "unknown", "none")

DEFAULT_CONFIDENCE_AML = 68
DEFAULT_CONFIDENCE_PIDF = 95

Z90 = math.sqrt(-2.0 * math.log(0.1))  # radius at 90 % in units of σ (≈ 2.1460)

# Longest uncertainty length accepted (radii, axes, accuracies): a quarter of the way round the
# Earth. Anything larger is not a location estimate.
MAX_DISTANCE_M = 10_000_000.0

# Positioning times accepted from senders (epoch values outside are treated as malformed).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


class ParseError(ValueError):
    """A payload that cannot be read: ``field`` names the offending key/element/attribute and
    ``reason`` says what is wrong (never echoes device identifiers)."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


def mask(value: str | None) -> str | None:
    """Hide an identifier but for a short prefix (country code / first two) and the last three
    characters: "+6281234567789" → "+62********789". Short values keep only the last three (or
    nothing when four characters or fewer)."""
    if value is None:
        return None
    n = len(value)
    if n <= 4:
        return "*" * n
    head = 3 if value.startswith("+") else 2
    if n - head - 3 < 4:
        head = 0
    return value[:head] + "*" * (n - head - 3) + value[-3:]


@dataclass(frozen=True, repr=False)
class DeviceIds:
    """Identifiers of the calling device. Never printed in clear (repr/str are masked)."""

    number: str | None = None
    imei: str | None = None
    imsi: str | None = None
    model: str | None = None

    def masked(self) -> dict[str, str | None]:
        return {
            "number": mask(self.number),
            "imei": mask(self.imei),
            "imsi": mask(self.imsi),
            "model": mask(self.model),
        }

    def __repr__(self) -> str:
        inner = ", ".join(f"{key}={value!r}" for key, value in self.masked().items())
        return f"DeviceIds({inner})"

    __str__ = __repr__


def scale_to_90(confidence: float) -> float | None:
    """Factor r90 / r_c for a radius stated at ``confidence`` percent (see the module doc)."""
    if not confidence > 0:  # also catches NaN
        return None
    if confidence >= 100:
        return 1.0
    return Z90 / math.sqrt(-2.0 * math.log(1.0 - confidence / 100.0))


def uncertainty_90(
    shape: Shape | None,
    lat: float | None,
    lon: float | None,
    confidence: float | None,
    default_confidence: float,
) -> float | None:
    """The normalised 90 % radius in metres for a shape around lat/lon (None if unknown)."""
    if shape is None or lat is None or lon is None:
        return None
    if isinstance(shape, Polygon):
        return max_distance_m(lon, lat, shape.ring)
    if isinstance(shape, ArcBand):
        return max_distance_m(lon, lat, arcband_ring(shape))
    factor = scale_to_90(default_confidence if confidence is None else confidence)
    if factor is None:
        return None
    if isinstance(shape, Circle):
        return shape.radius_m * factor
    return max(shape.semi_major_m, shape.semi_minor_m) * factor


@dataclass(frozen=True, repr=False)
class CallerLocation:
    """A device-reported caller location, whatever format it came in.

    ``lat``/``lon`` are WGS84 degrees, None when the message carries no location. For an
    arc-band they are the band's centroid (the arc centre, e.g. the cell site, lies outside the
    band); for a polygon the polygon's centroid. ``confidence`` is as stated by the sender (None
    when not stated); ``uncertainty_m90`` is normalised to 90 % (see the module doc).
    """

    format: str
    lat: float | None
    lon: float | None
    shape: Shape | None
    confidence: int | None
    uncertainty_m90: float | None
    method: str
    time: datetime | None
    altitude_m: float | None = None
    vertical_uncertainty_m: float | None = None
    device: DeviceIds = field(default_factory=DeviceIds)
    civic: dict[str, str] | None = field(default=None, hash=False)
    extra: dict[str, str] = field(default_factory=dict, hash=False)
    raw: str = ""

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"unknown format {self.format!r}")
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}")
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon go together")
        if self.time is not None and self.time.utcoffset() is None:
            raise ValueError("time must be timezone-aware")

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lon is not None

    def uncertainty_ring(self, segments: int = 32) -> list[LonLat] | None:
        """Closed, counter-clockwise (lon, lat) ring of the 90 % uncertainty area, or None.

        Circle: radius ``uncertainty_m90``. Ellipse: both axes scaled by the same 90 % factor,
        same orientation. Polygon: the sender's ring (re-oriented counter-clockwise if needed).
        ArcBand: the band itself, not rescaled (its radii come from ranging, not from a normal
        error); a full 360° band is drawn as its outer circle. ``segments`` is the number of
        vertices of a full circle.
        """
        if segments < 4:
            raise ValueError("segments must be at least 4")
        shape = self.shape
        if self.lat is None or self.lon is None or shape is None:
            return None
        if isinstance(shape, Polygon):
            return orient_ccw(shape.ring)
        if isinstance(shape, ArcBand):
            return arcband_ring(shape, segments)
        if self.uncertainty_m90 is None:
            return None
        if isinstance(shape, Circle):
            return circle_ring(self.lat, self.lon, self.uncertainty_m90, segments)
        if isinstance(shape, Ellipse):
            major = max(shape.semi_major_m, shape.semi_minor_m)
            factor = self.uncertainty_m90 / major if major > 0 else 0.0
            return ellipse_ring(
                self.lat,
                self.lon,
                shape.semi_major_m * factor,
                shape.semi_minor_m * factor,
                shape.orientation_deg,
                segments,
            )
        return None

    def __repr__(self) -> str:
        civic = sorted(self.civic) if self.civic is not None else None
        return (
            f"CallerLocation(format={self.format!r}, lat={self.lat!r}, lon={self.lon!r}, "
            f"shape={self.shape!r}, confidence={self.confidence!r}, "
            f"uncertainty_m90={self.uncertainty_m90!r}, method={self.method!r}, "
            f"time={self.time.isoformat() if self.time else None!r}, "
            f"altitude_m={self.altitude_m!r}, "
            f"vertical_uncertainty_m={self.vertical_uncertainty_m!r}, device={self.device!r}, "
            f"civic_elements={civic!r}, extra={self.extra!r})"
        )

    __str__ = __repr__


# --- validation helpers shared by the parsers -------------------------------------------------

_DECIMAL = re.compile(
    r"[+-]?(?:[0-9]{1,20}(?:\.[0-9]{0,20})?|\.[0-9]{1,20})"  # digits, optional fraction
    r"(?:[eE][+-]?[0-9]{1,3})?"  # optional exponent
)


def parse_number(text: str | None, field_name: str) -> float:
    """A finite decimal number (optionally with an exponent, as xs:double / Java print them)."""
    value = (text or "").strip()
    if not value:
        raise ParseError(field_name, "missing value")
    if not _DECIMAL.fullmatch(value):
        raise ParseError(field_name, f"not a number: {value[:24]!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ParseError(field_name, "not a finite number")
    return number


def check_lat(lat: float, field_name: str) -> float:
    if not -90.0 <= lat <= 90.0:
        raise ParseError(field_name, f"latitude {lat} outside [-90, 90]")
    return lat


def check_lon(lon: float, field_name: str) -> float:
    if not -180.0 <= lon <= 180.0:
        raise ParseError(field_name, f"longitude {lon} outside [-180, 180]")
    return lon


def check_distance(value: float, field_name: str) -> float:
    """A non-negative length in metres, at most MAX_DISTANCE_M."""
    if value < 0:
        raise ParseError(field_name, "must not be negative")
    if value > MAX_DISTANCE_M:
        raise ParseError(field_name, f"more than {MAX_DISTANCE_M:.0f} m")
    return value


def check_time(value: datetime, field_name: str) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise ParseError(field_name, "time outside 2000–2099")
    return value


def epoch_time(text: str, field_name: str, *, millis: bool) -> datetime:
    """A UTC time from an unsigned epoch count of seconds or milliseconds."""
    if not re.fullmatch(r"[0-9]{1,16}", text):
        unit = "milliseconds" if millis else "seconds"
        raise ParseError(field_name, f"expected epoch {unit} (digits only)")
    seconds = int(text) / 1000.0 if millis else int(text)
    if not EARLIEST.timestamp() <= seconds < LATEST.timestamp():
        raise ParseError(field_name, "time outside 2000–2099")
    return datetime.fromtimestamp(seconds, tz=UTC)


def confidence_percent(value: float, field_name: str) -> float:
    if not 0.0 <= value <= 100.0:
        raise ParseError(field_name, f"confidence {value} outside 0–100 %")
    return value
