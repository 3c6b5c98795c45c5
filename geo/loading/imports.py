"""`import_layer KIND FILE`: replace one reference layer with a city's own GeoJSON, GeoPackage or
Shapefile. The file is read with geopandas (pyogrio), reprojected to WGS84, its columns mapped to
ours, written in the fixture format and loaded by the same loaders as the fixtures, so the same
checks apply and a bad file changes nothing.
"""

from __future__ import annotations

import csv
import gzip
import json
import tempfile
from pathlib import Path

from geo.loading.common import FixtureError
from geo.loading.roads import EDGE_COLUMNS

KINDS = ("kelurahan", "kecamatan", "kota", "roads", "places")

# Our field ← the column names accepted for it (first present wins, case-insensitive).
COLUMNS = {
    "kelurahan": {
        "code": ("code", "kode", "kode_kemendagri", "kd_kel", "kode_kel"),
        "name": ("name", "nama", "kelurahan", "desa", "nm_kel"),
        "kecamatan_code": ("kecamatan_code", "kode_kecamatan", "kd_kec", "kode_kec"),
        "kecamatan_name": ("kecamatan_name", "kecamatan", "nm_kec"),
        "bps_code": ("bps_code", "kode_bps", "kode_bps_2016"),
    },
    "kecamatan": {
        "code": ("code", "kode", "kode_kecamatan", "kd_kec"),
        "name": ("name", "nama", "kecamatan", "nm_kec"),
    },
    "kota": {"code": ("code", "kode", "kode_kota"), "name": ("name", "nama", "kabupaten_kota")},
    "roads": {
        "edge_id": ("edge_id", "id", "gid", "fid"),
        "source": ("source",),
        "target": ("target",),
        "road_class": ("road_class", "class", "kelas", "fungsi", "highway"),
        "name": ("name", "nama", "nama_jalan"),
    },
    "places": {
        "uid": ("uid", "id", "osm_id"),
        "name": ("name", "nama"),
        "kind": ("kind", "jenis", "type"),
        "aliases": ("aliases", "alias"),
        "agency": ("agency", "instansi"),
    },
}
REQUIRED = {
    "kelurahan": ("code", "name", "kecamatan_code"),
    "kecamatan": ("code", "name"),
    "kota": ("code", "name"),
    "roads": ("road_class",),
    "places": ("name", "kind"),
}


def read_frame(path: Path):
    """The file as a GeoDataFrame in EPSG:4326 (raises FixtureError with the reason)."""
    import geopandas
    import pyogrio

    if not path.exists():
        raise FixtureError(f"{path}: file not found")
    try:
        frame = geopandas.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        raise FixtureError(
            f"{path}: cannot read it as GeoJSON/GeoPackage/Shapefile ({exc})"
        ) from None
    if frame.empty:
        raise FixtureError(f"{path}: the layer has no features")
    if frame.crs is None:
        raise FixtureError(f"{path}: no coordinate reference system; set one (e.g. EPSG:4326)")
    frame = frame.to_crs(4326)
    if frame.geometry.isna().any():
        raise FixtureError(
            f"{path}: {int(frame.geometry.isna().sum())} feature(s) without geometry"
        )
    return frame


def map_columns(frame, kind: str, path: Path) -> dict[str, str]:
    lower = {c.lower(): c for c in frame.columns}
    mapping = {}
    for field, names in COLUMNS[kind].items():
        for name in names:
            if name in lower:
                mapping[field] = lower[name]
                break
    missing = [f for f in REQUIRED[kind] if f not in mapping]
    if missing:
        accepted = "; ".join(f"{f}: {'/'.join(COLUMNS[kind][f])}" for f in missing)
        raise FixtureError(
            f"{path}: missing column(s) for {', '.join(missing)} (accepted: {accepted})"
        )
    return mapping


def _value(row, mapping: dict, field: str, default=""):
    column = mapping.get(field)
    if column is None:
        return default
    value = row[column]
    if value is None or (isinstance(value, float) and value != value):
        return default
    return value


def _geojson(features: list[dict], path: Path) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def write_places(frame, mapping: dict, out: Path) -> Path:
    features = []
    for i, row in frame.iterrows():
        geom = row.geometry
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        aliases = _value(row, mapping, "aliases", [])
        if isinstance(aliases, str):
            aliases = [a.strip() for a in aliases.split(";") if a.strip()]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [point.x, point.y]},
                "properties": {
                    "uid": f"import:{_value(row, mapping, 'uid', i)}",
                    "name": str(_value(row, mapping, "name")),
                    "kind": str(_value(row, mapping, "kind")),
                    "aliases": list(aliases),
                    "agency": str(_value(row, mapping, "agency")),
                    "source": out.name,
                    "licence": "",
                    "position": "surveyed",
                    "note": "imported",
                },
            }
        )
    return _geojson(features, out / "places.geojson")


