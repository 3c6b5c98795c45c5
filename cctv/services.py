"""Writes on cameras (changes logged with who and when, status changes broadcast) and the
question operators ask: which cameras can see this spot?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cctv.choices import CameraStatus
from cctv.geometry import angle_off_axis, bearing_and_distance
from cctv.models import Camera, CameraChange
from config.errors import Conflict, Invalid, NotFound
from incidents import live

TRACKED = (
    "name",
    "location",
    "point",
    "height_m",
    "heading_deg",
    "fov_deg",
    "range_m",
    "ptz",
    "stream_hls",
    "stream_rtsp",
    "snapshot_url",
    "status",
    "note",
)


def _value(camera: Camera, field: str):
    value = getattr(camera, field)
    return [round(value.x, 7), round(value.y, 7)] if field == "point" and value else value


def _summary(camera: Camera) -> dict:
    return {
        "id": camera.pk,
        "code": camera.code,
        "status": camera.status,
        "point": _value(camera, "point"),
        "heading_deg": camera.heading_deg,
        "version": camera.version,
    }


@transaction.atomic
def update_camera(user, camera_id: int, version: int | None, changes: dict) -> Camera:
    camera = Camera.objects.select_for_update().filter(pk=camera_id).first()
    if camera is None:
        raise NotFound(f"camera {camera_id} does not exist")
    if version is None:
        raise Invalid("version", "the version you last read is required")
    if version != camera.version:
        raise Conflict("the camera was changed by someone else", current_version=camera.version)
    before = {f: _value(camera, f) for f in TRACKED}
    for field, value in changes.items():
        if field not in TRACKED:
            raise Invalid(field, "this field cannot be edited")
        setattr(camera, field, value)
    try:
        camera.full_clean(exclude=["sector"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise Invalid(field, " ".join(messages)) from None
    diff = {f: [before[f], _value(camera, f)] for f in TRACKED if before[f] != _value(camera, f)}
    if diff:
        camera.version += 1
        camera.save()
        CameraChange.objects.create(camera=camera, actor=user, changes=diff)
        live.record("camera.updated", {"camera": _summary(camera), "changed": sorted(diff)})
    return camera


@transaction.atomic
def heartbeat(camera_id: int, at: datetime | None = None) -> Camera:
    """A sign of life from the video system: the camera is online (unless in maintenance)."""
    camera = Camera.objects.select_for_update().filter(pk=camera_id).first()
    if camera is None:
        raise NotFound(f"camera {camera_id} does not exist")
    camera.last_heartbeat = at or timezone.now()
    fields = ["last_heartbeat"]
    if camera.status == CameraStatus.OFFLINE:
        camera.status = CameraStatus.ONLINE
        camera.version += 1
        fields += ["status", "version"]
        CameraChange.objects.create(camera=camera, changes={"status": ["offline", "online"]})
        live.record("camera.status", {"camera": _summary(camera)})
    Camera.objects.filter(pk=camera.pk).update(**{f: getattr(camera, f) for f in fields})
    return camera


def mark_silent_offline(limit: timedelta, now: datetime | None = None) -> list[str]:
    """Online cameras without a heartbeat for ``limit`` go offline; returns their codes."""
    cutoff = (now or timezone.now()) - limit
    marked = []
    for camera_id in Camera.objects.silent_since(cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            camera = Camera.objects.select_for_update().get(pk=camera_id)
            if camera.status != CameraStatus.ONLINE or (
                camera.last_heartbeat and camera.last_heartbeat >= cutoff
            ):
                continue  # a heartbeat arrived meanwhile
            camera.status = CameraStatus.OFFLINE
            camera.version += 1
            Camera.objects.filter(pk=camera.pk).update(status=camera.status, version=camera.version)
            CameraChange.objects.create(
                camera=camera,
                changes={
                    "status": ["online", "offline"],
                    "reason": f"no heartbeat for {int(limit.total_seconds())} s",
                },
            )
            live.record("camera.status", {"camera": _summary(camera)})
            marked.append(camera.code)
    return marked


@dataclass
class Sighting:
    camera: Camera
    distance_m: float
    bearing_deg: float  # from the camera to the spot
    off_axis_deg: float
    pan_deg: float | None  # how far a PTZ camera must turn (signed, clockwise positive)
    score: float


def _sighting(camera: Camera, point: Point) -> Sighting:
    bearing, distance = bearing_and_distance(camera.point.x, camera.point.y, point.x, point.y)
    off = 0.0 if camera.ptz else angle_off_axis(camera.heading_deg, bearing)
    pan = ((bearing - camera.heading_deg + 180) % 360 - 180) if camera.ptz else None
    # Closer and nearer the axis is better; both normalised to the camera's own reach.
    closeness = max(0.0, 1 - distance / camera.range_m)
    centred = 1.0 if camera.ptz else max(0.0, 1 - off / max(camera.fov_deg / 2, 1))
    score = round(0.6 * closeness + 0.4 * centred, 3)
    return Sighting(
        camera,
        round(distance, 1),
        round(bearing, 1),
        round(off, 1),
        round(pan, 1) if pan is not None else None,
        score,
    )


def cameras_for(point: Point, radius_m: float = 0, nearest: int = 3):
    """(covering, others): cameras whose sector meets the spot or its uncertainty circle, best
    first; then the nearest cameras that do not cover it, labelled apart."""
    area = point
    if radius_m > 0:
        from cctv.geometry import sector

        area = sector(point.x, point.y, 0, 360, radius_m, ptz=True)
    covering = [_sighting(c, point) for c in Camera.objects.seeing(area)]
    covering.sort(key=lambda s: s.score, reverse=True)
    seen = {s.camera.pk for s in covering}
    others = [
        _sighting(c, point) for c in Camera.objects.exclude(pk__in=seen).nearest(point)[:nearest]
    ]
    return covering, others
