"""H3 bins: incidents counted per hexagonal cell (resolutions 5–11), per category, per time bin.

Every incident stores its H3 cell at each resolution 5–11 (``Incident.h3_r5`` … ``h3_r11``); a
layer counts per cell in the database, in one GROUP BY (``IncidentQuerySet.per_cell``), which a
narrow partial index answers without reading the table. The few located incidents without
stored cells (written around ``Incident.save()``) are read with ``layers.points.load_points``
and assigned to cells here with h3ronpy's vectorised ``coordinates_to_cells`` (Rust, no Python
loop per point). The study area is the set of cells covering the service area (the kota
outline) plus any cell with data outside it: empty cells count, as zeros, for Gi*. Cell sets
and their k-ring weights are built once and kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import h3
import h3ronpy
import numpy as np
from django.db.models import Count, F, FloatField, Func, Max, Min, Q, Value
from django.db.models.functions import Floor
from h3.api.basic_int import cell_to_boundary as _boundary
from scipy import sparse

from geo import h3cells
from layers.points import Points, category_codes, load_points


def cells_of(lat: np.ndarray, lon: np.ndarray, res: int) -> np.ndarray:
    """The H3 cell (uint64, as the h3 int API reads it) of each point."""
    return h3cells.cells_of(lon, lat, res).view(np.uint64)


def count(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct cells and how many points fell in each."""
    return np.unique(cells, return_counts=True)


def count_by(
    cells: np.ndarray,
    groups: np.ndarray,
    n_groups: int,
    universe: np.ndarray,
    weights: np.ndarray | None = None,
):
    """Counts per (cell of ``universe``, group): an array of shape (len(universe), n_groups).
    Each (cell, group) entry counts once, or ``weights`` times. Cells outside the universe are
    ignored."""
    if not len(universe):
        return np.zeros((0, n_groups), dtype=np.int64)
    idx = np.minimum(np.searchsorted(universe, cells), len(universe) - 1)
    ok = universe[idx] == cells
    flat = np.bincount(
        idx[ok] * n_groups + groups[ok],
        weights=None if weights is None else weights[ok],
        minlength=len(universe) * n_groups,
    )
    return np.rint(flat).reshape(len(universe), n_groups).astype(np.int64)


@lru_cache(maxsize=8)
def _area_cells_cached(res: int, wkt: str) -> np.ndarray:
    import shapely

    shape = h3.geo_to_h3shape(shapely.from_wkt(wkt).__geo_interface__)
    cells = h3.h3shape_to_cells(shape, res)
    return np.sort(np.array([h3.str_to_int(c) for c in cells], dtype=np.uint64))


@lru_cache(maxsize=1)
def _city_wkt() -> str | None:
    from geo.models import AdminArea

    geom = AdminArea.objects.city().values_list("geom", flat=True).first()
    return geom.wkt if geom else None


def area_cells(res: int) -> np.ndarray:
    """Cells whose centre lies in the service area (empty when no outline is loaded)."""
    wkt = _city_wkt()
    if not wkt:
        _city_wkt.cache_clear()  # loaded later (tests, first setup): look again next time
        return np.zeros(0, dtype=np.uint64)
    return _area_cells_cached(res, wkt)


def study_area(res: int, occupied: np.ndarray, k: int = 1) -> np.ndarray:
    """The cells a Gi* runs over: the service area's cells and every cell with data. Without an
    outline, the cells with data and their k-ring."""
    base = area_cells(res)
    if not len(base):
        base = disk(occupied, k)
    return np.union1d(base, occupied).astype(np.uint64)


def disk(cells: np.ndarray, k: int) -> np.ndarray:
    if not len(cells):
        return cells
    flat = h3ronpy.grid_disk_distances(cells, k, flatten=True)
    return np.unique(np.asarray(flat.column("cell")).astype(np.uint64))


_WEIGHTS: dict[tuple, sparse.csr_matrix] = {}


def kring_weights(universe: np.ndarray, k: int = 1) -> sparse.csr_matrix:
    """Binary weights on ``universe`` (sorted): each cell and its k-ring neighbours that are in
    the universe. Kept for the next call on the same cells."""
    key = (k, len(universe), hash(universe.tobytes()))
    if key in _WEIGHTS:
        return _WEIGHTS[key]
    n = len(universe)
    flat = h3ronpy.grid_disk_distances(universe, k, flatten=True)
    nb = np.asarray(flat.column("cell")).astype(np.uint64)
    origin = np.cumsum(np.asarray(flat.column("k")) == 0) - 1
    j = np.searchsorted(universe, nb)
    j = np.minimum(j, n - 1)
    ok = universe[j] == nb
    w = sparse.csr_matrix(
        (np.ones(int(ok.sum())), (origin[ok], j[ok])), shape=(n, n), dtype=np.float64
    )
    w.data[:] = 1.0
    if len(_WEIGHTS) > 16:
        _WEIGHTS.clear()
    _WEIGHTS[key] = w
    return w


def to_hex(cells: np.ndarray) -> list[str]:
    return [h3.int_to_str(int(c)) for c in cells]


def cell_polygon(cell: int) -> list[list[list[float]]]:
    """GeoJSON polygon coordinates (lon, lat; closed ring) of a cell."""
    ring = [[round(lng, 7), round(lat, 7)] for lat, lng in _boundary(cell)]
    ring.append(ring[0])
    return [ring]


