from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from geo.api.serializers import FiniteFloat, pop_point
from incidents.choices import AgencyRole, Priority, Status
from incidents.models import Call, Incident, IncidentType, TimelineEvent
from incidents.models.incidents import DESCRIPTION_MAX

NOTE_MAX = 4000
_PHONE = re.compile(r"^\+?[0-9]{3,15}$")


def mask_number(number: str) -> str:
    """'+6281234567890' → '+6281*******890': enough to compare by eye, not to call back."""
    if not number:
        return ""
    keep_head = 5 if number.startswith("+") else 4
    if len(number) <= keep_head + 3:
        return "*" * len(number)
    return number[:keep_head] + "*" * (len(number) - keep_head - 3) + number[-3:]


class LocationInput(serializers.Serializer):
    """lat/lon in WGS84 (both or neither), uncertainty in metres."""

    lat = FiniteFloat(min_value=-90, max_value=90, required=False)
    lon = FiniteFloat(min_value=-180, max_value=180, required=False)
    uncertainty_m = FiniteFloat(min_value=0, max_value=100_000, required=False, allow_null=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)

    def validate(self, attrs):
        return pop_point(attrs)


class IncidentTypeField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(
            slug_field="code", queryset=IncidentType.objects.filter(active=True), **kwargs
        )


class DescriptionField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            max_length=DESCRIPTION_MAX,
            allow_blank=True,
            trim_whitespace=False,
            error_messages={
                "max_length": _("Uraian paling panjang %(n)d karakter; tidak dipotong.")
                % {"n": DESCRIPTION_MAX}
            },
            **kwargs,
        )


class IncidentCreateInput(LocationInput):
    type = IncidentTypeField()
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    description = DescriptionField(required=False)
    call = serializers.PrimaryKeyRelatedField(queryset=Call.objects.all(), required=False)


class IncidentUpdateInput(LocationInput):
    version = serializers.IntegerField(min_value=1, required=False)
    type = IncidentTypeField(required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    description = DescriptionField(required=False)


class TransitionInput(serializers.Serializer):
    to = serializers.ChoiceField(choices=Status.choices)
    version = serializers.IntegerField(min_value=1, required=False)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    merged_into = serializers.IntegerField(min_value=1, required=False)


class AssignInput(serializers.Serializer):
    agency = serializers.SlugField(max_length=20)
    role = serializers.ChoiceField(choices=AgencyRole.choices, default=AgencyRole.SUPPORT)


class NoteInput(serializers.Serializer):
    text = serializers.CharField(max_length=NOTE_MAX, trim_whitespace=True)


class AttachCallInput(serializers.Serializer):
    call = serializers.IntegerField(min_value=1)


class AreaField(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class IncidentSerializer(GeoFeatureModelSerializer):
    type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    type_name = serializers.CharField(source="type.name", read_only=True)
    kelurahan = AreaField(read_only=True)
    kecamatan = AreaField(read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    agencies = serializers.SerializerMethodField()
    units = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        geo_field = "point"
        fields = (
            "id",
            "status",
            "category",
            "type",
            "type_name",
            "priority",
            "uncertainty_m",
            "outside_service_area",
            "address",
            "kelurahan",
            "kecamatan",
            "description",
            "agencies",
            "units",
            "merged_into",
            "created_by",
            "created_at",
            "updated_at",
            "verified_at",
            "dispatched_at",
            "on_scene_at",
            "resolved_at",
            "closed_at",
            "version",
        )

    def get_agencies(self, incident) -> list[dict]:
        return [{"agency": a.agency.code, "role": a.role} for a in incident.assignments.all()]

    def get_units(self, incident) -> list[dict]:
        """The units working on it now (dispatched, on scene, returning from it)."""
        return [{"id": u.pk, "code": u.code, "status": u.status} for u in incident.units.all()]


class TimelineSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = TimelineEvent
        fields = ("id", "at", "kind", "actor", "data")


class CallInput(serializers.Serializer):
    received_at = serializers.DateTimeField(required=False)
    duration_s = serializers.IntegerField(min_value=0, max_value=86_400, required=False)
    caller_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    silent = serializers.BooleanField(default=False)
    hung_up = serializers.BooleanField(default=False)
    spoken_address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    type = IncidentTypeField(required=False)
    lat = FiniteFloat(min_value=-90, max_value=90, required=False)
    lon = FiniteFloat(min_value=-180, max_value=180, required=False)

    def validate_caller_number(self, value: str) -> str:
        value = re.sub(r"[\s().-]", "", value)
        if value.startswith("0"):
            value = "+62" + value[1:]  # national format → E.164 (Indonesia)
        if value and not _PHONE.match(value):
            raise serializers.ValidationError(_("Nomor telepon tidak valid."))
        return value

    def validate(self, attrs):
        return pop_point(attrs)


class CallSerializer(serializers.ModelSerializer):
    caller_number = serializers.SerializerMethodField()
    device_location = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = (
            "id",
            "received_at",
            "duration_s",
            "caller_number",
            "is_silent",
            "hung_up",
            "spoken_address",
            "device_location",
            "incident",
            "prank_risk",
            "prank_reasons",
        )

    def get_caller_number(self, call) -> str:
        request = self.context.get("request")
        if request is not None and getattr(request.user, "role", "") == "supervisor":
            return call.caller_number
        return mask_number(call.caller_number)

    def get_device_location(self, call) -> dict | None:
        if call.device_point is None:
            return None
        return {
            "lon": call.device_point.x,
            "lat": call.device_point.y,
            "uncertainty_m": call.device_uncertainty_m,
            "method": call.device_method,
            "format": call.device_format,
            "time": call.device_time,
            "outside_service_area": call.device_outside_service_area,
        }
