"""Drive times over the road graph, held in memory as a CSR matrix (scipy).

pgRouting answers one-to-many in 30-50 ms on this graph; a single-source Dijkstra on an
in-memory copy takes a few milliseconds (under one with a cost limit), which is what ranking
units for every incident needs. The copy follows the road tables: its version is the checksum
and load time of the "roads" reference layer, re-read every VERSION_CHECK_S, so an import or
reload is picked up without a restart.

Points are snapped in memory too: the edges' geometries sit in a shapely STRtree, and the
nearest edge, the position along it and the metres off the road are what PostGIS would answer
(`geom <-> point` and ST_LineLocatePoint work in the same planar lon/lat space).

A snapped point is a virtual node joined to both ends of its edge by the partial costs, so the
search from it is one single-source Dijkstra (the matrix keeps one spare row for it).

Costs are seconds at a speed per road class (settings.ROAD_SPEEDS_KMH). All edges are two-way
(the 2015 register has no one-way information), so the time from A to B is the time from B to A:
ranking units for an incident searches once from the incident. With one-way data the search
would run over the transposed matrix.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.conf import settings
from django.db import connection
from pyproj import Geod
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from geo.models import ReferenceLayer

_lock = threading.Lock()
_cached: Graph | None = None

_EDGES = """
SELECT id, source, target, length_m, road_class,
       ST_X(ST_StartPoint(geom)), ST_Y(ST_StartPoint(geom)),
       ST_X(ST_EndPoint(geom)), ST_Y(ST_EndPoint(geom)), ST_AsBinary(geom)
FROM geo_roadsegment
ORDER BY id
"""


def speeds_mps() -> dict[str, float]:
    return {cls: kmh / 3.6 for cls, kmh in settings.ROAD_SPEEDS_KMH.items()}


@dataclass
class Graph:
    version: str
    node_ids: np.ndarray
    index: dict[int, int]
    csr: csr_matrix  # seconds; (n + 1) x (n + 1), the last row and column for a virtual origin
    metres: dict[tuple[int, int], tuple[float, int]]  # (i, j) → (length, edge id) of the edge used
    lonlat: np.ndarray  # (n, 2) node positions
    # Per edge (in the order of edge_ids): ends as node indexes, metres, seconds per metre.
    edge_ids: np.ndarray
    edge_ends: np.ndarray  # (m, 2)
    edge_length: np.ndarray
    edge_pace: np.ndarray
    lines: np.ndarray  # shapely LineStrings
    tree: shapely.STRtree
    search_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def size(self) -> int:
        return len(self.node_ids)


def _version() -> str:
    layer = ReferenceLayer.objects.filter(name="roads").values_list("sha256", "loaded_at").first()
    return f"{layer[0]}@{layer[1].isoformat()}" if layer else "none"


def _build(version: str) -> Graph:
    with connection.cursor() as cursor:
        cursor.execute(_EDGES)
        rows = cursor.fetchall()
    speed = speeds_mps()
    default = min(speed.values())
    nodes = sorted({r[1] for r in rows} | {r[2] for r in rows})
    index = {n: i for i, n in enumerate(nodes)}
    lonlat = np.zeros((len(nodes), 2))
    for row in rows:
        lonlat[index[row[1]]] = row[5:7]
        lonlat[index[row[2]]] = row[7:9]
    best: dict[tuple[int, int], tuple[float, float, int]] = {}
    for edge_id, source, target, length, road_class, *_ends in rows:
        i, j = index[source], index[target]
        if i == j:
            continue
        cost = max(length, 0.01) / speed.get(road_class, default)
        key = (min(i, j), max(i, j))
        if key not in best or cost < best[key][0]:
            best[key] = (cost, length, edge_id)
    n = len(nodes)
    # Row n is the virtual origin: two slots (to nodes 0 and 1 until a search writes them).
    rows_i = [k[0] for k in best] + [k[1] for k in best] + [n, n]
    cols_j = [k[1] for k in best] + [k[0] for k in best] + [0, 1]
    costs = [v[0] for v in best.values()] * 2 + [1.0, 1.0]
    csr = csr_matrix((costs, (rows_i, cols_j)), shape=(n + 1, n + 1), dtype=np.float64)
    csr.sort_indices()
    metres = {k: (v[1], v[2]) for k, v in best.items()}
    rows = [r for r in rows if r[1] != r[2]]  # a loop edge is not a place to snap to
    lines = shapely.from_wkb([bytes(r[9]) for r in rows])
    return Graph(
        version,
        np.array(nodes, dtype=np.int64),
        index,
        csr,
        metres,
        lonlat,
        edge_ids=np.array([r[0] for r in rows], dtype=np.int64),
        edge_ends=np.array([(index[r[1]], index[r[2]]) for r in rows], dtype=np.int64),
        edge_length=np.array([r[3] for r in rows], dtype=np.float64),
        edge_pace=np.array([1 / speed.get(r[4], default) for r in rows], dtype=np.float64),
        lines=lines,
        tree=shapely.STRtree(lines),
    )


_checked_at = 0.0
# How often the road layer's version is re-read: edits show up within this many seconds.
VERSION_CHECK_S = 5.0


def graph() -> Graph:
    """The current graph, rebuilt when the road layer changed since it was built."""
    import time

    global _cached, _checked_at
    with _lock:
        now = time.monotonic()
        if _cached is None or now - _checked_at > VERSION_CHECK_S:
            version = _version()
            _checked_at = now
            if _cached is None or _cached.version != version:
                _cached = _build(version)
        return _cached


def invalidate() -> None:
    """Forget the cached graph (tests, and loaders in the same process)."""
    global _cached
    with _lock:
        _cached = None


@dataclass(frozen=True)
class Snap:
    edge_id: int
    source: int
    target: int
    to_source_s: float  # along the edge from the snapped point
    to_target_s: float
    to_source_m: float
    to_target_m: float
    off_m: float  # from the point to the road


_GEOD = Geod(ellps="WGS84")


def _metres(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Metres on the WGS84 ellipsoid between (lon, lat) rows of a and b (as geography does)."""
    return _GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])[2]


