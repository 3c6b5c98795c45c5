from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import GeometryDistance
from django.contrib.gis.geos import Point

from geo.choices import AdminLevel


class AdminAreaQuerySet(models.QuerySet):
    def kelurahan(self) -> AdminAreaQuerySet:
        """The 83 kelurahan (villages/urban wards)."""
        return self.filter(level=AdminLevel.KELURAHAN)

    def kecamatan(self) -> AdminAreaQuerySet:
        """The 15 kecamatan (districts)."""
        return self.filter(level=AdminLevel.KECAMATAN)

    def city(self) -> AdminAreaQuerySet:
        """The kota row: the service area."""
        return self.filter(level=AdminLevel.KOTA)

    def containing(self, point: Point) -> AdminAreaQuerySet:
        """Areas whose polygon contains the point (uses the GiST index)."""
        return self.filter(geom__intersects=point)

    def nearest(self, point: Point) -> AdminAreaQuerySet:
        """Ordered by distance from the point (KNN on the GiST index)."""
        return self.order_by(GeometryDistance("geom", point))


class RoadSegmentQuerySet(models.QuerySet):
    def named(self) -> RoadSegmentQuerySet:
        """Segments that carry a street name (connectors and unnamed lanes excluded)."""
        return self.exclude(name="").filter(is_connector=False)

    def nearest(self, point: Point) -> RoadSegmentQuerySet:
        """Ordered by distance from the point (KNN `<->` on the GiST index)."""
        return self.order_by(GeometryDistance("geom", point))


class StreetQuerySet(models.QuerySet):
    def nearest(self, point: Point) -> StreetQuerySet:
        """Ordered by distance from the point (KNN `<->` on the GiST index)."""
        return self.order_by(GeometryDistance("geom", point))


class PlaceQuerySet(models.QuerySet):
    def of_kind(self, *kinds: str) -> PlaceQuerySet:
        return self.filter(kind__in=kinds)

    def nearest(self, point: Point) -> PlaceQuerySet:
        """Ordered by distance from the point (KNN `<->` on the GiST index)."""
        return self.order_by(GeometryDistance("point", point))


class GazetteerQuerySet(models.QuerySet):
    def streets(self) -> GazetteerQuerySet:
        return self.filter(kind="street")

    def areas(self) -> GazetteerQuerySet:
        return self.filter(kind__in=("kelurahan", "kecamatan"))
