"""View sectors: the ground a camera sees, from its position, heading, field of view and range.

Built in an azimuthal equidistant projection centred on the camera, where distances and bearings
from the centre are exact, then returned in WGS84. A PTZ camera covers the full circle.
"""

from __future__ import annotations

import math
from functools import lru_cache

from django.contrib.gis.geos import Polygon
from pyproj import Geod, Transformer

GEOD = Geod(ellps="WGS84")
ARC_STEP_DEG = 2.0


@lru_cache(maxsize=512)
def _to_wgs84(lon: float, lat: float) -> Transformer:
    return Transformer.from_crs(
        f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m", "EPSG:4326", always_xy=True
    )


def sector(
    lon: float, lat: float, heading_deg: float, fov_deg: float, range_m: float, ptz: bool = False
) -> Polygon:
    """The view sector as a WGS84 polygon (a disc for PTZ or a 360° field of view)."""
    full = ptz or fov_deg >= 360
    steps = max(8, math.ceil((360 if full else fov_deg) / ARC_STEP_DEG))
    start = 0.0 if full else heading_deg - fov_deg / 2
    span = 360.0 if full else fov_deg
    ring = [] if full else [(0.0, 0.0)]
    for i in range(steps + (0 if full else 1)):
        bearing = math.radians(start + span * i / steps)
        ring.append((range_m * math.sin(bearing), range_m * math.cos(bearing)))
    ring.append(ring[0])
    transform = _to_wgs84(round(lon, 7), round(lat, 7))
    xs, ys = transform.transform([p[0] for p in ring], [p[1] for p in ring])
    return Polygon(list(zip(xs, ys, strict=True)), srid=4326)


def bearing_and_distance(
    lon: float, lat: float, to_lon: float, to_lat: float
) -> tuple[float, float]:
    """Bearing (degrees clockwise from north, 0–360) and geodesic distance in metres."""
    azimuth, _, distance = GEOD.inv(lon, lat, to_lon, to_lat)
    return azimuth % 360, distance


def angle_off_axis(heading_deg: float, bearing_deg: float) -> float:
    """How far (0–180°) a bearing is from the camera's axis."""
    return abs((bearing_deg - heading_deg + 180) % 360 - 180)