def snap(points, g: Graph | None = None) -> list[Snap]:
    """Snap (lon, lat) points to their nearest road edge, in memory (one vectorised call)."""
    if len(points) == 0:
        return []
    g = g or graph()
    xy = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    geoms = shapely.points(xy)
    pairs = g.tree.query_nearest(geoms, all_matches=False)
    edge = np.empty(len(xy), dtype=np.int64)
    edge[pairs[0]] = pairs[1]
    lines = g.lines[edge]
    frac = shapely.line_locate_point(lines, geoms, normalized=True)
    on_road = shapely.get_coordinates(shapely.line_interpolate_point(lines, frac, normalized=True))
    off = _metres(xy, on_road)
    length = g.edge_length[edge]
    pace = g.edge_pace[edge]
    ends = g.edge_ends[edge]
    return [
        Snap(
            int(g.edge_ids[e]),
            int(g.node_ids[ends[k, 0]]),
            int(g.node_ids[ends[k, 1]]),
            float(frac[k] * length[k] * pace[k]),
            float((1 - frac[k]) * length[k] * pace[k]),
            float(frac[k] * length[k]),
            float((1 - frac[k]) * length[k]),
            float(off[k]),
        )
        for k, e in enumerate(edge)
    ]


@dataclass
class Reach:
    seconds: np.ndarray  # best time from the origin to every node (n entries)
    origin: Snap
    predecessors: np.ndarray  # the virtual origin is index n


def _search(g: Graph, origin: Snap, limit_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Dijkstra from the virtual origin: its two edges are written into the spare row (under a
    lock: the matrix is shared), so nothing is copied per search."""
    ends = sorted(
        [(g.index[origin.source], origin.to_source_s), (g.index[origin.target], origin.to_target_s)]
    )
    with g.search_lock:
        g.csr.indices[-2:] = [ends[0][0], ends[1][0]]
        g.csr.data[-2:] = [max(ends[0][1], 1e-6), max(ends[1][1], 1e-6)]
        return dijkstra(
            g.csr, directed=True, indices=g.size, return_predecessors=True, limit=limit_s
        )


def from_origin(g: Graph, origin: Snap, limit_s: float = 2400) -> Reach:
    """Single-source Dijkstra from a snapped point (a virtual node joined to both ends of its
    edge by the partial costs), searching no further than ``limit_s``."""
    times, predecessors = _search(g, origin, limit_s)
    return Reach(times[: g.size], origin, predecessors)


def time_to(g: Graph, reach: Reach, target: Snap) -> tuple[float, int, float]:
    """(seconds, end node index or -1 when on the origin's edge, metres from that node to the
    target point along its edge)."""
    source, dest = g.index[target.source], g.index[target.target]
    options = [
        (reach.seconds[source] + target.to_source_s, source, target.to_source_m),
        (reach.seconds[dest] + target.to_target_s, dest, target.to_target_m),
    ]
    if target.edge_id == reach.origin.edge_id:  # same edge: straight along it
        along_s = abs(reach.origin.to_source_s - target.to_source_s)
        along_m = abs(reach.origin.to_source_m - target.to_source_m)
        options.append((along_s, -1, along_m))
    seconds, node, metres = min(options)
    return float(seconds), node, metres


def path(g: Graph, reach: Reach, node: int) -> tuple[list[int], float]:
    """Edge ids from the origin to ``node`` and the metres driven (including the part of the
    origin's own edge)."""
    if node < 0:
        return [reach.origin.edge_id], 0.0
    virtual = g.size
    hops, metres = [], 0.0
    current = node
    while True:
        previous = int(reach.predecessors[current])
        if previous == virtual:
            first = g.index[reach.origin.source]
            metres += reach.origin.to_source_m if current == first else reach.origin.to_target_m
            break
        if previous < 0:
            break
        length, edge_id = g.metres[(min(previous, current), max(previous, current))]
        hops.append(edge_id)
        metres += length
        current = previous
    return [reach.origin.edge_id, *reversed(hops)], metres


def route_geojson(edge_ids: list[int], g: Graph | None = None) -> dict | None:
    """The edges as one GeoJSON (Multi)LineString, merged where they join (in memory)."""
    if not edge_ids:
        return None
    g = g or graph()
    at = np.searchsorted(g.edge_ids, np.asarray(edge_ids, dtype=np.int64))
    known = g.edge_ids[np.minimum(at, len(g.edge_ids) - 1)] == np.asarray(edge_ids)
    at = at[known]
    if not len(at):
        return None
    merged = shapely.line_merge(shapely.multilinestrings(g.lines[at]))
    return shapely.geometry.mapping(merged)
