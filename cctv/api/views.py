"""CCTV endpoints: thin; the geometry and writes live in cctv.services."""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.choices import Role
from cctv import services
from cctv.api.serializers import (
    CameraSerializer,
    CameraUpdateInput,
    CoveringQuery,
    HeartbeatInput,
    sighting_json,
)
from cctv.models import Camera
from incidents.models import Incident


def _answer(point: Point, radius: float) -> dict:
    covering, others = services.cameras_for(point, radius)
    return {
        "point": [point.x, point.y],
        "radius_m": radius,
        "covering": [sighting_json(s) for s in covering],
        "nearest_not_covering": [sighting_json(s) for s in others],
    }


class CameraViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The cameras as GeoJSON, with status and view sector."""

    serializer_class = CameraSerializer
    queryset = Camera.objects.order_by("code")
    pagination_class = None
    write_roles = frozenset({Role.SUPERVISOR, Role.ADMIN})
    lookup_value_regex = r"\d+"  # a non-numeric id is a 404, not a ValueError

    @extend_schema(request=CameraUpdateInput, responses={200: CameraSerializer})
    def partial_update(self, request, pk=None):
        data = CameraUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        version = changes.pop("version")
        camera = services.update_camera(request.user, int(pk), version, changes)
        return Response(CameraSerializer(camera).data)

    @extend_schema(parameters=[CoveringQuery], responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["get"])
    def covering(self, request):
        query = CoveringQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        v = query.validated_data
        return Response(_answer(Point(v["lon"], v["lat"], srid=4326), v["radius"]))

    @extend_schema(request=HeartbeatInput, responses={200: CameraSerializer})
    @action(
        detail=True,
        methods=["post"],
        write_roles=frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN}),
    )
    def heartbeat(self, request, pk=None):
        data = HeartbeatInput(data=request.data)
        data.is_valid(raise_exception=True)
        camera = services.heartbeat(int(pk), data.validated_data.get("at"))
        return Response(CameraSerializer(Camera.objects.get(pk=camera.pk)).data)


class IncidentCamerasView(APIView):
    """The cameras that can see an incident's confirmed location (and its uncertainty)."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, pk: int):
        incident = get_object_or_404(Incident, pk=pk)
        if incident.point is None:
            return Response(
                {
                    "detail": "the incident has no confirmed location yet",
                    "covering": [],
                    "nearest_not_covering": [],
                }
            )
        return Response(_answer(incident.point, incident.uncertainty_m or 0))
