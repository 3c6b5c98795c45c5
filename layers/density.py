"""Kernel density of the analytic incidents of a selection, on the service area's grid, cached.

The wall asks for the same layer again and again; reading every incident out of PostGIS is the
expensive part. Finished products (PNG + metadata, or contour GeoJSON) are cached per process
by their parameters and by the data version: the latest live-feed sequence number (every
incident change a service makes is published there) and the highest incident id (bulk loads
that publish nothing). Either moving invalidates the entry; a TTL bounds anything else.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Max

from layers.kde import KdeLayer, kde_layer
from layers.points import load_points
from layers.selection import Selection

CACHE_SECONDS = 300


def service_area_bounds() -> tuple[float, float, float, float] | None:
    """[west, south, east, north] of the city outline (the kota row); None before it is loaded."""
    from geo.models import AdminArea

    city = AdminArea.objects.city().only("geom").first()
    if city is None:
        return None
    return tuple(float(v) for v in city.geom.extent)


def density_layer(selection: Selection, *, bandwidth_m: float, size: int) -> KdeLayer | None:
    """The layer, or None when there is nothing to place a grid on (no incidents and no city)."""
    points = load_points(selection.incidents()).lonlat()
    bounds = service_area_bounds()
    if bounds is None and len(points) == 0:
        return None
    return kde_layer(points, bandwidth_m=bandwidth_m, size=size, bounds=bounds)


@dataclass
class DensityProduct:
    meta: dict
    png: bytes | None = None
    geojson: dict | None = field(default=None)


def data_version() -> tuple[int, int]:
    """(latest live-feed seq, highest incident id): two index lookups."""
    from incidents.live import latest_seq
    from incidents.models import Incident

    return latest_seq(), Incident.objects.aggregate(top=Max("id"))["top"] or 0


def density_product(
    selection: Selection, *, bandwidth_m: float, size: int, form: str
) -> DensityProduct | None:
    """``form`` "png" (raster + metadata) or "geojson" (contour bands + metadata); cached."""
    key_text = repr((selection.describe(), float(bandwidth_m), int(size), form, data_version()))
    key = "layers:density:" + hashlib.sha256(key_text.encode()).hexdigest()
    product = cache.get(key)
    if product is not None:
        return product
    layer = density_layer(selection, bandwidth_m=bandwidth_m, size=size)
    if layer is None:
        return None
    meta = {
        **selection.describe(),
        "bounds": layer.bounds,
        "bandwidth_m": layer.bandwidth_m,
        "size": size,
        "n_points": layer.n_points,
        "max_density": round(layer.max_density, 4),
        "unit": "incidents/km2",
    }
    if form == "geojson":
        product = DensityProduct(meta, geojson=layer.geojson())
    else:
        product = DensityProduct(meta, png=layer.png)
    cache.set(key, product, CACHE_SECONDS)
    return product
