"""Load the Pekanbaru reference layers from fixtures/pekanbaru, idempotently.

Each loader upserts by a stable key inside one transaction, so a rerun changes nothing and a
failure changes nothing either.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction

from geo.choices import AdminLevel
from geo.models import AdminArea

FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "pekanbaru"


class FixtureError(ValueError):
    """A fixture file is missing or malformed; the message names the file and the feature."""


@dataclass(frozen=True)
class LoadResult:
    layer: str
    created: int
    updated: int

    def __str__(self) -> str:
        return f"{self.layer}: {self.created} created, {self.updated} updated"


def _features(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FixtureError(f"{path}: file not found") from None
    except json.JSONDecodeError as exc:
        raise FixtureError(f"{path}: not valid JSON ({exc})") from None
    if data.get("type") != "FeatureCollection":
        raise FixtureError(f"{path}: not a GeoJSON FeatureCollection")
    return data["features"]


def _multipolygon(feature: dict, path: Path, key: str) -> MultiPolygon:
    try:
        geom = GEOSGeometry(json.dumps(feature["geometry"]), srid=4326)
    except (KeyError, TypeError, ValueError) as exc:
        raise FixtureError(f"{path}: feature {key}: bad geometry ({exc})") from None
    if geom.geom_type == "Polygon":
        geom = MultiPolygon(geom, srid=4326)
    if geom.geom_type != "MultiPolygon":
        raise FixtureError(f"{path}: feature {key}: expected a polygon, got {geom.geom_type}")
    if not geom.valid:
        geom = geom.buffer(0)
        if geom.geom_type == "Polygon":
            geom = MultiPolygon(geom, srid=4326)
    return geom


def _upsert(level: str, code: str, defaults: dict, counts: list[int]) -> AdminArea:
    area, created = AdminArea.objects.update_or_create(
        code=code, defaults={"level": level, **defaults}
    )
    counts[0 if created else 1] += 1
    return area


@transaction.atomic
def load_admin_areas(folder: Path = FIXTURES / "admin") -> LoadResult:
    """Kota outline, 15 kecamatan and 83 kelurahan (Kemendagri codes, BPS codes where known)."""
    counts = [0, 0]
    kota_path = folder / "kota_pekanbaru_big.geojson"
    (kota,) = _features(kota_path)[:1]
    kota_props = kota["properties"]
    city = _upsert(
        AdminLevel.KOTA,
        kota_props["kode_kota"],
        {
            "name": kota_props["kabupaten_kota"],
            "parent": None,
            "geom": _multipolygon(kota, kota_path, kota_props["kode_kota"]),
            "source": "BIG kab/kota outline (via Ascalon231/webgis-pekanbaru)",
        },
        counts,
    )
    kec_path = folder / "kecamatan_kemendagri.geojson"
    kecamatan = {}
    for feature in _features(kec_path):
        props = feature["properties"]
        kecamatan[props["kode_kecamatan"]] = _upsert(
            AdminLevel.KECAMATAN,
            props["kode_kecamatan"],
            {
                "name": props["kecamatan"],
                "parent": city,
                "geom": _multipolygon(feature, kec_path, props["kode_kecamatan"]),
                "source": "dissolve of cahyadsn/wilayah_boundaries kelurahan (MIT)",
            },
            counts,
        )
    kel_path = folder / "kelurahan_kemendagri.geojson"
    for feature in _features(kel_path):
        props = feature["properties"]
        parent = kecamatan.get(props["kode_kecamatan"])
        if parent is None:
            raise FixtureError(
                f"{kel_path}: kelurahan {props['kode_kemendagri']} names unknown kecamatan "
                f"{props['kode_kecamatan']}"
            )
        _upsert(
            AdminLevel.KELURAHAN,
            props["kode_kemendagri"],
            {
                "name": props["nama"],
                "bps_code": props.get("kode_bps_2016") or "",
                "parent": parent,
                "geom": _multipolygon(feature, kel_path, props["kode_kemendagri"]),
                "source": "cahyadsn/wilayah_boundaries (MIT), Kepmendagri 2025 codes",
            },
            counts,
        )
    return LoadResult("admin areas", created=counts[0], updated=counts[1])
