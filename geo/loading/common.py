"""Shared pieces of the loaders: errors, checksums, the layer register, GeoJSON reading."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon

from geo.models import ReferenceLayer

FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "pekanbaru"


class FixtureError(ValueError):
    """A fixture file is missing or malformed; the message names the file and the feature."""


@dataclass(frozen=True)
class LoadResult:
    layer: str
    created: int
    updated: int
    skipped: bool = False

    def __str__(self) -> str:
        if self.skipped:
            return f"{self.layer}: unchanged, skipped"
        return f"{self.layer}: {self.created} created, {self.updated} updated"


def checksum(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        try:
            digest.update(path.read_bytes())
        except FileNotFoundError:
            raise FixtureError(f"{path}: file not found") from None
    return digest.hexdigest()


def is_current(layer: str, sha256: str) -> bool:
    """True when this exact content is what the layer holds already."""
    return ReferenceLayer.objects.filter(name=layer, sha256=sha256).exists()


def record(layer: str, source: str, sha256: str, features: int) -> None:
    ReferenceLayer.objects.update_or_create(
        name=layer, defaults={"source": source, "sha256": sha256, "features": features}
    )


def read_features(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FixtureError(f"{path}: file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FixtureError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise FixtureError(f"{path}: not a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise FixtureError(f"{path}: 'features' is not a list")
    return features


def geometry(feature: dict, path: Path, key: str) -> GEOSGeometry:
    try:
        return GEOSGeometry(json.dumps(feature["geometry"]), srid=4326)
    except (KeyError, TypeError, ValueError) as exc:
        raise FixtureError(f"{path}: feature {key}: bad geometry ({exc})") from None


def multipolygon(feature: dict, path: Path, key: str) -> MultiPolygon:
    geom = geometry(feature, path, key)
    if geom.geom_type == "Polygon":
        geom = MultiPolygon(geom, srid=4326)
    if geom.geom_type != "MultiPolygon":
        raise FixtureError(f"{path}: feature {key}: expected a polygon, got {geom.geom_type}")
    if not geom.valid:
        geom = geom.buffer(0)
        if geom.geom_type == "Polygon":
            geom = MultiPolygon(geom, srid=4326)
    return geom
