"""What an analytic layer is computed on: category, time window and (for H3 layers) resolution.

One parser for every layer endpoint (hotspots, density, statistics, exports) and the commands
(``export_layer``, ``hotspot_report``), so that they refuse the same bad input the same way: a
400 naming the field and the reason. A bare date is a WIB day (``until`` a date means the end of
that day); a date-time without a zone is WIB. ``Selection.incidents()`` is the only way a layer
reads incidents, through ``Incident.objects.for_analytics()`` (prank, cancelled and merged
calls never count).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.choices import Category

WIB = ZoneInfo("Asia/Jakarta")
RES_MIN, RES_MAX, RES_DEFAULT = 5, 11, 8


def parse_moment(text: str, *, end_of_day: bool = False) -> datetime:
    """An ISO 8601 date or date-time. A bare date is a WIB day: its start, or with ``end_of_day``
    the start of the next day (so ``until=2026-11-30`` includes the 30th). A date-time without a
    zone is WIB. Raises ValueError."""
    text = text.strip()
    # A bare date first: parse_datetime would read "2026-03-31" as its midnight.
    day = parse_date(text) if len(text) == 10 else None
    if day is not None:
        if end_of_day:
            day += timedelta(days=1)
        return datetime.combine(day, time.min, tzinfo=WIB)
    moment = parse_datetime(text)
    if moment is None:
        raise ValueError(f"not an ISO 8601 date or date-time: {text[:40]!r}")
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=WIB)
    return moment


@dataclass(frozen=True)
class Selection:
    """``since`` inclusive, ``until`` exclusive (aware datetimes or None); ``category`` one of
    incidents.choices.Category or None for all; ``res`` the H3 resolution (H3 layers only)."""

    category: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    res: int = RES_DEFAULT

    @classmethod
    def parse(cls, params, query_class: type[SelectionQuery] | None = None) -> Selection:
        """From query parameters (by default with ``res``); raises DRF ValidationError
        (→ 400 with field and reason)."""
        query = (query_class or CellSelectionQuery)(data=params)
        query.is_valid(raise_exception=True)
        return query.selection()

    def incidents(self):
        """The analytic incidents of this selection, located or not (``for_analytics``: pranks,
        cancellations and merged duplicates removed). Point readers drop the unlocated ones."""
        from incidents.models import Incident

        qs = Incident.objects.for_analytics()
        if self.category:
            qs = qs.filter(category=self.category)
        if self.since is not None:
            qs = qs.filter(created_at__gte=self.since)
        if self.until is not None:
            qs = qs.filter(created_at__lt=self.until)
        return qs

    def describe(self) -> dict:
        """The time window and category, as layer metadata (JSON)."""
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "category": self.category,
        }

    def key(self) -> str:
        """A stable text for cache keys."""
        parts = asdict(self)
        return "|".join(
            f"{k}={v.isoformat() if isinstance(v, date) else v}" for k, v in sorted(parts.items())
        )


@extend_schema_field(OpenApiTypes.STR)
class MomentField(serializers.Field):
    """An ISO 8601 date (a WIB day: its start, or its end with ``end_of_day``) or date-time
    (WIB when it has no zone); see ``parse_moment``."""

    default_error_messages = {
        "invalid": _("tanggal/waktu ISO 8601 tidak valid, mis. 2026-01-31 atau 2026-01-31T08:00")
    }

    def __init__(self, *, end_of_day: bool = False, **kwargs):
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> datetime:
        if not isinstance(data, str) or len(data) > 40:
            self.fail("invalid")
        try:
            return parse_moment(data, end_of_day=self.end_of_day)
        except ValueError:
            self.fail("invalid")

    def to_representation(self, value):
        return value.isoformat()


class SelectionQuery(serializers.Serializer):
    """The query parameters every layer endpoint shares: category, since, until."""

    category = serializers.ChoiceField(choices=Category.choices, required=False)
    since = MomentField(required=False)
    until = MomentField(required=False, end_of_day=True)

    def validate(self, attrs):
        since, until = attrs.get("since"), attrs.get("until")
        if since is not None and until is not None and since >= until:
            raise serializers.ValidationError({"since": [_("since harus sebelum until")]})
        return attrs

    def selection(self) -> Selection:
        data = self.validated_data
        return Selection(**{f.name: data[f.name] for f in fields(Selection) if f.name in data})


class CellSelectionQuery(SelectionQuery):
    """The shared parameters and the H3 resolution, for the layers on H3 cells."""

    res = serializers.IntegerField(min_value=RES_MIN, max_value=RES_MAX, default=RES_DEFAULT)
