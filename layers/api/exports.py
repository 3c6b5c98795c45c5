"""``GET /api/layers/export/?layer=…&format=gpkg|geojson|csv``: a layer as a file."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from geo.api.serializers import FiniteFloat
from layers.api.common import LayerView
from layers.exports import EXPORTABLE, FORMATS, export_bytes
from layers.kde import BANDWIDTH_RANGE_M
from layers.selection import SelectionQuery


class ExportQuery(SelectionQuery):
    layer = serializers.ChoiceField(choices=sorted(EXPORTABLE))
    format = serializers.ChoiceField(choices=sorted(FORMATS))
    bandwidth_m = FiniteFloat(min_value=BANDWIDTH_RANGE_M[0], max_value=5000, required=False)


class ExportView(LayerView):
    """Kelurahan statistics, KDE contours or the analytic incidents (no caller data) as a
    GeoPackage, GeoJSON or CSV download."""

    @extend_schema(
        parameters=[ExportQuery],
        responses={
            # GeoJSON is JSON (clients and schema checkers parse "+json" types); the rest are files.
            (200, content_type.split(";")[0]): (
                OpenApiTypes.OBJECT if content_type.endswith("+json") else OpenApiTypes.BINARY
            )
            for content_type, _ in FORMATS.values()
        },
    )
    def get(self, request):
        q = ExportQuery(data=request.query_params)
        q.is_valid(raise_exception=True)
        v = q.validated_data
        options = {"bandwidth_m": v.get("bandwidth_m")}
        content = export_bytes(v["layer"], v["format"], q.selection(), options)
        content_type, extension = FORMATS[v["format"]]
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = (
            f'attachment; filename="siaga112-{v["layer"]}.{extension}"'
        )
        return response
