"""Where an incident is: the kelurahan/kecamatan of a point and whether it is in the city."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.geos import Point

from geo.models import AdminArea


@dataclass(frozen=True)
class Placement:
    kelurahan: AdminArea | None
    kecamatan: AdminArea | None
    outside_service_area: bool


def place(point: Point | None) -> Placement:
    """Point in polygon on the kelurahan; outside the city the nearest kelurahan is still given
    (callers near the border exist) and the flag is set."""
    if point is None:
        return Placement(None, None, False)
    kelurahan = AdminArea.objects.kelurahan().containing(point).select_related("parent").first()
    outside = kelurahan is None
    if outside:
        outside = not AdminArea.objects.city().containing(point).exists()
        kelurahan = AdminArea.objects.kelurahan().nearest(point).select_related("parent").first()
    return Placement(kelurahan, kelurahan.parent if kelurahan else None, outside)
