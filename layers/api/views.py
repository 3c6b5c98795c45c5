"""Read endpoints of the wall: its snapshot and the routes of dispatched units."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.choices import ALL_ROLES
from layers import wall


class WallSnapshotView(APIView):
    """Open incidents, units, cameras and routes with the live feed's sequence number
    (``seq``): subscribe to ``ws/events/?since=seq`` afterwards and nothing is missed."""

    read_roles = ALL_ROLES

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(wall.snapshot())


class RoutesView(APIView):
    """Drive-time routes (road geometry, ETA, distance) of the units now dispatched."""

    read_roles = ALL_ROLES

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(wall.routes_geojson())
