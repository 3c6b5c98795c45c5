"""`import_osm FILE.osm.pbf`: roads and places from an OpenStreetMap extract (pyosmium).

Ways are split at every node shared with another road way, so the edges form a routable graph
with OSM node ids as vertices. Highway types map to the register's road classes; places come
from amenity/shop/aeroway/highway=bus_stop tags (ways by the centroid of their nodes). Only
features inside the service area's bounding box (plus a margin) are kept. Data © OpenStreetMap
contributors, ODbL 1.0.
"""

from __future__ import annotations

import csv
import gzip
import itertools
import json
import math
import tempfile
from collections import Counter
from pathlib import Path

from geo.loading.common import FixtureError
from geo.loading.roads import EDGE_COLUMNS

HIGHWAY_CLASS = {
    "motorway": "arteri",
    "motorway_link": "arteri",
    "trunk": "arteri",
    "trunk_link": "arteri",
    "primary": "arteri",
    "primary_link": "arteri",
    "secondary": "kolektor",
    "secondary_link": "kolektor",
    "tertiary": "kolektor",
    "tertiary_link": "kolektor",
    "unclassified": "lokal",
    "residential": "lingkungan",
    "living_street": "perumahan",
    "service": "perumahan",
    "road": "lokal",
}
PLACE_TAGS = {
    ("amenity", "hospital"): "hospital",
    ("amenity", "clinic"): "clinic",
    ("amenity", "doctors"): "clinic",
    ("amenity", "pharmacy"): "pharmacy",
    ("amenity", "fire_station"): "fire_station",
    ("amenity", "police"): "police",
    ("amenity", "townhall"): "government_office",
    ("office", "government"): "government_office",
    ("amenity", "school"): "school",
    ("amenity", "university"): "university",
    ("amenity", "college"): "university",
    ("amenity", "marketplace"): "market",
    ("shop", "mall"): "mall",
    ("aeroway", "aerodrome"): "airport",
    ("highway", "bus_stop"): "bus_stop",
}
MARGIN_DEG = 0.02


def _place_kind(tags) -> str | None:
    if tags.get("amenity") == "place_of_worship" and tags.get("religion") == "muslim":
        return "mosque"
    if "puskesmas" in (tags.get("name") or "").lower():
        return "puskesmas"
    for (key, value), kind in PLACE_TAGS.items():
        if tags.get(key) == value:
            return kind
    return None


def read_osm(path: Path, bbox: tuple[float, float, float, float] | None):
    """(ways, node_coords, places) from the extract. Raises FixtureError when unreadable."""
    import osmium

    ways: list[tuple[int, list[int], str, str]] = []
    places: list[dict] = []
    usage: Counter[int] = Counter()

    def inside(lon: float, lat: float) -> bool:
        if bbox is None:
            return True
        x0, y0, x1, y1 = bbox
        return (
            x0 - MARGIN_DEG <= lon <= x1 + MARGIN_DEG and y0 - MARGIN_DEG <= lat <= y1 + MARGIN_DEG
        )

    coords: dict[int, tuple[float, float]] = {}

    class Handler(osmium.SimpleHandler):
        def node(self, n):
            if n.location.valid():
                coords[n.id] = (n.location.lon, n.location.lat)
            kind = _place_kind(n.tags)
            located = n.location.valid() and inside(n.location.lon, n.location.lat)
            if kind and n.tags.get("name") and located:
                places.append(
                    _place(f"osm:node/{n.id}", n.tags, kind, n.location.lon, n.location.lat)
                )

        def way(self, w):
            refs = [nd.ref for nd in w.nodes]
            road_class = HIGHWAY_CLASS.get(w.tags.get("highway", ""))
            if road_class and len(refs) >= 2:
                ways.append((w.id, refs, road_class, w.tags.get("name", "")))
                usage.update(refs)
            kind = _place_kind(w.tags)
            if kind and w.tags.get("name"):
                pts = [coords[r] for r in refs if r in coords]
                if pts:
                    lon = sum(p[0] for p in pts) / len(pts)
                    lat = sum(p[1] for p in pts) / len(pts)
                    if inside(lon, lat):
                        places.append(_place(f"osm:way/{w.id}", w.tags, kind, lon, lat))

    if not path.exists():
        raise FixtureError(f"{path}: file not found")
    try:
        Handler().apply_file(str(path), locations=False)
    except RuntimeError as exc:
        raise FixtureError(f"{path}: not a readable OSM file ({exc})") from None
    if not ways and not places:
        raise FixtureError(f"{path}: no roads or places in the extract")
    return ways, coords, usage, places


