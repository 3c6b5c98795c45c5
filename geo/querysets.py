from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.gis.geos import Point

from geo.choices import AdminLevel


class AdminAreaQuerySet(models.QuerySet):
    def kelurahan(self) -> AdminAreaQuerySet:
        """The 83 kelurahan (villages/urban wards)."""
        return self.filter(level=AdminLevel.KELURAHAN)

    def kecamatan(self) -> AdminAreaQuerySet:
        """The 15 kecamatan (districts)."""
        return self.filter(level=AdminLevel.KECAMATAN)

    def containing(self, point: Point) -> AdminAreaQuerySet:
        """Areas whose polygon contains the point (uses the GiST index)."""
        return self.filter(geom__intersects=point)
