from __future__ import annotations

from datetime import UTC

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework_gis.filters import InBBoxFilter

from incidents.choices import OPEN_STATUSES, Category, Status
from incidents.models import Incident


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 time, normalised to UTC: PostgreSQL refuses offsets beyond ±15:59, which
    ISO 8601 allows, so they must not reach the query as they were written."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValidationError(_("Waktu di luar rentang yang didukung.")) from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class IncidentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[("open", "open"), *Status.choices], method="filter_status"
    )
    category = django_filters.ChoiceFilter(choices=Category.choices)
    type = django_filters.CharFilter(field_name="type__code")
    since = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Incident
        fields = ["status", "category", "type", "since", "until"]

    def filter_status(self, queryset, name, value):
        if value == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.filter(status=value)


class BBoxFilter(InBBoxFilter):
    """``?bbox=min_lon,min_lat,max_lon,max_lat`` on the incident point."""

    bbox_param = "bbox"
