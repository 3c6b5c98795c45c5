from __future__ import annotations

import json

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from cctv.models import Camera
from geo.api.serializers import FiniteFloat, pop_point


class CameraSerializer(GeoFeatureModelSerializer):
    sector = serializers.SerializerMethodField()

    class Meta:
        model = Camera
        geo_field = "point"
        fields = (
            "id",
            "code",
            "city_cam_id",
            "name",
            "location",
            "position_source",
            "height_m",
            "heading_deg",
            "fov_deg",
            "range_m",
            "ptz",
            "stream_hls",
            "stream_rtsp",
            "snapshot_url",
            "status",
            "last_heartbeat",
            "sector",
            "version",
        )

    def get_sector(self, camera) -> dict:
        return json.loads(camera.sector.geojson)


class CameraUpdateInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    name = serializers.CharField(max_length=120, required=False)
    lat = FiniteFloat(min_value=-90, max_value=90, required=False)
    lon = FiniteFloat(min_value=-180, max_value=180, required=False)
    height_m = FiniteFloat(min_value=0, max_value=100, required=False)
    heading_deg = FiniteFloat(min_value=0, max_value=360, required=False)
    fov_deg = FiniteFloat(
        min_value=0.1,
        max_value=360,
        required=False,
        error_messages={"min_value": _("Sudut pandang harus di atas 0°.")},
    )
    range_m = FiniteFloat(min_value=1, max_value=2000, required=False)
    ptz = serializers.BooleanField(required=False)
    stream_hls = serializers.CharField(max_length=300, required=False, allow_blank=True)
    stream_rtsp = serializers.CharField(max_length=300, required=False, allow_blank=True)
    snapshot_url = serializers.CharField(max_length=300, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=["online", "offline", "maintenance"], required=False)

    def validate(self, attrs):
        return pop_point(attrs)


class CoveringQuery(serializers.Serializer):
    lat = FiniteFloat(min_value=-90, max_value=90)
    lon = FiniteFloat(min_value=-180, max_value=180)
    radius = FiniteFloat(min_value=0, max_value=5000, default=0)


class HeartbeatInput(serializers.Serializer):
    at = serializers.DateTimeField(required=False)


def sighting_json(s) -> dict:
    return {
        "id": s.camera.pk,
        "code": s.camera.code,
        "name": s.camera.name,
        "status": s.camera.status,
        "ptz": s.camera.ptz,
        "distance_m": s.distance_m,
        "bearing_deg": s.bearing_deg,
        "off_axis_deg": s.off_axis_deg,
        "pan_deg": s.pan_deg,
        "score": s.score,
        "stream_hls": s.camera.stream_hls,
        "stream_rtsp": s.camera.stream_rtsp,
        "snapshot_url": s.camera.snapshot_url,
        "point": [s.camera.point.x, s.camera.point.y],
    }
