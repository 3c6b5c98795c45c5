"""The incidents an analytic layer reads: a time window and a category over
``Incident.objects.for_analytics()`` (prank, cancelled and merged calls never count)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from django.db import connection

from incidents.models import Incident
from incidents.querysets import IncidentQuerySet

WIB = ZoneInfo("Asia/Jakarta")


@dataclass(frozen=True)
class Window:
    """``since`` inclusive, ``until`` exclusive (UTC-aware datetimes or None); ``category`` one of
    incidents.choices.Category or None for all."""

    since: datetime | None = None
    until: datetime | None = None
    category: str | None = None

    def incidents(self) -> IncidentQuerySet:
        qs = Incident.objects.for_analytics()
        if self.since is not None:
            qs = qs.filter(created_at__gte=self.since)
        if self.until is not None:
            qs = qs.filter(created_at__lt=self.until)
        if self.category:
            qs = qs.filter(category=self.category)
        return qs

    def describe(self) -> dict:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "category": self.category,
        }


def parse_moment(text: str, *, end_of_day: bool = False) -> datetime:
    """An ISO date or date-time. A date alone is a WIB day: its start, or with ``end_of_day`` the
    start of the next day (so ``until=2026-11-30`` includes the 30th). A date-time without a zone
    is WIB. Raises ValueError."""
    text = text.strip()
    if len(text) == 10:
        day = date.fromisoformat(text)
        if end_of_day:
            day += timedelta(days=1)
        return datetime.combine(day, time.min, tzinfo=WIB)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=WIB)
    return moment


def lonlat_array(qs: IncidentQuerySet) -> np.ndarray:
    """The located incidents of ``qs`` as an N×2 float64 array of lon/lat, in one SQL statement
    returning one WKB multipoint (far faster than a row per incident)."""
    inner, params = (
        qs.filter(point__isnull=False).order_by().values("point").query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ST_AsBinary(ST_Collect(q.point)) FROM ({inner}) AS q", params)  # noqa: S608 -- the queryset's own compiled SQL; its values stay bound parameters
        (wkb,) = cursor.fetchone()
    if wkb is None:
        return np.empty((0, 2))
    return shapely.get_coordinates(shapely.from_wkb(bytes(wkb)))
