"""What the layer endpoints share besides the selection (``layers.selection``): who may read
them, JSON answers, and content negotiation that leaves ``format`` to the views."""

from __future__ import annotations

from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from accounts.choices import Role

# Who may read the planners' layers: everyone who looks at the map, not only planners.
LAYER_READERS = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.PLANNER, Role.WALL, Role.ADMIN})


class IgnoreFormatParam(BaseContentNegotiation):
    """JSON for every DRF response, whatever ``?format=`` says: these views read ``format``
    themselves (png, geojson, gpkg, csv …) and send files as plain Django responses."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type


class LayerView(APIView):
    """A layer endpoint: readable by ``LAYER_READERS``; DRF answers (errors included) are JSON,
    and ``?format=`` is the view's own parameter."""

    read_roles = LAYER_READERS
    renderer_classes = [JSONRenderer]
    content_negotiation_class = IgnoreFormatParam
