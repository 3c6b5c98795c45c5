"""Caller (device) location from the telephony side: AML SMS v1/v2, AML over HTTPS and PIDF-LO,
parsed into one CallerLocation value with the uncertainty normalised to 90 % (pure Python)."""

from geo.caller_location.aml_https import parse_aml_https
from geo.caller_location.aml_sms import parse_aml_sms
from geo.caller_location.model import (
    DEFAULT_CONFIDENCE_AML,
    DEFAULT_CONFIDENCE_PIDF,
    CallerLocation,
    DeviceIds,
    ParseError,
    scale_to_90,
)
from geo.caller_location.pidflo import parse_pidf_lo
from geo.caller_location.shapes import ArcBand, Circle, Ellipse, Polygon, Shape

__all__ = [
    "DEFAULT_CONFIDENCE_AML",
    "DEFAULT_CONFIDENCE_PIDF",
    "ArcBand",
    "CallerLocation",
    "Circle",
    "DeviceIds",
    "Ellipse",
    "ParseError",
    "Polygon",
    "Shape",
    "parse_aml_https",
    "parse_aml_sms",
    "parse_pidf_lo",
    "scale_to_90",
]
