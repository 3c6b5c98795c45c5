from __future__ import annotations

import django_filters
from rest_framework_gis.filters import InBBoxFilter

from incidents.choices import OPEN_STATUSES, Category, Status
from incidents.models import Incident


class IncidentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[("open", "open"), *Status.choices], method="filter_status"
    )
    category = django_filters.ChoiceFilter(choices=Category.choices)
    type = django_filters.CharFilter(field_name="type__code")
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

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
