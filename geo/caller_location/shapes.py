"""Uncertainty shapes of a caller location and the geometry needed to draw them.

All shapes are plain values in metres and degrees. Polygons and arc-bands carry absolute
coordinates; circles and ellipses are centred on the location's own point. Geometry is computed
in an azimuthal equidistant projection centred on the relevant point (exact distances from the
centre, negligible distortion at the few-kilometre scale of a location estimate) and returned as
WGS84 (lon, lat) pairs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from pyproj import CRS, Geod, Transformer
from shapely.geometry import Polygon as ShapelyPolygon

LonLat = tuple[float, float]

WGS84_GEOD = Geod(ellps="WGS84")
MIN_AREA_M2 = 1.0  # a polygon smaller than this is a degenerate (collinear) ring


@dataclass(frozen=True)
class Circle:
    """A circle of uncertainty around the location's point (radius at the stated confidence)."""

    radius_m: float


@dataclass(frozen=True)
class Ellipse:
    """An ellipse around the location's point; orientation of the semi-major axis in degrees
    clockwise from (true) north, as in RFC 5491."""

    semi_major_m: float
    semi_minor_m: float
    orientation_deg: float


@dataclass(frozen=True)
class Polygon:
    """A closed ring of (lon, lat) pairs (first pair repeated last), as the sender gave it."""

    ring: tuple[LonLat, ...]


@dataclass(frozen=True)
class ArcBand:
    """An annular sector (RFC 5491 §5.2.8) around a centre that lies outside the band (typically a
    cell site). Angles in degrees clockwise from north; the band runs clockwise from
    ``start_angle_deg`` over ``opening_angle_deg``. ``center_lon``/``center_lat`` locate the
    centre: the location's own point is the band's centroid, not this centre."""

    inner_radius_m: float
    outer_radius_m: float
    start_angle_deg: float
    opening_angle_deg: float
    center_lon: float
    center_lat: float


Shape = Circle | Ellipse | Polygon | ArcBand


@lru_cache(maxsize=256)
def _local(lat: float, lon: float) -> tuple[Transformer, Transformer]:
    """(to_local, to_wgs84) transformers for an azimuthal equidistant projection at lat/lon."""
    local = CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat!r} +lon_0={lon!r} +datum=WGS84 +units=m +no_defs"
    )
    to_local = Transformer.from_crs("EPSG:4326", local, always_xy=True)
    to_wgs84 = Transformer.from_crs(local, "EPSG:4326", always_xy=True)
    return to_local, to_wgs84


def _to_wgs84(lat: float, lon: float, xy: Sequence[tuple[float, float]]) -> list[LonLat]:
    """Local metric (x east, y north) points around lat/lon → closed (lon, lat) ring."""
    _, to_wgs84 = _local(lat, lon)
    lons, lats = to_wgs84.transform([p[0] for p in xy], [p[1] for p in xy])
    ring = [(float(a), float(b)) for a, b in zip(lons, lats, strict=True)]
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    return ring


def _bearing_xy(bearing_deg: float, distance_m: float) -> tuple[float, float]:
    """Local (x east, y north) of a point at a bearing (clockwise from north) and distance."""
    theta = math.radians(bearing_deg)
    return distance_m * math.sin(theta), distance_m * math.cos(theta)


def circle_ring(lat: float, lon: float, radius_m: float, segments: int = 32) -> list[LonLat]:
    """Closed, counter-clockwise (lon, lat) ring of a circle of ``radius_m`` around lat/lon."""
    xy = [
        (
            radius_m * math.cos(2 * math.pi * i / segments),
            radius_m * math.sin(2 * math.pi * i / segments),
        )
        for i in range(segments)
    ]
    return _to_wgs84(lat, lon, xy)


def ellipse_ring(
    lat: float,
    lon: float,
    semi_major_m: float,
    semi_minor_m: float,
    orientation_deg: float,
    segments: int = 32,
) -> list[LonLat]:
    """Closed, counter-clockwise ring of an ellipse whose semi-major axis points
    ``orientation_deg`` clockwise from north."""
    theta = math.radians(orientation_deg)
    major = (math.sin(theta), math.cos(theta))  # unit vector along the semi-major axis
    minor = (-math.cos(theta), math.sin(theta))  # major turned 90° counter-clockwise
    xy = []
    for i in range(segments):
        t = 2 * math.pi * i / segments
        a, b = semi_major_m * math.cos(t), semi_minor_m * math.sin(t)
        xy.append((a * major[0] + b * minor[0], a * major[1] + b * minor[1]))
    return _to_wgs84(lat, lon, xy)


