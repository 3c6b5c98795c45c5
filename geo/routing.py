"""Drive times over the road graph, held in memory as a CSR matrix (scipy).

pgRouting answers one-to-many in 30-50 ms on this graph; a single-source Dijkstra on an
in-memory copy takes a few milliseconds, which is what ranking units for every incident needs.
The copy follows the road tables: its version is the checksum and load time of the "roads"
reference layer, checked on every use, so an import or reload is picked up without a restart.

Costs are seconds at a speed per road class (settings.ROAD_SPEEDS_KMH). All edges are two-way
(the 2015 register has no one-way information).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from geo.models import ReferenceLayer

_lock = threading.Lock()
_cached: Graph | None = None

_EDGES = """
SELECT id, source, target, length_m, road_class,
       ST_X(ST_StartPoint(geom)), ST_Y(ST_StartPoint(geom)),
       ST_X(ST_EndPoint(geom)), ST_Y(ST_EndPoint(geom))
FROM geo_roadsegment
"""
# Snap points to the nearest edge: KNN on the GiST index, then the position along the edge.
_SNAP = """
SELECT p.i, e.id, e.source, e.target, e.length_m, e.road_class,
       ST_LineLocatePoint(e.geom, p.g) AS frac,
       ST_Distance(e.geom::geography, p.g::geography) AS off_m
FROM (SELECT i, ST_SetSRID(ST_MakePoint(x, y), 4326) AS g
      FROM unnest(%(xs)s::float8[], %(ys)s::float8[]) WITH ORDINALITY AS t(x, y, i)) p
CROSS JOIN LATERAL (
    SELECT id, source, target, length_m, road_class, geom FROM geo_roadsegment
    ORDER BY geom <-> p.g LIMIT 1
) e
"""
_ROUTE = """
SELECT ST_AsGeoJSON(ST_LineMerge(ST_Collect(geom ORDER BY array_position(%(ids)s::bigint[], id))),
                    6)
FROM geo_roadsegment WHERE id = ANY(%(ids)s)
"""


def speeds_mps() -> dict[str, float]:
    return {cls: kmh / 3.6 for cls, kmh in settings.ROAD_SPEEDS_KMH.items()}


@dataclass
class Graph:
    version: str
    node_ids: np.ndarray
    index: dict[int, int]
    csr: csr_matrix  # seconds
    metres: dict[tuple[int, int], tuple[float, int]]  # (i, j) → (length, edge id) of the edge used
    lonlat: np.ndarray  # (n, 2) node positions

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
    rows_i = [k[0] for k in best] + [k[1] for k in best]
    cols_j = [k[1] for k in best] + [k[0] for k in best]
    costs = [v[0] for v in best.values()] * 2
    n = len(nodes)
    csr = csr_matrix((costs, (rows_i, cols_j)), shape=(n, n))
    metres = {k: (v[1], v[2]) for k, v in best.items()}
    return Graph(version, np.array(nodes, dtype=np.int64), index, csr, metres, lonlat)


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


def snap(points: list[tuple[float, float]]) -> list[Snap]:
    """Snap (lon, lat) points to their nearest road edge."""
    if not points:
        return []
    speed = speeds_mps()
    default = min(speed.values())
    with connection.cursor() as cursor:
        cursor.execute(_SNAP, {"xs": [p[0] for p in points], "ys": [p[1] for p in points]})
        rows = sorted(cursor.fetchall())
    return [snap_row(*row[1:], speed=speed, default=default) for row in rows]


def snap_row(
    edge_id, source, target, length, road_class, frac, off_m, *, speed=None, default=None
) -> Snap:
    """A Snap from (edge id, source, target, length, class, fraction along, metres off)."""
    speed = speed or speeds_mps()
    v = speed.get(road_class, default or min(speed.values()))
    return Snap(
        edge_id,
        source,
        target,
        frac * length / v,
        (1 - frac) * length / v,
        frac * length,
        (1 - frac) * length,
        off_m,
    )


@dataclass
class Reach:
    seconds: np.ndarray  # best time from the origin to every node
    metres_to: dict[int, float]
    origin: Snap
    predecessors: np.ndarray
    via: np.ndarray  # which origin end (0 source, 1 target) each node is reached from


def from_origin(g: Graph, origin: Snap, limit_s: float = 2400) -> Reach:
    """Single-source Dijkstra from a snapped point (both ends of its edge, with their offsets)."""
    ends = [g.index[origin.source], g.index[origin.target]]
    # The matrix holds both directions, so the directed search is exact and a little faster.
    times, predecessors = dijkstra(
        g.csr, directed=True, indices=ends, return_predecessors=True, limit=limit_s
    )
    with_offset = times + np.array([[origin.to_source_s], [origin.to_target_s]])
    via = np.argmin(with_offset, axis=0)
    seconds = with_offset[via, np.arange(g.size)]
    return Reach(seconds, {}, origin, predecessors, via)


def time_to(g: Graph, reach: Reach, target: Snap) -> tuple[float, int, float]:
    """(seconds, end node index or -1 when on the origin's edge, metres from that node to the
    target point along its edge)."""
    options = [
        (
            reach.seconds[g.index[target.source]] + target.to_source_s,
            g.index[target.source],
            target.to_source_m,
        ),
        (
            reach.seconds[g.index[target.target]] + target.to_target_s,
            g.index[target.target],
            target.to_target_m,
        ),
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
    row = reach.via[node]
    origin_part = reach.origin.to_source_m if row == 0 else reach.origin.to_target_m
    edges, metres = [reach.origin.edge_id], origin_part
    hops = []
    current = node
    while True:
        previous = reach.predecessors[row, current]
        if previous < 0:
            break
        length, edge_id = g.metres[(min(previous, current), max(previous, current))]
        hops.append(edge_id)
        metres += length
        current = previous
    edges += reversed(hops)
    return edges, metres


def route_geojson(edge_ids: list[int]) -> dict | None:
    if not edge_ids:
        return None
    import json

    with connection.cursor() as cursor:
        cursor.execute(_ROUTE, {"ids": edge_ids})
        (text,) = cursor.fetchone()
    return json.loads(text) if text else None
