from __future__ import annotations

from datetime import datetime

from django.contrib.gis.db import models
from django.contrib.gis.geos import Point, Polygon
from django.contrib.gis.measure import D
from django.db.models import F

from geo import h3cells
from geo.querysets import SpatialQuerySet
from incidents.choices import EXCLUDED_FROM_ANALYTICS, OPEN_STATUSES


class IncidentQuerySet(models.QuerySet):
    def open(self) -> IncidentQuerySet:
        """Being handled: received, verified, dispatched or on scene."""
        return self.filter(status__in=OPEN_STATUSES)

    def for_analytics(self) -> IncidentQuerySet:
        """What every analytic layer (hotspots, statistics) must use: prank, cancelled and
        merged duplicates removed, or they become the hotspots."""
        return self.exclude(status__in=EXCLUDED_FROM_ANALYTICS)

    def cell_missing(self) -> IncidentQuerySet:
        """Located incidents without stored H3 cells: written around ``Incident.save()`` (raw
        SQL, or a queryset ``update()`` of the point, whose cells a trigger clears). Usually
        none; the partial index ``incident_cell_missing`` finds them."""
        return self.filter(h3_r11__isnull=True, point__isnull=False)

    def per_cell(self, res: int, **groups) -> IncidentQuerySet:
        """Incidents with stored cells, grouped by their H3 cell at ``res`` (5–11) and by the
        expressions in ``groups``: a ``values()`` queryset with ``cell`` (signed bigint) and the
        groups, to annotate with aggregates, which runs as one GROUP BY. On the analytic rows
        (``for_analytics()``) the partial covering index ``incident_cells_r<res>`` answers it
        without reading the table (an index-only scan once the table is vacuumed) as long as
        the groups, filters and aggregates use only its columns (count ``cell``)."""
        name = h3cells.column(res)
        return self.order_by().filter(**{f"{name}__isnull": False}).values(cell=F(name), **groups)

    def in_bbox(self, bbox: Polygon) -> IncidentQuerySet:
        return self.filter(point__intersects=bbox)

    def since(self, when: datetime) -> IncidentQuerySet:
        return self.filter(created_at__gte=when)

    def map_feed(self) -> str:
        """This queryset as a GeoJSON FeatureCollection (text), built in one SQL statement."""
        from django.db import connection

        from incidents.sql import MAP_FEED

        ids_sql, params = self.order_by().values("id").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(MAP_FEED.format(ids=ids_sql), params)
            return cursor.fetchone()[0]

    def near(self, point: Point, metres: float) -> IncidentQuerySet:
        """Within ``metres`` of the point: a bounding-box test in degrees that the GiST index
        answers, then the true spherical distance in metres."""
        margin_deg = metres / 110_000 * 1.2  # a degree is at least ~110 km near the equator
        return self.filter(point__dwithin=(point, margin_deg)).filter(
            point__distance_lte=(point, D(m=metres))
        )


class StationQuerySet(SpatialQuerySet):
    """Stations; ``nearest()`` comes from SpatialQuerySet."""


class UnitQuerySet(SpatialQuerySet):
    def available(self) -> UnitQuerySet:
        return self.filter(status="available")

    def fresh(self, since: datetime) -> UnitQuerySet:
        """Units whose last position is at least this recent."""
        return self.filter(point__isnull=False, fix_at__gte=since)


class CallQuerySet(models.QuerySet):
    def from_number(self, number: str) -> CallQuerySet:
        return self.filter(caller_number=number) if number else self.none()
