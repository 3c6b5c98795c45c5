"""Kernel density of the analytic incidents of a window, on the service area's grid."""

from __future__ import annotations

from layers.kde import KdeLayer, kde_layer
from layers.window import Window, lonlat_array


def service_area_bounds() -> tuple[float, float, float, float] | None:
    """[west, south, east, north] of the city outline (the kota row); None before it is loaded."""
    from geo.models import AdminArea

    city = AdminArea.objects.city().only("geom").first()
    if city is None:
        return None
    return tuple(float(v) for v in city.geom.extent)


def density_layer(window: Window, *, bandwidth_m: float, size: int) -> KdeLayer | None:
    """The layer, or None when there is nothing to place a grid on (no incidents and no city)."""
    points = lonlat_array(window.incidents())
    bounds = service_area_bounds()
    if bounds is None and len(points) == 0:
        return None
    return kde_layer(points, bandwidth_m=bandwidth_m, size=size, bounds=bounds)
