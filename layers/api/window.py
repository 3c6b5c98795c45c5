"""Query parameters shared by the planners' layer endpoints: since, until, category."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation

from accounts.choices import Role
from incidents.choices import Category
from layers.window import Window, parse_moment

# Who may read the planners' layers: everyone who looks at the map, not only planners.
LAYER_READERS = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.PLANNER, Role.WALL, Role.ADMIN})


@extend_schema_field(OpenApiTypes.STR)
class MomentField(serializers.Field):
    """An ISO date (a WIB day) or date-time (WIB when it has no zone)."""

    def __init__(self, *, end_of_day: bool = False, **kwargs):
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) > 40:
            self.fail("invalid")
        try:
            return parse_moment(data, end_of_day=self.end_of_day)
        except ValueError:
            self.fail("invalid")

    def to_representation(self, value):
        return value.isoformat()

    default_error_messages = {
        "invalid": _(
            "Gunakan tanggal ISO (2026-11-30) atau tanggal-waktu (2026-11-30T08:00+07:00)."
        )
    }


class WindowQuery(serializers.Serializer):
    since = MomentField(required=False)
    until = MomentField(required=False, end_of_day=True)
    category = serializers.ChoiceField(choices=Category.choices, required=False)

    def validate(self, attrs):
        since, until = attrs.get("since"), attrs.get("until")
        if since is not None and until is not None and since >= until:
            raise serializers.ValidationError({"since": [_("since harus sebelum until.")]})
        return attrs

    def window(self) -> Window:
        v = self.validated_data
        return Window(v.get("since"), v.get("until"), v.get("category") or None)


class IgnoreFormatParam(BaseContentNegotiation):
    """JSON for every DRF response, whatever ``?format=`` says: these views read ``format``
    themselves (png, geojson, gpkg, csv …) and send files as plain Django responses."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type
