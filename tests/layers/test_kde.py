"""Kernel density: the FFT grid equals a direct Gaussian sum, mass is kept, the raster and the
contours are what deck.gl needs. Pure numpy: no database."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from pyproj import Transformer

from layers.kde import density_grid, grid_for, kde_layer, to_metric
from layers.utm import utm47n, utm47n_fast

CENTRE = (101.447, 0.507)  # Pekanbaru


def _points(n: int, seed: int = 3, spread: float = 0.02) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.normal(CENTRE[0], spread, n), rng.normal(CENTRE[1], spread, n)])


def test_projection_matches_pyproj_to_a_millimetre():
    rng = np.random.default_rng(1)
    big = np.column_stack([rng.uniform(101.2, 101.7, 50_000), rng.uniform(0.3, 0.75, 50_000)])
    exact = Transformer.from_crs("EPSG:4326", "EPSG:32647", always_xy=True)
    want_x, want_y = exact.transform(big[:, 0], big[:, 1])
    for fn in (utm47n, utm47n_fast):
        x, y = fn(big[:, 0], big[:, 1])
        assert np.abs(x - want_x).max() < 1e-3
        assert np.abs(y - want_y).max() < 1e-3


def test_grid_equals_direct_gaussian_sum():
    pts = _points(300, spread=0.01)
    bandwidth = 250.0
    layer = kde_layer(pts, bandwidth_m=bandwidth, size=128)
    xy = to_metric(pts)
    xs, ys = layer.spec.centres()
    cx, cy = np.meshgrid(xs, ys)  # row 0 = south
    d2 = (cx[..., None] - xy[:, 0]) ** 2 + (cy[..., None] - xy[:, 1]) ** 2
    direct = np.exp(-d2 / (2 * bandwidth**2)).sum(axis=-1) / (2 * np.pi * bandwidth**2) * 1e6
    ours = layer.grid[::-1]  # the layer's grid is north-up
    assert layer.spec.dx < bandwidth / 3  # the case is resolved by the grid
    assert np.abs(ours - direct).max() < 0.01 * direct.max()
    assert np.argmax(ours) == np.argmax(direct)


def test_mass_is_the_number_of_points():
    pts = _points(5000)
    layer = kde_layer(pts, bandwidth_m=400, size=256)
    assert layer.grid.sum() * layer.cell_area_km2 == pytest.approx(5000, rel=1e-3)
    assert layer.n_points == 5000


def test_points_beyond_the_bounds_still_reach_in_but_far_ones_do_not():
    spec_pts = np.array([[101.45, 0.50]])
    bounds = (101.40, 0.45, 101.449, 0.55)  # the point lies ~110 m east of the eastern edge
    near = kde_layer(spec_pts, bandwidth_m=300, size=64, bounds=bounds)
    assert near.grid[:, -1].max() > 0.5 * near.grid.max() > 0
    far = kde_layer(np.array([[101.60, 0.50]]), bandwidth_m=300, size=64, bounds=bounds)
    assert far.grid.max() == 0


def test_bounds_given_are_kept_and_grid_is_north_up():
    bounds = (101.35, 0.40, 101.55, 0.62)
    north_point = np.array([[101.45, 0.60]])
    layer = kde_layer(north_point, bandwidth_m=500, size=128, bounds=bounds)
    west, south, east, north = layer.bounds
    assert west == pytest.approx(bounds[0], abs=2e-3) and east == pytest.approx(bounds[2], abs=2e-3)
    assert south == pytest.approx(bounds[1], abs=2e-3) and north == pytest.approx(
        bounds[3], abs=2e-3
    )
    row, _ = np.unravel_index(np.argmax(layer.grid), layer.grid.shape)
    assert row < 128 * 0.2  # near the top of the image


def test_png_is_transparent_where_there_is_nothing():
    layer = kde_layer(_points(2000, spread=0.005), bandwidth_m=200, size=128)
    image = Image.open(io.BytesIO(layer.png))
    assert image.mode == "RGBA" and image.size == (128, 128)
    rgba = np.asarray(image)
    assert rgba[0, 0, 3] == 0  # a corner, far from the cluster
    peak = np.unravel_index(np.argmax(layer.grid), layer.grid.shape)
    assert rgba[peak][3] > 200  # opaque, dark red at the peak
    assert rgba[peak][0] > rgba[peak][2]


def test_geojson_contours_nest_around_the_peak():
    layer = kde_layer(_points(3000, spread=0.01), bandwidth_m=300, size=128)
    fc = layer.geojson()
    assert fc["type"] == "FeatureCollection" and fc["bounds"] == layer.bounds
    levels = [f["properties"]["level"] for f in fc["features"]]
    assert levels == sorted(levels) and len(levels) >= 4
    top = fc["features"][-1]
    assert top["geometry"]["type"] == "MultiPolygon"
    ring = np.array(top["geometry"]["coordinates"][0][0])
    assert np.allclose(ring[0], ring[-1])  # closed ring
    # the densest band surrounds the centre of the cluster
    assert ring[:, 0].min() < CENTRE[0] < ring[:, 0].max()
    assert ring[:, 1].min() < CENTRE[1] < ring[:, 1].max()


def test_empty_input_gives_an_empty_layer_when_bounds_are_known():
    layer = kde_layer(np.empty((0, 2)), bandwidth_m=300, size=32, bounds=(101.3, 0.4, 101.6, 0.7))
    assert layer.grid.max() == 0 and layer.geojson()["features"] == []
    assert np.asarray(Image.open(io.BytesIO(layer.png)))[..., 3].max() == 0


@pytest.mark.parametrize(
    "kwargs", [{"bandwidth_m": 1.0}, {"bandwidth_m": float("nan")}, {"size": 4}]
)
def test_out_of_range_parameters_are_refused(kwargs):
    with pytest.raises(ValueError):
        kde_layer(_points(10), **{"bandwidth_m": 300, **kwargs})


def test_grid_for_without_bounds_is_square_with_margin():
    xy = to_metric(_points(100))
    spec = grid_for(xy, 300, 64, None)
    assert spec.dx == pytest.approx(spec.dy)
    x0, y0, x1, y1 = spec.extent
    assert y0 <= xy[:, 1].min() - 900 and y1 >= xy[:, 1].max() + 900
    assert x0 <= xy[:, 0].min() - 900 and x1 >= xy[:, 0].max() + 900
    assert density_grid(xy, spec, 300).shape == (64, 64)
