"""Nearest responders by drive time, and dispatch. Views validate; incidents.responders ranks."""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from geo.api.serializers import FiniteFloat
from incidents import responders, services, unit_status
from incidents.api.serializers import IncidentSerializer
from incidents.choices import UnitKind, UnitStatus
from incidents.models import Incident


class NearestQuery(serializers.Serializer):
    lat = FiniteFloat(min_value=-90, max_value=90)
    lon = FiniteFloat(min_value=-180, max_value=180)
    agency = serializers.SlugField(required=False)
    kind = serializers.ChoiceField(choices=UnitKind.choices, required=False)
    k = serializers.IntegerField(min_value=1, max_value=20, default=3)


class KQuery(serializers.Serializer):
    agency = serializers.SlugField(required=False)
    kind = serializers.ChoiceField(choices=UnitKind.choices, required=False)
    k = serializers.IntegerField(min_value=1, max_value=20, default=3)


def _answer_json(answer: responders.Answer) -> dict:
    return {
        "source": answer.source,
        "note": answer.note,
        "snapped_m": answer.snapped_m,
        "results": [
            {
                "kind": r.kind,
                "id": r.id,
                "code": r.code,
                "name": r.name,
                "agency": r.agency,
                "point": list(r.point),
                "eta_s": r.eta_s,
                "distance_m": r.distance_m,
                "straight_m": r.straight_m,
                "method": r.method,
                "route": r.route,
                **r.extra,
            }
            for r in answer.results
        ],
    }


class NearestView(APIView):
    """Available units nearest by drive time to a point (stations when no unit is fresh)."""

    @extend_schema(parameters=[NearestQuery], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        q = NearestQuery(data=request.query_params)
        q.is_valid(raise_exception=True)
        v = q.validated_data
        answer = responders.nearest(
            Point(v["lon"], v["lat"], srid=4326), v.get("agency"), v.get("kind"), v["k"]
        )
        return Response(_answer_json(answer))


class IncidentNearestUnitsView(APIView):
    @extend_schema(parameters=[KQuery], responses={200: OpenApiTypes.OBJECT})
    def get(self, request, pk: int):
        q = KQuery(data=request.query_params)
        q.is_valid(raise_exception=True)
        v = q.validated_data
        incident = get_object_or_404(Incident, pk=pk)
        if incident.point is None:
            return Response(
                {
                    "source": None,
                    "note": "the incident has no confirmed location",
                    "snapped_m": None,
                    "results": [],
                }
            )
        answer = responders.nearest(incident.point, v.get("agency"), v.get("kind"), v["k"])
        return Response(_answer_json(answer))


class DispatchInput(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1)


class DispatchView(APIView):
    @extend_schema(request=DispatchInput, responses={200: IncidentSerializer})
    def post(self, request, pk: int):
        data = DispatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.dispatch(request.user, pk, data.validated_data["unit"])
        return Response(IncidentSerializer(incident).data)


class UnitStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=UnitStatus.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class UnitStatusView(APIView):
    """A crew's report, relayed by the operator: en route → on scene → returning → available
    (or out of service). An illegal move is 409 with the moves allowed from the unit's status."""

    @extend_schema(request=UnitStatusInput, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, pk: int):
        data = UnitStatusInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        unit = unit_status.set_status(request.user, pk, v["status"], v["note"])
        return Response(unit_status.unit_summary(unit))


class BatchJSONParser(JSONParser):
    """An AVL batch body: decoded typed by msgspec when every fix is of the usual form (the fast
    path), else as plain JSON (ujson: NaN/Infinity pass the parser and are then rejected per fix
    by the range checks). See incidents.avl.batch."""

    def parse(self, stream, media_type=None, parser_context=None):
        from incidents.avl.batch import decode

        try:
            return decode(stream.read() if stream is not None else b"")
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None


class PositionsView(APIView):
    """A batch of AVL fixes (a JSON array, or a GeoJSON FeatureCollection of Points):
    ``{"unit": code, "time": ISO 8601, "lon", "lat", "speed_kmh", "heading_deg", "accuracy_m"}``.
    Bad fixes are listed with their reason; fixes already stored (or twice in the batch) are
    counted as duplicates with their indices; the others are stored."""

    parser_classes = [BatchJSONParser]

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
    def post(self, request):
        from incidents import avl

        data = request.data
        fixes = data.get("features") if isinstance(data, dict) else data
        if not isinstance(fixes, list | avl.Typed):
            return Response(
                {"body": ["send a JSON array of fixes or a FeatureCollection"]}, status=400
            )
        if len(fixes) > avl.MAX_BATCH:
            return Response({"body": [f"at most {avl.MAX_BATCH} fixes per batch"]}, status=413)
        try:
            outcome = avl.ingest(fixes)
        except avl.batch.BadBody as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        return Response(
            {
                "stored": outcome.stored,
                "duplicates": outcome.duplicates,
                "duplicate_indices": outcome.duplicate_indices,
                "moved": outcome.moved,
                "rejected": outcome.rejected,
            }
        )


class CoverageQuery(serializers.Serializer):
    agency = serializers.SlugField()
    minutes = serializers.CharField(default="4,8")

    def validate_minutes(self, value: str) -> list[int]:
        try:
            minutes = sorted({int(v) for v in value.split(",") if v.strip()})
        except ValueError:
            raise serializers.ValidationError("comma-separated whole minutes, e.g. 4,8") from None
        if not minutes or len(minutes) > 5 or minutes[0] < 1 or minutes[-1] > 30:
            raise serializers.ValidationError("one to five limits between 1 and 30 minutes")
        return minutes


class CoverageView(APIView):
    """Isochrones per station and the share of kelurahan area and of last year's incidents
    that the agency reaches within each limit."""

    @extend_schema(parameters=[CoverageQuery], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        from incidents.coverage import coverage
        from incidents.models import Agency

        q = CoverageQuery(data=request.query_params)
        q.is_valid(raise_exception=True)
        agency = q.validated_data["agency"]
        if not Agency.objects.filter(code=agency).exists():
            return Response({"agency": [f"unknown agency {agency!r}"]}, status=400)
        return Response(coverage(agency, q.validated_data["minutes"]))