def _arc_steps(opening_deg: float, segments: int) -> int:
    return max(2, math.ceil(segments * opening_deg / 360.0))


def arcband_ring(band: ArcBand, segments: int = 32) -> list[LonLat]:
    """Closed ring of the band itself (outer arc clockwise, inner arc back), counter-clockwise
    orientation. With a zero inner radius the band is a sector and the inner arc is the centre."""
    steps = _arc_steps(band.opening_angle_deg, segments)
    angles = [band.start_angle_deg + band.opening_angle_deg * i / steps for i in range(steps + 1)]
    outer = [_bearing_xy(a, band.outer_radius_m) for a in angles]
    if band.inner_radius_m > 0:
        inner = [_bearing_xy(a, band.inner_radius_m) for a in reversed(angles)]
    else:
        inner = [(0.0, 0.0)]
    xy = outer + inner
    if band.opening_angle_deg >= 360.0:
        # A full annulus cannot be one simple ring; draw the outer circle (covers the band).
        xy = outer[:-1]
    return orient_ccw(_to_wgs84(band.center_lat, band.center_lon, xy))


def arcband_centroid(band: ArcBand) -> LonLat:
    """(lon, lat) of the area centroid of the band (RFC 7459 §4.1.1): on the bisector of the
    opening angle at 4·sin(θ/2)·(r2³ − r1³) / (3·θ·(r2² − r1²)) from the centre."""
    r1, r2 = band.inner_radius_m, band.outer_radius_m
    half = math.radians(band.opening_angle_deg) / 2.0
    # (r2³ − r1³) / (r2² − r1²) written without the cancelling difference (r2 > r1 ≥ 0).
    radial = (r2 * r2 + r1 * r2 + r1 * r1) / (r2 + r1)
    angular = math.sin(half) / half if half > 1e-9 else 1.0
    distance = (2.0 / 3.0) * radial * angular
    bisector = band.start_angle_deg + band.opening_angle_deg / 2.0
    lon, lat, _ = WGS84_GEOD.fwd(band.center_lon, band.center_lat, bisector, distance)
    return float(lon), float(lat)


def polygon_centroid(ring: Sequence[LonLat]) -> LonLat | None:
    """(lon, lat) of the area centroid of a (lon, lat) ring (RFC 7459 §4.1.1), computed in a local
    metric projection. A self-intersecting ring falls back to its convex hull's centroid.
    Returns None for a ring without area (under MIN_AREA_M2)."""
    # Centre the projection on the vertices' mean, longitudes unwrapped around the first vertex
    # so that a ring across the antimeridian is centred where it is, not on the far side.
    first = ring[0][0]
    lons = [first + ((p[0] - first + 180.0) % 360.0 - 180.0) for p in ring]
    lat0 = sum(p[1] for p in ring[:-1]) / (len(ring) - 1)
    lon0 = sum(lons[:-1]) / (len(ring) - 1)
    lon0 = (lon0 + 180.0) % 360.0 - 180.0
    to_local, _ = _local(lat0, lon0)
    xs, ys = to_local.transform([p[0] for p in ring], [p[1] for p in ring])
    coords = list(zip(xs, ys, strict=True))
    if not all(math.isfinite(v) for xy in coords for v in xy):
        return None
    shape = ShapelyPolygon(coords)
    if not shape.is_valid:
        shape = shape.convex_hull
    if shape.is_empty or shape.area < MIN_AREA_M2:
        return None
    centre = shape.centroid
    (lon,), (lat,) = _local(lat0, lon0)[1].transform([centre.x], [centre.y])
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return None
    return float(lon), float(lat)


def max_distance_m(lon: float, lat: float, points: Sequence[LonLat]) -> float:
    """Largest geodesic distance in metres from lon/lat to any of the points: the radius of the
    smallest circle centred on lon/lat that contains the polygon they span."""
    if not points:
        return 0.0
    _, _, distances = WGS84_GEOD.inv(
        [lon] * len(points), [lat] * len(points), [p[0] for p in points], [p[1] for p in points]
    )
    return float(max(distances))


def signed_area(ring: Sequence[LonLat]) -> float:
    """Shoelace area in degree² of a closed (lon, lat) ring: positive when counter-clockwise."""
    return 0.5 * sum(
        ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1)
    )


def orient_ccw(ring: Sequence[LonLat]) -> list[LonLat]:
    """The ring counter-clockwise (GeoJSON exterior ring orientation, RFC 7946 §3.1.6)."""
    out = list(ring)
    if signed_area(out) < 0:
        out.reverse()
    return out