def features(cells: np.ndarray, props: dict[str, np.ndarray]) -> list[dict]:
    """GeoJSON features, one per cell, with the given per-cell properties. (A few thousand
    cells per layer: plain Python on lists, h3's integer API, no conversion per cell.)"""
    names = list(props)
    columns = [props[n].tolist() for n in names]
    out = []
    for cell, *values in zip(cells.tolist(), *columns, strict=True):
        p = {"cell": format(cell, "x")}  # h3.int_to_str
        p.update(zip(names, values, strict=True))
        out.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": cell_polygon(cell)},
                "properties": p,
            }
        )
    return out


@dataclass
class CellCounts:
    """Incidents per cell (sorted) and per category (columns in Category order)."""

    cells: np.ndarray
    by_category: np.ndarray
    incidents: int

    @property
    def totals(self) -> np.ndarray:
        return self.by_category.sum(axis=1)


def _count_points(points: Points, res: int) -> CellCounts:
    cells = cells_of(points.lat, points.lon, res)
    distinct, inverse = np.unique(cells, return_inverse=True)
    n_cat = len(category_codes())
    groups = np.clip(points.category.astype(np.int64), 0, n_cat - 1)
    flat = np.bincount(inverse * n_cat + groups, minlength=len(distinct) * n_cat)
    return CellCounts(distinct, flat.reshape(len(distinct), n_cat).astype(np.int64), len(points))


def _merge(a: CellCounts, b: CellCounts) -> CellCounts:
    cells = np.union1d(a.cells, b.cells).astype(np.uint64)
    out = np.zeros((len(cells), a.by_category.shape[1]), dtype=np.int64)
    out[np.searchsorted(cells, a.cells)] += a.by_category
    out[np.searchsorted(cells, b.cells)] += b.by_category
    return CellCounts(cells, out, a.incidents + b.incidents)


def stored_counts(queryset, res: int) -> CellCounts:
    """Counts per cell at ``res`` and per category of the located incidents of ``queryset``:
    one GROUP BY over the stored cells (a count per category in each group), and the located
    incidents without a stored cell (usually none) assigned here."""
    codes = category_codes()
    per = {f"c{i}": Count("cell", filter=Q(category=code)) for i, code in enumerate(codes)}
    rows = list(queryset.per_cell(res).annotate(**per).values_list("cell", *per))
    table = np.array(rows, dtype=np.int64).reshape(len(rows), 1 + len(codes))
    order = np.argsort(table[:, 0].view(np.uint64), kind="stable")
    stored = CellCounts(
        table[order, 0].view(np.uint64).copy(), table[order, 1:], int(table[:, 1:].sum())
    )
    missing = load_points(queryset.cell_missing(), with_category=True)
    return _merge(stored, _count_points(missing, res)) if len(missing) else stored


def _epoch():
    """Creation time in epoch seconds (float8), as ``load_points`` reads it."""
    return Func(Value("epoch"), F("created_at"), function="date_part", output_field=FloatField())


def time_extent(queryset) -> tuple[int, float | None, float | None]:
    """How many located incidents ``queryset`` has, and the first and last creation time
    (epoch seconds; None without any), in one aggregate over the stored cells' index."""
    row = (
        queryset.order_by()
        .filter(h3_r11__isnull=False)
        .aggregate(n=Count("h3_r11"), first=Min(_epoch()), last=Max(_epoch()))
    )
    n, first, last = row["n"], row["first"], row["last"]
    missing = load_points(queryset.cell_missing(), with_time=True)
    if len(missing):
        n += len(missing)
        first = min(float(missing.t.min()), first if first is not None else np.inf)
        last = max(float(missing.t.max()), last if last is not None else -np.inf)
    return n, first, last


def counts_by_age(queryset, res: int, end: float, step: float):
    """Located incidents counted per (cell at ``res``, age), where age is how many ``step``
    seconds before ``end`` an incident was created, ``floor((end - t) / step)``: arrays
    (cells uint64, age int64, count int64), one GROUP BY in SQL plus the incidents without
    stored cells."""
    age = Floor(
        (Value(float(end), output_field=FloatField()) - _epoch())
        / Value(float(step), output_field=FloatField())
    )
    rows = list(queryset.per_cell(res, age=age).annotate(n=Count("cell")).values_list(
        "cell", "age", "n"
    ))  # fmt: skip
    cells = np.array([r[0] for r in rows], dtype=np.int64).view(np.uint64)
    ages = np.array([r[1] for r in rows], dtype=np.float64).astype(np.int64)
    counts = np.array([r[2] for r in rows], dtype=np.int64)
    missing = load_points(queryset.cell_missing(), with_time=True)
    if len(missing):
        cells = np.concatenate([cells, cells_of(missing.lat, missing.lon, res)])
        ages = np.concatenate([ages, np.floor((end - missing.t) / step).astype(np.int64)])
        counts = np.concatenate([counts, np.ones(len(missing), dtype=np.int64)])
    return cells, ages, counts


def cell_counts(selection) -> CellCounts:
    """Counts per cell for a selection, kept up to date by new incidents alone
    (``layers.cache.running``): a new incident costs reading that incident, not a million."""
    from layers import cache

    def full(version) -> CellCounts:
        qs = selection.incidents().filter(id__lte=version.max_id)
        return stored_counts(qs, selection.res)

    def add(state: CellCounts, ids: list[int], version) -> CellCounts:
        qs = selection.incidents().filter(id__in=ids)
        return _merge(state, stored_counts(qs, selection.res))

    return cache.running("cells", selection.key(), full, add)
