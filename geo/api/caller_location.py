"""POST /api/geo/caller-location/: a device location as the telephony side sends it (AML SMS as
text/plain, AML over HTTPS form-encoded, PIDF-LO XML) → one GeoJSON Feature with the 90 %
uncertainty, method, confidence, time and the reverse-geocoded place."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from geo.caller_location import (
    CallerLocation,
    ParseError,
    parse_aml_https,
    parse_aml_sms,
    parse_pidf_lo,
)
from geo.geocoding.reverse import reverse

MAX_PAYLOAD = 16 * 1024
FORMATS = {
    "text/plain": "aml-sms",
    "application/x-www-form-urlencoded": "aml-https",
    "application/pidf+xml": "pidf-lo",
    "application/xml": "pidf-lo",
    "text/xml": "pidf-lo",
}


@dataclass
class PayloadError(Exception):
    status: int
    body: dict


def parse_payload(content_type: str, body: bytes) -> CallerLocation:
    """Parse a device-location payload by its media type (raises PayloadError → 4xx)."""
    media = (content_type or "").split(";")[0].strip().lower()
    kind = FORMATS.get(media)
    if kind is None:
        raise PayloadError(
            415,
            {
                "errors": [
                    {
                        "field": "Content-Type",
                        "reason": _(
                            "gunakan text/plain (AML SMS), application/x-www-form-urlencoded "
                            "(AML HTTPS) atau application/pidf+xml (PIDF-LO)"
                        ),
                    }
                ]
            },
        )
    if len(body) > MAX_PAYLOAD:
        raise PayloadError(
            413,
            {
                "errors": [
                    {
                        "field": "body",
                        "reason": _("muatan lebih dari %(n)d byte") % {"n": MAX_PAYLOAD},
                    }
                ]
            },
        )
    try:
        if kind == "aml-sms":
            return parse_aml_sms(body.decode("utf-8"))
        if kind == "aml-https":
            key = settings.AML_HMAC_KEY.encode() if settings.AML_HMAC_KEY else None
            return parse_aml_https(body, key)
        return parse_pidf_lo(body)
    except UnicodeDecodeError:
        error = {"field": "body", "reason": "not UTF-8 text"}
        raise PayloadError(400, {"errors": [error]}) from None
    except ParseError as exc:
        raise PayloadError(400, {"errors": [{"field": exc.field, "reason": exc.reason}]}) from None


def location_feature(loc: CallerLocation) -> dict:
    properties = {
        "format": loc.format,
        "method": loc.method,
        "confidence": loc.confidence,
        "uncertainty_m": round(loc.uncertainty_m90, 1) if loc.uncertainty_m90 is not None else None,
        "time": loc.time.isoformat() if loc.time else None,
        "altitude_m": loc.altitude_m,
        "device": loc.device.masked(),
        "civic": loc.civic,
        "has_location": loc.has_location,
    }
    geometry = None
    if loc.has_location:
        geometry = {"type": "Point", "coordinates": [loc.lon, loc.lat]}
        ring = loc.uncertainty_ring()
        properties["uncertainty_area"] = (
            {"type": "Polygon", "coordinates": [[list(p) for p in ring]]} if ring else None
        )
        properties.update(reverse(loc.lat, loc.lon))
    return {"type": "Feature", "geometry": geometry, "properties": properties}


class CallerLocationView(APIView):
    """Parse a caller's device location. Nothing is stored here (see /api/calls/{id}/…)."""

    parser_classes = []  # the raw body is parsed by the AML / PIDF-LO parsers

    @extend_schema(
        request={
            "text/plain": OpenApiTypes.STR,
            "application/x-www-form-urlencoded": OpenApiTypes.STR,
            "application/pidf+xml": OpenApiTypes.STR,
        },
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        try:
            loc = parse_payload(request.content_type, request.body)
        except PayloadError as exc:
            return Response(exc.body, status=exc.status)
        return Response(location_feature(loc))
