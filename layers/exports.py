"""Exports of the analytic layers to GeoPackage, GeoJSON and CSV (geopandas + pyogrio).

``EXPORTABLE`` maps a layer name to a function ``(selection, options) -> GeoDataFrame`` in WGS84;
other layers (H3 bins, Gi*) join by adding an entry. Incidents are exported from
``for_analytics()`` with no caller data at all (numbers live on calls, which are not exported)
and addresses passed through the same redaction as the logs.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from config.logfilters import redact
from geo.models import AdminArea
from incidents.choices import Category
from layers.density import density_layer
from layers.selection import Selection
from layers.stats import STAGES, kelurahan_stats

CRS = "EPSG:4326"
DEFAULT_BANDWIDTH_M = 300.0


def kelurahan_stats_frame(selection: Selection, options: dict) -> gpd.GeoDataFrame:
    """One row per kelurahan with its polygon: counts per category, rate per km², the busiest
    hour (WIB) and the response-time percentiles in seconds."""
    return stats_frame(kelurahan_stats(selection))


def stats_frame(stats: dict) -> gpd.GeoDataFrame:
    """``kelurahan_stats()`` output as a flat GeoDataFrame (one row per kelurahan)."""
    geoms = dict(AdminArea.objects.kelurahan().values_list("code", "geom"))
    rows = []
    for row in stats["kelurahan"]:
        flat = {
            "code": row["code"],
            "name": row["name"],
            "kecamatan": (row["kecamatan"] or {}).get("name", ""),
            "area_km2": row["area_km2"],
            "count": row["count"],
            "rate_per_km2": row["rate_per_km2"],
            **{f"n_{c}": row["by_category"][c] for c in Category.values},
            "peak_hour_wib": max(range(24), key=row["by_hour"].__getitem__)
            if row["count"]
            else None,
        }
        for stage in STAGES:
            for label in ("p50", "p90"):
                flat[f"{stage.removesuffix('_s')}_{label}_s"] = row["response"][stage][label]
            flat[f"{stage.removesuffix('_s')}_n"] = row["response"][stage]["n"]
        flat["geometry"] = shapely.from_wkb(bytes(geoms[row["code"]].wkb))
        rows.append(flat)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def kde_contours_frame(selection: Selection, options: dict) -> gpd.GeoDataFrame:
    """Filled density bands (incidents per km²) of the selection's kernel density."""
    layer = density_layer(
        selection,
        bandwidth_m=float(options.get("bandwidth_m") or DEFAULT_BANDWIDTH_M),
        size=int(options.get("size") or 512),
    )
    features = layer.geojson()["features"] if layer is not None else []
    if not features:
        return gpd.GeoDataFrame(
            {"level": [], "level_max": [], "rank": [], "unit": []},
            geometry=gpd.GeoSeries([], crs=CRS),
        )
    return gpd.GeoDataFrame.from_features(features, crs=CRS)


INCIDENT_COLUMNS = {
    "id": "id",
    "created_at": "created_at",
    "category": "category",
    "type": "type__code",
    "priority": "priority",
    "status": "status",
    "kelurahan_code": "kelurahan__code",
    "kelurahan": "kelurahan__name",
    "kecamatan": "kecamatan__name",
    "address": "address",
    "uncertainty_m": "uncertainty_m",
    "dispatched_at": "dispatched_at",
    "on_scene_at": "on_scene_at",
}


def incidents_frame(selection: Selection, options: dict) -> gpd.GeoDataFrame:
    """The located analytic incidents (no prank, cancelled or merged calls), times in UTC."""
    qs = selection.incidents().filter(point__isnull=False).order_by("created_at", "id")
    records = list(qs.values_list(*INCIDENT_COLUMNS.values(), "point"))
    frame = pd.DataFrame([r[:-1] for r in records], columns=list(INCIDENT_COLUMNS), dtype=object)
    for column in ("created_at", "dispatched_at", "on_scene_at"):
        frame[column] = [v.isoformat() if v is not None else None for v in frame[column]]
    frame["address"] = [redact(a or "") for a in frame["address"]]
    points = shapely.points([(p.x, p.y) for _, *_, p in records]) if records else []
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(points, crs=CRS), crs=CRS)


EXPORTABLE: dict[str, Callable[[Selection, dict], gpd.GeoDataFrame]] = {
    "kelurahan-stats": kelurahan_stats_frame,
    "kde-contours": kde_contours_frame,
    "incidents": incidents_frame,
}

FORMATS = {
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
    "geojson": ("application/geo+json", "geojson"),
    "csv": ("text/csv; charset=utf-8", "csv"),
}


def write(frame: gpd.GeoDataFrame, fmt: str, path: Path, layer: str) -> None:
    """Write ``frame`` to ``path``: GeoPackage (one table named after the layer), GeoJSON, or
    CSV with the geometry as WKT (and lon/lat columns for points)."""
    if fmt == "csv":
        path.write_bytes(csv_bytes(frame))
    elif fmt == "gpkg":
        frame.to_file(path, driver="GPKG", layer=layer.replace("-", "_"), engine="pyogrio")
    elif fmt == "geojson":
        frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    else:
        raise ValueError(f"unknown format {fmt!r}")


def csv_bytes(frame: gpd.GeoDataFrame) -> bytes:
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    geometry = frame.geometry
    if len(frame) and (geometry.geom_type == "Point").all():
        table["lon"] = geometry.x.round(7)
        table["lat"] = geometry.y.round(7)
    else:
        table["wkt"] = geometry.to_wkt(rounding_precision=7) if len(frame) else []
    buffer = io.StringIO()
    table.to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


def export_bytes(name: str, fmt: str, selection: Selection, options: dict | None = None) -> bytes:
    frame = EXPORTABLE[name](selection, options or {})
    if fmt == "csv":
        return csv_bytes(frame)
    with tempfile.TemporaryDirectory(prefix="siaga-export-") as tmp:
        path = Path(tmp) / f"{name}.{FORMATS[fmt][1]}"
        write(frame, fmt, path, name)
        return path.read_bytes()
