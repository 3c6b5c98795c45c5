"""Incident and call endpoints. Views validate and declare; the services decide."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework_gis.pagination import GeoJsonPagination

from accounts.services import audit
from config.errors import Invalid
from geo.api.caller_location import PayloadError, location_feature, parse_payload
from incidents import intake, services
from incidents.api.filters import BBoxFilter, IncidentFilter
from incidents.api.serializers import (
    AssignInput,
    AttachCallInput,
    CallInput,
    CallSerializer,
    IncidentCreateInput,
    IncidentSerializer,
    IncidentUpdateInput,
    NoteInput,
    TimelineSerializer,
    TransitionInput,
)
from incidents.models import Call, Incident, IncidentAgency, Unit


def _if_match(request) -> int | None:
    """The version from If-Match: W/"v3", "v3", "3" or 3."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        return None
    token = header.removeprefix("W/").strip('"').removeprefix("v")
    if not token.isdigit():
        raise Invalid("If-Match", 'use the ETag of the incident, e.g. "v3"')
    return int(token)


class IncidentPagination(GeoJsonPagination):
    page_size = 200
    max_page_size = 1000

    def get_paginated_response_schema(self, schema):
        # The page is the serializer's FeatureCollection plus count/next/previous (the
        # drf-gis default documents a "results" key that the response does not have).
        link = {"type": "string", "nullable": True, "format": "uri"}
        page = {
            "type": "object",
            "required": ["count"],
            "properties": {"count": {"type": "integer"}, "next": link, "previous": link},
        }
        return {"allOf": [schema, page]}


class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Incidents as GeoJSON; writes go through incidents.services."""

    serializer_class = IncidentSerializer
    pagination_class = IncidentPagination
    lookup_value_regex = r"\d+"  # a non-numeric id is a 404, not a ValueError
    filterset_class = IncidentFilter
    filter_backends = [*viewsets.GenericViewSet.filter_backends, BBoxFilter]
    bbox_filter_field = "point"
    bbox_filter_include_overlapping = True
    queryset = (
        Incident.objects.select_related("type", "kelurahan", "kecamatan", "created_by")
        .prefetch_related(
            Prefetch("assignments", queryset=IncidentAgency.objects.select_related("agency")),
            Prefetch("units", queryset=Unit.objects.order_by("code")),
        )
        .order_by("-created_at", "-id")
    )

    def _respond(self, incident: Incident, code=status.HTTP_200_OK, **extra) -> Response:
        incident = self.get_queryset().get(pk=incident.pk)
        body = IncidentSerializer(incident, context={"request": self.request}).data
        if extra:
            body = {**body, **extra}
        return Response(body, status=code, headers={"ETag": f'"v{incident.version}"'})

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object())

    @extend_schema(request=IncidentCreateInput, responses={201: IncidentSerializer})
    def create(self, request):
        data = IncidentCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        key = request.headers.get("Idempotency-Key", "").strip() or None
        if key is not None and len(key) > 100:
            raise Invalid("Idempotency-Key", "at most 100 characters")
        result = services.create_incident(
            request.user,
            type=values.pop("type"),
            call=values.pop("call", None),
            idempotency_key=key,
            fingerprint=services.request_fingerprint(dict(request.data)),
            **values,
        )
        return self._respond(
            result.incident,
            status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
            suggested_agencies=services.suggested_agencies(result.incident.type),
            replayed=not result.created,
        )

    @extend_schema(request=IncidentUpdateInput, responses={200: IncidentSerializer})
    def partial_update(self, request, pk=None):
        data = IncidentUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        version = changes.pop("version", None)
        header_version = _if_match(request)
        if version is None:
            version = header_version
        incident = services.update_incident(request.user, int(pk), version, changes)
        return self._respond(incident)

    @extend_schema(request=TransitionInput, responses={200: IncidentSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        data = TransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        incident = services.transition(
            request.user,
            int(pk),
            v["to"],
            version=v.get("version") or _if_match(request),
            note=v.get("note", ""),
            merged_into=v.get("merged_into"),
        )
        return self._respond(incident)

    @extend_schema(request=AttachCallInput, responses={200: IncidentSerializer})
    @action(detail=True, methods=["post"], url_path="attach-call")
    def attach_call(self, request, pk=None):
        data = AttachCallInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._respond(
            services.attach_call(request.user, int(pk), data.validated_data["call"])
        )

    @extend_schema(request=AssignInput, responses={200: IncidentSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        data = AssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        return self._respond(services.assign(request.user, int(pk), v["agency"], v["role"]))

    @extend_schema(request=NoteInput, responses={201: TimelineSerializer})
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        data = NoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.add_note(request.user, int(pk), data.validated_data["text"])
        return Response(TimelineSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["get"], url_path="map", pagination_class=None)
    def map(self, request):
        """All matching incidents as one GeoJSON FeatureCollection (no paging), built in SQL:
        the feed of the wall and the console map. Same filters as the list."""
        queryset = self.filter_queryset(Incident.objects.all())
        return HttpResponse(queryset.map_feed(), content_type="application/json")

    @extend_schema(responses={200: TimelineSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        incident = self.get_object()
        events = incident.timeline.select_related("actor").order_by("at", "id")
        return Response(TimelineSerializer(events, many=True).data)


class CallViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Calls: intake with duplicate suggestions and the prank/silent-call advisory. Caller
    numbers are masked except for supervisors, whose every view is written to the audit log."""

    serializer_class = CallSerializer
    queryset = Call.objects.order_by("-received_at", "-id")

    def finalize_response(self, request, response, *args, **kwargs):
        if (
            getattr(request.user, "role", "") == "supervisor"
            and 200 <= response.status_code < 300
            and isinstance(response.data, dict | list)
        ):
            rows = (
                response.data.get("results", [response.data])
                if isinstance(response.data, dict)
                else response.data
            )
            ids = [row["id"] for row in rows if isinstance(row, dict) and row.get("caller_number")]
            if ids:
                audit(request.user, "caller_number.viewed", "call", ids, path=request.path)
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        request={
            "text/plain": OpenApiTypes.STR,
            "application/x-www-form-urlencoded": OpenApiTypes.STR,
            "application/pidf+xml": OpenApiTypes.STR,
        },
        responses={200: CallSerializer},
    )
    @action(detail=True, methods=["post"], url_path="device-location", parser_classes=[])
    def device_location(self, request, pk=None):
        """The caller's device location (AML SMS / AML HTTPS / PIDF-LO) for this call; stored
        apart from any incident location."""
        try:
            loc = parse_payload(request.content_type, request.body)
        except PayloadError as exc:
            return Response(exc.body, status=exc.status)
        call = intake.set_device_location(request.user, int(pk), loc)
        body = CallSerializer(call, context={"request": request}).data
        body["location"] = location_feature(loc)
        return Response(body)

    @extend_schema(request=CallInput, responses={201: CallSerializer})
    def create(self, request):
        data = CallInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        result = intake.record_call(
            request.user,
            number=v.get("caller_number", ""),
            received_at=v.get("received_at"),
            duration_s=v.get("duration_s"),
            silent=v["silent"],
            hung_up=v["hung_up"],
            spoken_address=v.get("spoken_address", ""),
            itype=v.get("type"),
            point=v.get("point"),
        )
        body = CallSerializer(result.call, context={"request": request}).data
        body["duplicates"] = result.duplicates
        body["advisory"] = {
            "risk": result.advisory.risk,
            "level": result.advisory.level,
            "reasons": result.advisory.reasons,
            "blocks": False,
        }
        return Response(body, status=status.HTTP_201_CREATED)
