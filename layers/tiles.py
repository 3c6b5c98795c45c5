"""Vector tiles (Mapbox Vector Tile, from PostGIS ``ST_AsMVT``) for the wall's basemap.

The layers form a small registry: a layer is a name, its zoom range, how long a browser may keep
its tiles, and a function that renders one tile to bytes. ``register()`` adds one (the hotspot
layer of the analytic layers is meant to plug in here).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.gis.db.models.functions import Transform
from django.contrib.gis.geos import Polygon
from django.db import connection
from django.db.models import BinaryField, F, Func, Value

from layers import sql

EXTENT = 4096
BUFFER = 64
MIN_ZOOM = 8
MAX_ZOOM = 18
DAY = 24 * 3600


@dataclass(frozen=True)
class Tile:
    z: int
    x: int
    y: int

    @property
    def margin(self) -> float:
        """The MVT buffer as a share of the tile (what ST_TileEnvelope's margin takes)."""
        return BUFFER / EXTENT

    def bounds_4326(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees, widened by the buffer."""
        n = 2**self.z
        pad = self.margin

        def lon(x: float) -> float:
            return x / n * 360.0 - 180.0

        def lat(y: float) -> float:
            return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))

        return (
            lon(self.x - pad),
            lat(min(n, self.y + 1 + pad)),
            lon(self.x + 1 + pad),
            lat(max(0, self.y - pad)),
        )

    def params(self, **extra) -> dict:
        return {"z": self.z, "x": self.x, "y": self.y, "margin": self.margin, **extra}


@dataclass(frozen=True)
class TileLayer:
    name: str
    render: Callable[[Tile], bytes]
    min_zoom: int = MIN_ZOOM
    max_zoom: int = MAX_ZOOM
    # Reference layers change only when reloaded; live layers must be revalidated each time.
    max_age_s: int = 0
    description: str = ""
    # The geo.ReferenceLayer whose checksum versions this layer's tiles: rendered tiles are then
    # cached in the server until that layer is reloaded. None: rendered on every request.
    source: str | None = None


REGISTRY: dict[str, TileLayer] = {}


def register(layer: TileLayer) -> TileLayer:
    REGISTRY[layer.name] = layer
    return layer


def source_version(layer: TileLayer) -> str | None:
    """The checksum of the reference data behind a layer, or None (not cacheable)."""
    if layer.source is None:
        return None
    from geo.models import ReferenceLayer

    sha = ReferenceLayer.objects.filter(name=layer.source).values_list("sha256", flat=True).first()
    return sha[:16] if sha else None


def render(layer: TileLayer, tile: Tile) -> bytes:
    """One tile of a layer; reference layers come from the cache while their data is unchanged."""
    from django.core.cache import cache

    version = source_version(layer)
    if version is None:
        return layer.render(tile)
    key = f"mvt:{layer.name}:{version}:{tile.z}/{tile.x}/{tile.y}"
    body = cache.get(key)
    if body is None:
        body = layer.render(tile)
        cache.set(key, body, timeout=DAY)
    return body


def _fetch(statement: str, params) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


def kelurahan_tile(tile: Tile) -> bytes:
    return _fetch(sql.KELURAHAN, tile.params())


# Which road classes a zoom level shows: arterials first, alleys only close up.
ROAD_CLASSES_BY_ZOOM = (
    (14, ("arteri", "kolektor", "lokal", "lingkungan", "perumahan", "gang")),
    (12, ("arteri", "kolektor", "lokal")),
    (0, ("arteri", "kolektor")),
)


def road_classes(z: int) -> list[str]:
    return next(list(classes) for min_z, classes in ROAD_CLASSES_BY_ZOOM if z >= min_z)


def roads_tile(tile: Tile) -> bytes:
    return _fetch(sql.ROADS, tile.params(classes=road_classes(tile.z)))


def river_tile(tile: Tile) -> bytes:
    return _fetch(sql.RIVER, tile.params())


class AsMVTGeom(Func):
    function = "ST_AsMVTGeom"
    output_field = BinaryField()

    def __init__(self, geom, tile: Tile):
        envelope = Func(
            Value(tile.z),
            Value(tile.x),
            Value(tile.y),
            function="ST_TileEnvelope",
            output_field=BinaryField(),
        )
        super().__init__(Transform(geom, 3857), envelope, Value(EXTENT), Value(BUFFER), Value(True))


def incidents_queryset(tile: Tile):
    """The incidents of one tile, through ``for_analytics()`` (no prank, cancelled or merged),
    with structured fields only: no description, address or caller data leaves in a tile."""
    from incidents.models import Incident

    west, south, east, north = tile.bounds_4326()
    bbox = Polygon.from_bbox((west, south, east, north))
    bbox.srid = 4326
    return (
        Incident.objects.for_analytics()
        .filter(point__bboverlaps=bbox)
        .order_by()
        .annotate(type_code=F("type__code"), geom=AsMVTGeom("point", tile))
        .values("id", "status", "category", "priority", "type_code", "geom")
    )


def incidents_tile(tile: Tile) -> bytes:
    inner, params = incidents_queryset(tile).query.sql_with_params()
    return _fetch(sql.INCIDENTS.format(inner=inner), params)


register(
    TileLayer(
        "kelurahan", kelurahan_tile, max_age_s=DAY, description="boundaries, names", source="admin"
    )
)
register(
    TileLayer("roads", roads_tile, max_age_s=DAY, description="segments by class", source="roads")
)
register(
    TileLayer(
        "river", river_tile, max_age_s=DAY, description="the Siak river", source="context_river"
    )
)
register(TileLayer("incidents", incidents_tile, description="incidents (for_analytics)"))


# H3 resolution of the hotspot cells by zoom: coarser cells when the whole city is in view.
HOTSPOT_RES_BY_ZOOM = ((14, 9), (12, 8), (0, 7))


def hotspot_res(z: int) -> int:
    return next(res for min_z, res in HOTSPOT_RES_BY_ZOOM if z >= min_z)


def hotspots_tile(tile: Tile) -> bytes:
    """Gi* hot and cold cells (all analytic incidents, FDR on) at a resolution for the zoom: the
    same cached layer as ``/api/layers/hotspots/?method=gistar``, so tiles and API agree and a
    new incident updates both. Cells without a class are left out of the tile."""
    import json

    from layers.api.hotspots import hotspot_layer
    from layers.selection import Selection

    layer, _hit = hotspot_layer("gistar", Selection(res=hotspot_res(tile.z)), {})
    classed = [f for f in layer["features"] if f["properties"].get("bin")]
    if not classed:
        return b""
    features = json.dumps({"features": classed})
    return _fetch(sql.HOTSPOTS, tile.params(features=features))


register(
    TileLayer(
        "hotspots", hotspots_tile, max_zoom=16, description="Gi* hot/cold H3 cells (for_analytics)"
    )
)