def write_road_edges(frame, mapping: dict, out: Path) -> Path:
    """Edges CSV; without source/target columns, nodes are the line ends snapped to 0.5 m
    (so lines must already be split at junctions, as OSM ways are by import_osm)."""
    from shapely.geometry import LineString

    metric = frame.geometry.to_crs(32647)
    has_topology = "source" in mapping and "target" in mapping
    nodes: dict[tuple[int, int], int] = {}

    def node(x: float, y: float) -> int:
        key = (round(x * 2), round(y * 2))
        return nodes.setdefault(key, len(nodes) + 1)

    path = out / "road_edges.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(EDGE_COLUMNS)
        edge_id = 0
        for (_, row), line_m in zip(frame.iterrows(), metric, strict=True):
            parts = getattr(row.geometry, "geoms", [row.geometry])
            parts_m = getattr(line_m, "geoms", [line_m])
            for part, part_m in zip(parts, parts_m, strict=True):
                if not isinstance(part, LineString) or part.is_empty:
                    raise FixtureError(
                        f"roads: feature {row.name}: expected lines, got {part.geom_type}"
                    )
                edge_id += 1
                if has_topology:
                    source, target = int(row[mapping["source"]]), int(row[mapping["target"]])
                else:
                    (x0, y0), (x1, y1) = part_m.coords[0], part_m.coords[-1]
                    source, target = node(x0, y0), node(x1, y1)
                writer.writerow(
                    [
                        int(_value(row, mapping, "edge_id", edge_id)) if has_topology else edge_id,
                        source,
                        target,
                        f"{part_m.length:.2f}",
                        "",
                        str(_value(row, mapping, "road_class")).strip().lower(),
                        str(_value(row, mapping, "name")).strip(),
                        "f",
                        "t",
                        part.wkt,
                    ]
                )
    return path


def _admin_feature(geometry: dict, props: dict) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": props}


def _current_admin(level: str) -> list[dict]:
    """The areas of one level as they are in the database now, in the fixture format."""
    from geo.models import AdminArea

    out = []
    for area in AdminArea.objects.filter(level=level).select_related("parent"):
        geometry = json.loads(area.geom.geojson)
        if level == "kota":
            props = {"kode_kota": area.code, "kabupaten_kota": area.name}
        elif level == "kecamatan":
            props = {"kode_kecamatan": area.code, "kecamatan": area.name}
        else:
            props = {
                "kode_kemendagri": area.code,
                "nama": area.name,
                "kode_kecamatan": area.parent.code,
                "kode_bps_2016": area.bps_code,
            }
        out.append(_admin_feature(geometry, props))
    return out


def write_admin(frame, kind: str, mapping: dict, out: Path) -> Path:
    """All three admin levels in the fixture format: the imported one from the file, the
    others as the database holds them now (so earlier imports are kept)."""
    from shapely.geometry import mapping as to_geojson

    files = {
        "kota": "kota_pekanbaru_big",
        "kecamatan": "kecamatan_kemendagri",
        "kelurahan": "kelurahan_kemendagri",
    }
    for level, name in files.items():
        if level == kind:
            continue
        features = _current_admin(level)
        if not features:
            raise FixtureError(f"load the {level} layer before importing {kind}")
        _geojson(features, out / f"{name}.geojson")
    features = []
    for _, row in frame.iterrows():
        code, name = str(_value(row, mapping, "code")), str(_value(row, mapping, "name"))
        if kind == "kelurahan":
            props = {
                "kode_kemendagri": code,
                "nama": name,
                "kode_kecamatan": str(_value(row, mapping, "kecamatan_code")),
                "kode_bps_2016": str(_value(row, mapping, "bps_code")),
            }
        elif kind == "kecamatan":
            props = {"kode_kecamatan": code, "kecamatan": name}
        else:
            props = {"kode_kota": code, "kabupaten_kota": name}
        features.append(_admin_feature(to_geojson(row.geometry), props))
    return _geojson(features, out / f"{files[kind]}.geojson")


def import_layer(kind: str, path: Path) -> str:
    """Replace one layer from a file; returns a one-line summary. Callers wrap it in a
    transaction together with the gazetteer rebuild."""
    from geo.loading.admin import load_admin_areas
    from geo.loading.places import load_places
    from geo.loading.roads import load_roads

    if kind not in KINDS:
        raise FixtureError(f"unknown layer kind {kind!r}; choose one of {', '.join(KINDS)}")
    frame = read_frame(path)
    mapping = map_columns(frame, kind, path)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        if kind == "places":
            return str(load_places(write_places(frame, mapping, out), force=True))
        if kind == "roads":
            edges = write_road_edges(frame, mapping, out)
            return str(load_roads(edges, out / "no-aliases.csv", force=True))
        write_admin(frame, kind, mapping, out)
        return str(load_admin_areas(out, force=True, source=f"import: {path.name}"))
