from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex
from django.utils.translation import gettext_lazy as _

from geo.choices import GazetteerKind
from geo.models.admin import AdminArea
from geo.models.places import Place
from geo.models.roads import Street
from geo.querysets import GazetteerQuerySet


class GazetteerEntry(models.Model):
    """The geocoder's search index: one row per name (or alias) of a street, place or area.

    ``key`` is the normalised name (see geo/geocoding/normalize.py), matched with pg_trgm;
    ``compact`` is the key without spaces, for callers who run words together. Rebuilt from the
    reference tables by ``geo.loaders.rebuild_gazetteer``; never edited by hand.
    """

    kind = models.CharField(max_length=12, choices=GazetteerKind.choices)
    key = models.CharField(max_length=220)
    compact = models.CharField(max_length=220)
    label = models.CharField(max_length=240)
    is_alias = models.BooleanField(default=False)
    weight = models.FloatField(default=1.0, help_text=_("Kepentingan relatif, 0–1"))
    street = models.ForeignKey(Street, null=True, blank=True, on_delete=models.CASCADE)
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.CASCADE)
    area = models.ForeignKey(
        AdminArea, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    point = models.PointField(srid=4326)
    uncertainty_m = models.FloatField()

    objects = GazetteerQuerySet.as_manager()

    class Meta:
        verbose_name = _("entri gazetir")
        verbose_name_plural = _("gazetir")
        indexes = [
            GinIndex(fields=["key"], opclasses=["gin_trgm_ops"], name="geo_gaz_key_trgm"),
            GinIndex(fields=["compact"], opclasses=["gin_trgm_ops"], name="geo_gaz_compact_trgm"),
            models.Index(fields=["kind", "key"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.label}"


class StreetPart(models.Model):
    """Where a street meets one kelurahan or kecamatan, for "Jl. X, kel. Y".

    For a street that runs through the area: ``point`` is the point of its part inside nearest
    that part's centroid, ``length_m`` the part's length and ``distance_m`` 0. For a street that
    passes within ``NEAR_M`` of the area without entering it: its point nearest the area, length
    0 and the distance. Clipping streets by area polygons (and measuring line-to-polygon
    distances) at query time cost milliseconds per candidate; these rows are computed with the
    gazetteer (``rebuild_gazetteer``) whenever streets or areas change.
    """

    NEAR_M = 250.0

    street = models.ForeignKey(Street, on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(AdminArea, on_delete=models.CASCADE, related_name="+")
    point = models.PointField(srid=4326)
    length_m = models.FloatField()
    distance_m = models.FloatField(default=0.0)

    class Meta:
        verbose_name = _("bagian jalan di wilayah")
        verbose_name_plural = _("bagian jalan di wilayah")
        constraints = [
            models.UniqueConstraint(fields=["street", "area"], name="geo_streetpart_unique")
        ]
