"""Kernel density of incident points on a metric grid (Gaussian kernel, FFT convolution).

The points (lon/lat) are projected to UTM zone 47N (EPSG:32647, the project's metric CRS for
Pekanbaru), spread onto a regular grid by linear binning (each point shares its weight among the
four nearest cell centres), and the binned counts are convolved with a sampled Gaussian of
standard deviation ``bandwidth_m`` through real FFTs. The grid is padded by the kernel radius
(4 bandwidths) on every side, so points just outside the bounds still count inside, and the FFT is
zero-padded so nothing wraps around.

The result is a density in expected incidents per km²: the grid summed times the cell area is
the number of points (less what spills over the edges). KDE is descriptive: it shows where
incidents concentrate, not whether a concentration is significant (that is Gi*).

Raster alignment: the grid is a rectangle in UTM; its lon/lat bounds are the envelope of that
rectangle. Near the equator and 2.5° from the zone's central meridian the rectangle is turned by
about 0.02° in lon/lat, a shift under 15 m across the city — well below any useful bandwidth.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
from pyproj import Transformer
from scipy import fft as sp_fft

from layers.utm import utm47n_fast

METRIC_CRS = "EPSG:32647"
KERNEL_SIGMAS = 4.0  # the kernel is cut off at 4 standard deviations (< 0.04 % of its mass)
BANDWIDTH_RANGE_M = (25.0, 20_000.0)
SIZE_RANGE = (16, 2048)


@lru_cache(maxsize=1)
def _inverse() -> Transformer:
    return Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)


def to_metric(points_lonlat: np.ndarray) -> np.ndarray:
    """N×2 lon/lat → N×2 UTM 47N metres (numpy transverse Mercator; see layers.utm)."""
    pts = np.asarray(points_lonlat, dtype=np.float64).reshape(-1, 2)
    x, y = utm47n_fast(pts[:, 0], pts[:, 1])
    return np.column_stack([x, y])


def to_lonlat(points_xy: np.ndarray) -> np.ndarray:
    pts = np.asarray(points_xy, dtype=np.float64).reshape(-1, 2)
    lon, lat = _inverse().transform(pts[:, 0], pts[:, 1])
    return np.column_stack([lon, lat])


@dataclass(frozen=True)
class GridSpec:
    """A grid in metres: ``nx`` × ``ny`` cells from (x0, y0) (south-west corner)."""

    x0: float
    y0: float
    dx: float
    dy: float
    nx: int
    ny: int

    @property
    def extent(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x0 + self.nx * self.dx, self.y0 + self.ny * self.dy)

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre coordinates along x (west→east) and y (south→north)."""
        return (
            self.x0 + (np.arange(self.nx) + 0.5) * self.dx,
            self.y0 + (np.arange(self.ny) + 0.5) * self.dy,
        )


def linear_binning(x: np.ndarray, y: np.ndarray, spec: GridSpec) -> np.ndarray:
    """Counts on the grid (ny × nx, row 0 = south), each point split among its four nearest
    cell centres in proportion to closeness (bilinear weights). Points whose four centres are
    not all on the grid (the outermost half cell) are dropped: callers pad the grid by the kernel
    radius, so those lie beyond the kernel's reach of the area asked for."""
    fx = (x - spec.x0) * (1 / spec.dx) - 0.5
    fy = (y - spec.y0) * (1 / spec.dy) - 0.5
    inside = (fx >= 0) & (fx < spec.nx - 1) & (fy >= 0) & (fy < spec.ny - 1)
    if not inside.all():
        fx, fy = fx[inside], fy[inside]
    ix = fx.astype(np.intp)  # floor: fx ≥ 0 here
    iy = fy.astype(np.intp)
    wx = fx - ix
    wy = fy - iy
    k = iy * spec.nx + ix
    size = spec.ny * spec.nx
    w_south = 1 - wy
    counts = np.bincount(k, weights=(1 - wx) * w_south, minlength=size)
    counts += np.bincount(k + 1, weights=wx * w_south, minlength=size)[:size]
    counts += np.bincount(k + spec.nx, weights=(1 - wx) * wy, minlength=size)[:size]
    counts += np.bincount(k + spec.nx + 1, weights=wx * wy, minlength=size)[:size]
    return counts.reshape(spec.ny, spec.nx)


