from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import GeometryDistance
from django.contrib.gis.geos import Point

from geo.choices import AdminLevel


class SpatialQuerySet(models.QuerySet):
    """A queryset of features with a geometry field named ``knn_field``."""

    knn_field = "point"

    def nearest(self, point: Point):
        """Ordered by distance from the point: KNN `<->` on the GiST index."""
        return self.order_by(GeometryDistance(self.knn_field, point))


class AdminAreaQuerySet(SpatialQuerySet):
    knn_field = "geom"

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


class RoadSegmentQuerySet(SpatialQuerySet):
    knn_field = "geom"

    def named(self) -> RoadSegmentQuerySet:
        """Segments that carry a street name (connectors and unnamed lanes excluded)."""
        return self.exclude(name="").filter(is_connector=False)


class StreetQuerySet(SpatialQuerySet):
    knn_field = "geom"


class PlaceQuerySet(SpatialQuerySet):
    def of_kind(self, *kinds: str) -> PlaceQuerySet:
        return self.filter(kind__in=kinds)


class GazetteerQuerySet(models.QuerySet):
    def streets(self) -> GazetteerQuerySet:
        return self.filter(kind="street")

    def areas(self) -> GazetteerQuerySet:
        return self.filter(kind__in=("kelurahan", "kecamatan"))
