"""``GET /api/layers/kelurahan-stats/``: per-kelurahan counts, rates and response times."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from layers.api.common import LayerView
from layers.selection import Selection, SelectionQuery
from layers.stats import kelurahan_stats


class KelurahanStatsView(LayerView):
    """Counts by category, type and hour (WIB), rate per km², and response-time p50/p90 of the
    analytic incidents (no prank, cancelled or merged calls) of the selection, per kelurahan."""

    @extend_schema(parameters=[SelectionQuery], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        selection = Selection.parse(request.query_params, SelectionQuery)
        return Response(kelurahan_stats(selection))