def smooth(counts: np.ndarray, sigma_x: float, sigma_y: float, crop: int = 0) -> np.ndarray:
    """Convolve ``counts`` with a separable Gaussian (sigmas in cells) by FFT, then drop ``crop``
    cells on every side. The kernel is cut at 4 sigma; the transform is zero-padded so that the
    linear (not circular) convolution is computed."""
    ny, nx = counts.shape
    rx = max(1, math.ceil(KERNEL_SIGMAS * sigma_x))
    ry = max(1, math.ceil(KERNEL_SIGMAS * sigma_y))
    lx = _fft_length(nx + rx)
    ly = _fft_length(ny + ry)
    spectrum = sp_fft.rfft2(counts, s=(ly, lx), workers=-1)
    kx = sp_fft.rfft(_wrapped_kernel(sigma_x, rx, lx))
    ky = sp_fft.fft(_wrapped_kernel(sigma_y, ry, ly))
    spectrum *= ky[:, None]
    spectrum *= kx[None, :]
    out = sp_fft.irfft2(spectrum, s=(ly, lx), workers=-1)[:ny, :nx]
    if crop:
        out = out[crop:-crop, crop:-crop]
    np.maximum(out, 0.0, out=out)  # FFT round-off leaves tiny negatives where there is nothing
    return out


def _wrapped_kernel(sigma: float, radius: int, length: int) -> np.ndarray:
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    kernel /= kernel.sum()
    wrapped = np.zeros(length)
    wrapped[offsets % length] = kernel
    return wrapped


def _fft_length(n: int) -> int:
    """The smallest 2^a·3^b·5^c ≥ n (fast FFT sizes)."""
    best = 1 << (n - 1).bit_length()
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


def density_grid(xy: np.ndarray, spec: GridSpec, bandwidth_m: float) -> np.ndarray:
    """Density (points per km²) at the cell centres of ``spec``, row 0 = south. ``xy`` is an
    N×2 array of metres, or a pair (x, y) of 1-D arrays (faster: contiguous)."""
    x, y = _columns(xy)
    sigma_x = bandwidth_m / spec.dx
    sigma_y = bandwidth_m / spec.dy
    pad = max(math.ceil(KERNEL_SIGMAS * sigma_x), math.ceil(KERNEL_SIGMAS * sigma_y), 1)
    padded = GridSpec(
        spec.x0 - pad * spec.dx,
        spec.y0 - pad * spec.dy,
        spec.dx,
        spec.dy,
        spec.nx + 2 * pad,
        spec.ny + 2 * pad,
    )
    counts = linear_binning(x, y, padded)
    smoothed = smooth(counts, sigma_x, sigma_y, crop=pad)
    return smoothed * (1e6 / (spec.dx * spec.dy))


def _columns(xy) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(xy, tuple):
        return xy
    return np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])


def grid_for(
    xy,
    bandwidth_m: float,
    size: int,
    bounds: tuple[float, float, float, float] | None,
) -> GridSpec:
    """The grid: the lon/lat ``bounds`` as given (their UTM envelope), or else a square around
    the points with 3 bandwidths of margin."""
    if bounds is not None:
        west, south, east, north = bounds
        corners = to_metric(
            np.array([[west, south], [east, south], [east, north], [west, north]], dtype=float)
        )
        x0, y0 = corners.min(axis=0)
        x1, y1 = corners.max(axis=0)
    else:
        x, y = _columns(xy)
        if len(x) == 0:
            raise ValueError("no points and no bounds: nothing to place the grid on")
        x0, y0 = x.min() - 3 * bandwidth_m, y.min() - 3 * bandwidth_m
        x1, y1 = x.max() + 3 * bandwidth_m, y.max() + 3 * bandwidth_m
        side = max(x1 - x0, y1 - y0)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        x0, x1, y0, y1 = cx - side / 2, cx + side / 2, cy - side / 2, cy + side / 2
    return GridSpec(x0, y0, (x1 - x0) / size, (y1 - y0) / size, size, size)


# A sequential ramp (yellow → orange → red → dark red), readable on the dark wall and on paper.
_RAMP = np.array(
    [
        [255, 255, 178],
        [254, 217, 118],
        [254, 178, 76],
        [253, 141, 60],
        [240, 59, 32],
        [189, 0, 38],
    ],
    dtype=np.float64,
)


