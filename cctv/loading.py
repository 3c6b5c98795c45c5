"""Load cameras from a GeoJSON FeatureCollection (the fixture, or the city's own register).

Upsert by ``code`` in one transaction: every camera is validated (heading, FOV, range, stream
URL schemes, inside the service area) before anything is written, and a bad file changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction

from cctv.models import Camera, CameraChange

CAMERAS_FILE = Path(settings.BASE_DIR) / "fixtures" / "pekanbaru" / "traffic" / "cameras.geojson"
FIELDS = (
    "city_cam_id",
    "name",
    "location",
    "heading_deg",
    "fov_deg",
    "range_m",
    "height_m",
    "ptz",
    "stream_hls",
    "stream_rtsp",
    "snapshot_url",
    "position_source",
    "note",
)


class CameraFileError(ValueError):
    pass


def _camera(feature: dict, path: Path, index: int) -> Camera:
    props = feature.get("properties") or {}
    code = str(props.get("code") or "").strip()
    label = code or f"#{index}"
    if not code:
        raise CameraFileError(f"{path}: feature {label}: code is required")
    geometry = feature.get("geometry") or {}
    if geometry.get("type") != "Point":
        raise CameraFileError(f"{path}: camera {label}: geometry must be a Point")
    try:
        lon, lat = (float(v) for v in geometry["coordinates"][:2])
    except (KeyError, TypeError, ValueError):
        raise CameraFileError(f"{path}: camera {label}: bad coordinates") from None
    camera = Camera(code=code, point=Point(lon, lat, srid=4326))
    for field in FIELDS:
        if props.get(field) is not None:
            setattr(camera, field, props[field])
    camera.position_source = props.get("position_source") or "city_register"
    try:
        camera.full_clean(exclude=["sector", "code", "city_cam_id"])
    except ValidationError as exc:
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        raise CameraFileError(f"{path}: camera {label}: {problems}") from None
    return camera


@transaction.atomic
def load_cameras(path: Path = CAMERAS_FILE, user=None) -> tuple[int, int]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CameraFileError(f"{path}: file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CameraFileError(f"{path}: not valid JSON ({exc})") from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list) or not features:
        raise CameraFileError(f"{path}: not a GeoJSON FeatureCollection with cameras")
    cameras = [_camera(f, path, i) for i, f in enumerate(features)]
    codes = [c.code for c in cameras]
    if len(set(codes)) != len(codes):
        raise CameraFileError(f"{path}: duplicate camera codes")
    created = updated = 0
    for new in cameras:
        old = Camera.objects.select_for_update().filter(code=new.code).first()
        if old is None:
            new.save()
            created += 1
            continue
        diff = {}
        for field in (*FIELDS, "point"):
            before, after = getattr(old, field), getattr(new, field)
            if field == "point":
                before, after = (
                    [round(before.x, 7), round(before.y, 7)],
                    [round(after.x, 7), round(after.y, 7)],
                )
            if before != after:
                diff[field] = [before, after]
                setattr(old, field, getattr(new, field))
        if diff:
            old.version += 1
            old.save()
            CameraChange.objects.create(
                camera=old, actor=user, changes={**diff, "source": str(path.name)}
            )
            updated += 1
    return created, updated
