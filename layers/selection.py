"""What an analytic layer is computed on: category, time window, resolution.

One parser for every layer endpoint (hotspots, density, statistics) so that they refuse the same
bad input the same way: a 400 naming the field and the reason. ``Selection.incidents()`` is the
only way a layer reads incidents, through ``Incident.objects.for_analytics()``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.choices import Category

RES_MIN, RES_MAX = 5, 11


@extend_schema_field(OpenApiTypes.STR)
class WhenField(serializers.Field):
    """An ISO 8601 date or date-time. A bare date means its start (for ``since``) or its end
    (``end_of_day``, for ``until``) in WIB; a naive date-time is read as WIB too."""

    def __init__(self, *, end_of_day: bool = False, **kwargs):
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> datetime:
        text = str(data).strip()
        try:
            # A bare date first: parse_datetime would read "2026-03-31" as its midnight.
            day = parse_date(text) if len(text) == 10 else None
            moment = None if day else parse_datetime(text)
        except ValueError:
            moment = day = None
        if moment is None and day is None:
            raise serializers.ValidationError(
                _("tanggal/waktu ISO 8601 tidak valid, mis. 2026-01-31 atau 2026-01-31T08:00")
            )
        if moment is None:
            moment = datetime.combine(day + timedelta(days=1) if self.end_of_day else day, time())
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, timezone.get_default_timezone())
        return moment

    def to_representation(self, value):
        return value.isoformat()


class SelectionQuery(serializers.Serializer):
    """Query-string fields shared by the layer endpoints."""

    category = serializers.ChoiceField(choices=Category.choices, required=False)
    since = WhenField(required=False)
    until = WhenField(required=False, end_of_day=True)
    res = serializers.IntegerField(min_value=RES_MIN, max_value=RES_MAX, default=8)

    def validate(self, attrs):
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and since >= until:
            raise serializers.ValidationError({"since": [_("since harus sebelum until")]})
        return attrs


@dataclass(frozen=True)
class Selection:
    category: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    res: int = 8

    @classmethod
    def parse(cls, params, serializer_class=SelectionQuery) -> Selection:
        """From query parameters; raises DRF ValidationError (→ 400 with field and reason)."""
        query = serializer_class(data=params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return cls(**{k: data.get(k) for k in ("category", "since", "until", "res") if k in data})

    def incidents(self):
        """The incidents of this selection, pranks, cancellations and merged duplicates
        removed (``for_analytics``), with a confirmed location."""
        from incidents.models import Incident

        qs = Incident.objects.for_analytics().filter(point__isnull=False)
        if self.category:
            qs = qs.filter(category=self.category)
        if self.since:
            qs = qs.filter(created_at__gte=self.since)
        if self.until:
            qs = qs.filter(created_at__lt=self.until)
        return qs

    def key(self) -> str:
        """A stable text for cache keys."""
        parts = asdict(self)
        return "|".join(
            f"{k}={v.isoformat() if isinstance(v, date) else v}" for k, v in sorted(parts.items())
        )