def colourise(grid: np.ndarray, vmax: float | None = None) -> np.ndarray:
    """Density → RGBA uint8 image of the same orientation. Zero density is fully transparent;
    opacity and colour rise with density (square-root scale so that the outskirts stay visible
    beside the peaks)."""
    top = float(vmax if vmax is not None else grid.max())
    scaled = np.sqrt(np.clip(grid / top, 0, 1)) if top > 0 else np.zeros_like(grid)
    positions = scaled * (len(_RAMP) - 1)
    lower = np.floor(positions).astype(int).clip(0, len(_RAMP) - 2)
    frac = (positions - lower)[..., None]
    rgb = _RAMP[lower] * (1 - frac) + _RAMP[lower + 1] * frac
    alpha = np.where(scaled > 0.02, 80 + 175 * scaled, 0.0)
    return np.dstack([rgb, alpha]).round().astype(np.uint8)


def encode_png(rgba: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


@dataclass
class KdeLayer:
    """A density raster: ``grid`` (incidents per km², ny × nx, row 0 = **north**, as the PNG),
    ``bounds`` [west, south, east, north] lon/lat for a deck.gl BitmapLayer, ``png``, and
    ``geojson()`` contour polygons."""

    grid: np.ndarray
    bounds: list[float]
    bandwidth_m: float
    spec: GridSpec
    n_points: int

    @cached_property
    def png(self) -> bytes:
        return encode_png(colourise(self.grid))

    def data_url(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")

    @property
    def cell_area_km2(self) -> float:
        return self.spec.dx * self.spec.dy / 1e6

    @property
    def max_density(self) -> float:
        return float(self.grid.max()) if self.grid.size else 0.0

    def contour_levels(self, count: int = 6) -> list[float]:
        """Density levels for contours: equal steps of the square root, above the faint fringe."""
        top = self.max_density
        if top <= 0:
            return []
        return [float(top * (i / count) ** 2) for i in range(1, count)]

    def geojson(self, levels: list[float] | None = None) -> dict:
        """Filled contour bands as a GeoJSON FeatureCollection (lon/lat). Each feature is the area
        where density ≥ ``level`` (and < ``level_max``, absent for the top band), with the level in
        incidents per km² and its rank (0 = faintest) for colouring."""
        from layers.kde_contours import filled_bands

        levels = self.contour_levels() if levels is None else sorted(levels)
        features = []
        for rank, (lower, upper, rings) in enumerate(filled_bands(self, levels)):
            if not rings:
                continue
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "MultiPolygon", "coordinates": rings},
                    "properties": {
                        "level": round(lower, 4),
                        "level_max": None if upper is None else round(upper, 4),
                        "rank": rank,
                        "unit": "incidents/km2",
                    },
                }
            )
        return {
            "type": "FeatureCollection",
            "features": features,
            "bounds": self.bounds,
            "bandwidth_m": self.bandwidth_m,
            "n_points": self.n_points,
            "max_density": round(self.max_density, 4),
        }


def kde_layer(
    points_lonlat: np.ndarray,
    *,
    bandwidth_m: float,
    size: int = 512,
    bounds: tuple[float, float, float, float] | None = None,
) -> KdeLayer:
    """Kernel density of lon/lat points on a ``size`` × ``size`` grid in UTM 47N."""
    lo, hi = BANDWIDTH_RANGE_M
    if not (math.isfinite(bandwidth_m) and lo <= bandwidth_m <= hi):
        raise ValueError(f"bandwidth_m must be between {lo:g} and {hi:g} metres")
    if not SIZE_RANGE[0] <= size <= SIZE_RANGE[1]:
        raise ValueError(f"size must be between {SIZE_RANGE[0]} and {SIZE_RANGE[1]}")
    points = np.asarray(points_lonlat, dtype=np.float64).reshape(-1, 2)
    lon, lat = np.ascontiguousarray(points[:, 0]), np.ascontiguousarray(points[:, 1])
    finite = np.isfinite(lon) & np.isfinite(lat)
    if not finite.all():
        lon, lat = lon[finite], lat[finite]
    xy = utm47n_fast(lon, lat)
    spec = grid_for(xy, bandwidth_m, size, bounds)
    grid = density_grid(xy, spec, bandwidth_m)
    x0, y0, x1, y1 = spec.extent
    corners = to_lonlat(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]))
    west, south = corners.min(axis=0)
    east, north = corners.max(axis=0)
    return KdeLayer(
        grid=grid[::-1].copy(),
        bounds=[float(west), float(south), float(east), float(north)],
        bandwidth_m=float(bandwidth_m),
        spec=spec,
        n_points=len(lon),
    )
