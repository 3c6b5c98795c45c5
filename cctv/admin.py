from django import forms
from django.contrib import admin
from django.contrib.gis.db import models

from cctv.models import Camera, CameraChange


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "status",
        "ptz",
        "heading_deg",
        "position_source",
        "last_heartbeat",
    )
    list_filter = ("status", "position_source", "ptz")
    readonly_fields = ("last_heartbeat", "version")
    # Plain text for geometry: the map widgets load OpenLayers from a CDN, and the centre may
    # have no internet.
    formfield_overrides = {models.PointField: {"widget": forms.Textarea(attrs={"rows": 2})}}


@admin.register(CameraChange)
class CameraChangeAdmin(admin.ModelAdmin):
    list_display = ("camera", "at", "actor")
    readonly_fields = ("camera", "at", "actor", "changes")
