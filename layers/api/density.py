"""``GET /api/layers/density/``: kernel density of the analytic incidents.

``format=png`` (default) answers the raster itself (``image/png``, transparent where the density
is zero) with its lon/lat bounds in the ``X-Bounds`` header as ``west,south,east,north``;
``format=json`` answers ``{"image": "data:image/png;base64,…", "bounds": […], …}``, which a
deck.gl ``BitmapLayer`` takes as it is; ``format=geojson`` answers filled contour bands (a
FeatureCollection with ``level`` in incidents per km²). The grid covers the service area, so
layers of different selections line up. Products are cached until the incidents change
(layers.density).
"""

from __future__ import annotations

import base64

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from geo.api.serializers import FiniteFloat
from layers.api.common import LayerView
from layers.density import density_product
from layers.kde import BANDWIDTH_RANGE_M
from layers.selection import SelectionQuery

SIZE_RANGE_API = (64, 1024)


class DensityQuery(SelectionQuery):
    bandwidth_m = FiniteFloat(min_value=BANDWIDTH_RANGE_M[0], max_value=5000, default=300)
    size = serializers.IntegerField(
        min_value=SIZE_RANGE_API[0], max_value=SIZE_RANGE_API[1], default=512
    )
    format = serializers.ChoiceField(choices=["png", "json", "geojson"], default="png")


class DensityView(LayerView):
    """Kernel density (Gaussian, bandwidth in metres) of the incidents of a selection."""

    @extend_schema(
        parameters=[DensityQuery],
        responses={
            (200, "image/png"): OpenApiTypes.BINARY,
            (200, "application/json"): OpenApiTypes.OBJECT,
        },
    )
    def get(self, request):
        q = DensityQuery(data=request.query_params)
        q.is_valid(raise_exception=True)
        v = q.validated_data
        selection = q.selection()
        form = "geojson" if v["format"] == "geojson" else "png"
        product = density_product(
            selection, bandwidth_m=v["bandwidth_m"], size=v["size"], form=form
        )
        if product is None:
            return Response(
                {
                    **selection.describe(),
                    "n_points": 0,
                    "features": [],
                    "detail": _("Tidak ada kejadian atau wilayah layanan untuk dipetakan."),
                }
            )
        meta = product.meta
        if form == "geojson":
            return Response({**product.geojson, **meta})
        if v["format"] == "json":
            image = "data:image/png;base64," + base64.b64encode(product.png).decode("ascii")
            return Response({"image": image, **meta})
        response = HttpResponse(product.png, content_type="image/png")
        response["X-Bounds"] = ",".join(f"{b:.6f}" for b in meta["bounds"])
        response["X-Point-Count"] = str(meta["n_points"])
        response["X-Max-Density"] = f"{meta['max_density']:.4f}"
        response["Cache-Control"] = "private, max-age=60"
        return response
