"""``GET /api/layers/kelurahan-stats/``: per-kelurahan counts, rates and response times."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from layers.api.window import LAYER_READERS, IgnoreFormatParam, WindowQuery
from layers.stats import kelurahan_stats


class KelurahanStatsView(APIView):
    """Counts by category, type and hour (WIB), rate per km², and response-time p50/p90 of the
    analytic incidents (no prank, cancelled or merged calls) in the window, per kelurahan."""

    read_roles = LAYER_READERS
    renderer_classes = [JSONRenderer]
    content_negotiation_class = IgnoreFormatParam

    @extend_schema(parameters=[WindowQuery], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        q = WindowQuery(data=request.query_params)
        q.is_valid(raise_exception=True)
        return Response(kelurahan_stats(q.window()))
