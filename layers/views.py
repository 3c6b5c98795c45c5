"""HTTP views of the layers app: the vector tiles of the basemap."""

from __future__ import annotations

import hashlib

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.views import APIView

from accounts.choices import ALL_ROLES
from config.errors import Invalid, NotFound
from layers import tiles

MVT = "application/vnd.mapbox-vector-tile"


def _etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return etag in tags or "*" in tags


class TileView(APIView):
    """One vector tile of a basemap layer. Any role may read (the wall's token included)."""

    read_roles = ALL_ROLES

    @extend_schema(
        operation_id="tiles_retrieve",
        responses={
            (200, MVT): OpenApiResponse(OpenApiTypes.BINARY, description="a vector tile"),
            304: OpenApiResponse(description="unchanged since the ETag sent in If-None-Match"),
        },
    )
    def get(self, request, layer: str, z: int, x: int, y: int):
        spec = tiles.REGISTRY.get(layer)
        if spec is None:
            raise NotFound(_("Lapisan %(layer)s tidak ada.") % {"layer": layer[:40]})
        if not spec.min_zoom <= z <= spec.max_zoom:
            raise NotFound(
                _("Zoom %(z)d di luar rentang lapisan ini (%(lo)d–%(hi)d).")
                % {"z": z, "lo": spec.min_zoom, "hi": spec.max_zoom},
                field="z",
            )
        side = 2**z
        if x >= side:
            raise Invalid("x", _("harus di antara 0 dan %(n)d pada zoom ini") % {"n": side - 1})
        if y >= side:
            raise Invalid("y", _("harus di antara 0 dan %(n)d pada zoom ini") % {"n": side - 1})
        body = tiles.render(spec, tiles.Tile(z, x, y))
        etag = _etag(body)
        headers = {
            "ETag": etag,
            # Private: tiles need a role; live layers are revalidated on every use.
            "Cache-Control": f"private, max-age={spec.max_age_s}"
            + ("" if spec.max_age_s else ", must-revalidate"),
            "Vary": "Authorization, Cookie",
        }
        if _matches(request.headers.get("If-None-Match", ""), etag):
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(body, content_type=MVT)
        for name, value in headers.items():
            response[name] = value
        return response
