"""Geocoding endpoints. Views validate and declare; the work is in geo.geocoding."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from geo.api.serializers import GeocodeQuerySerializer, ReverseQuerySerializer
from geo.geocoding.forward import Candidate, geocode
from geo.geocoding.reverse import reverse


def _feature(cand: Candidate) -> dict:
    properties = {
        "label": cand.label,
        "kind": cand.kind,
        "score": cand.score,
        "uncertainty_m": round(cand.uncertainty_m, 1),
        "kelurahan": cand.kelurahan,
        "kecamatan": cand.kecamatan,
        "matched": cand.matched,
    }
    properties.update({k: v for k, v in cand.extra.items() if k != "street_ids"})
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(cand.lon, 7), round(cand.lat, 7)]},
        "properties": properties,
    }


class GeocodeView(APIView):
    """Forward geocoding of what a caller says: a GeoJSON FeatureCollection, best first."""

    @extend_schema(parameters=[GeocodeQuerySerializer], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        params = GeocodeQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        parsed, candidates = geocode(params.validated_data["q"], params.validated_data["limit"])
        return Response(
            {
                "type": "FeatureCollection",
                "query": {
                    "text": parsed.text,
                    "house_number": parsed.house_number,
                    "rt": parsed.rt,
                    "rw": parsed.rw,
                    "relative": parsed.relative,
                },
                "features": [_feature(c) for c in candidates],
            }
        )


class ReverseView(APIView):
    """Reverse geocoding: kelurahan, kecamatan, nearest street and landmark at a point."""

    @extend_schema(parameters=[ReverseQuerySerializer], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        params = ReverseQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        lat, lon = params.validated_data["lat"], params.validated_data["lon"]
        return Response(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": reverse(lat, lon),
            }
        )
