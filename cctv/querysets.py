from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.gis.geos import GEOSGeometry

from cctv.choices import CameraStatus
from geo.querysets import SpatialQuerySet


class CameraQuerySet(SpatialQuerySet):
    def online(self) -> CameraQuerySet:
        return self.filter(status=CameraStatus.ONLINE)

    def seeing(self, area: GEOSGeometry) -> CameraQuerySet:
        """Cameras whose view sector intersects the area (a point or an uncertainty circle);
        the GiST index on the sector answers it."""
        return self.filter(sector__intersects=area)

    def silent_since(self, cutoff) -> CameraQuerySet:
        """Online cameras whose last heartbeat is older than the cutoff (or that never sent one)."""
        return self.online().filter(
            models.Q(last_heartbeat__lt=cutoff) | models.Q(last_heartbeat__isnull=True)
        )