def _place(uid: str, tags, kind: str, lon: float, lat: float) -> dict:
    aliases = [tags.get(k) for k in ("alt_name", "short_name", "official_name", "old_name")]
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "uid": uid,
            "name": tags.get("name"),
            "kind": kind,
            "aliases": [a for a in aliases if a],
            "agency": {
                "hospital": "dinkes",
                "puskesmas": "dinkes",
                "fire_station": "damkar",
                "police": "polri",
            }.get(kind, ""),
            "source": "OpenStreetMap",
            "licence": "ODbL-1.0",
            "position": "osm",
            "note": "© OpenStreetMap contributors",
        },
    }


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat = math.radians((a[1] + b[1]) / 2)
    dx = math.radians(b[0] - a[0]) * math.cos(lat) * 6371008.8
    dy = math.radians(b[1] - a[1]) * 6371008.8
    return math.hypot(dx, dy)


def write_edges(ways, coords, usage, out: Path, bbox) -> int:
    """Split ways at shared nodes and write the edges CSV; returns the edge count."""
    path = out / "road_edges.csv.gz"
    count = 0
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(EDGE_COLUMNS)
        for way_id, refs, road_class, name in ways:
            piece: list[int] = [refs[0]]
            for ref in refs[1:]:
                piece.append(ref)
                if usage[ref] > 1 or ref == refs[-1]:
                    pts = [coords[r] for r in piece if r in coords]
                    if (
                        len(pts) == len(piece)
                        and len(set(pts)) >= 2
                        and (
                            bbox is None
                            or any(
                                bbox[0] - MARGIN_DEG <= x <= bbox[2] + MARGIN_DEG
                                and bbox[1] - MARGIN_DEG <= y <= bbox[3] + MARGIN_DEG
                                for x, y in pts
                            )
                        )
                    ):
                        count += 1
                        length = sum(_metres(p, q) for p, q in itertools.pairwise(pts))
                        wkt = "LINESTRING(" + ", ".join(f"{x:.7f} {y:.7f}" for x, y in pts) + ")"
                        writer.writerow(
                            [
                                count,
                                piece[0],
                                piece[-1],
                                f"{length:.2f}",
                                way_id,
                                road_class,
                                name,
                                "f",
                                "t",
                                wkt,
                            ]
                        )
                    piece = [ref]
    return count


def import_osm(path: Path) -> list[str]:
    """Replace roads and places from the extract; returns one summary line per layer."""
    from geo.loading.places import load_places
    from geo.loading.roads import load_roads
    from geo.models import AdminArea

    city = AdminArea.objects.city().first()
    bbox = city.geom.extent if city else None
    ways, coords, usage, places = read_osm(path, bbox)
    summaries = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        if ways:
            edges = write_edges(ways, coords, usage, out, bbox)
            if edges:
                result = load_roads(out / "road_edges.csv.gz", out / "no-aliases.csv", force=True)
                summaries.append(str(result))
        if places:
            file = out / "places.geojson"
            file.write_text(json.dumps({"type": "FeatureCollection", "features": places}))
            summaries.append(str(load_places(file, force=True)))
    if not summaries:
        raise FixtureError(f"{path}: nothing inside the service area")
    return summaries
