"""Filled contour bands of a KDE grid as lon/lat polygons (contourpy, the engine under
matplotlib's contourf)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
from contourpy import FillType, contour_generator

if TYPE_CHECKING:
    from layers.kde import KdeLayer

Rings = list[list[list[list[float]]]]  # MultiPolygon coordinates


def filled_bands(
    layer: KdeLayer, levels: list[float]
) -> Iterator[tuple[float, float | None, Rings]]:
    """For each level: (level, next level or None, MultiPolygon coordinates in lon/lat)."""
    from layers.kde import to_lonlat

    if not levels:
        return
    xs, ys = layer.spec.centres()
    grid = layer.grid[::-1]  # contourpy wants row 0 at the smallest y (south)
    generator = contour_generator(xs, ys, grid, fill_type=FillType.OuterOffset)
    top = float(grid.max()) * 1.001 + 1e-12
    for i, lower in enumerate(levels):
        upper = levels[i + 1] if i + 1 < len(levels) else None
        points_list, offsets_list = generator.filled(lower, upper if upper is not None else top)
        polygons: Rings = []
        for points, offsets in zip(points_list, offsets_list, strict=True):
            if len(points) == 0:
                continue
            lonlat = np.round(to_lonlat(points), 6)
            polygons.append(
                [lonlat[offsets[k] : offsets[k + 1]].tolist() for k in range(len(offsets) - 1)]
            )
        yield lower, upper, polygons
