"""``GET /api/layers/response-standards/``: the response against the published standards."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from accounts.choices import Role
from layers.api.common import LayerView
from layers.selection import Selection, SelectionQuery
from layers.standards import response_standards


class ResponseStandardsView(LayerView):
    """Share of incidents dispatched within the processing target and reached within their
    category's travel target, with p50/p90, per category, month (WIB) and kelurahan, and the
    slowest cases; analytic incidents only (no prank, cancelled or merged calls)."""

    read_roles = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.PLANNER, Role.ADMIN})

    @extend_schema(parameters=[SelectionQuery], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        selection = Selection.parse(request.query_params, SelectionQuery)
        return Response(response_standards(selection))
