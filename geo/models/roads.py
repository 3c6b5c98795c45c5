from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.utils.translation import gettext_lazy as _

from geo.choices import RoadClass
from geo.querysets import RoadSegmentQuerySet, StreetQuerySet


class Street(models.Model):
    """One named street: the segments of one name that lie together (a name used in two distant
    places, common for gang names, makes two streets). Derived from the road segments on load."""

    name = models.CharField(_("nama di register"), max_length=200)
    label = models.CharField(_("label"), max_length=220)
    road_class = models.CharField(_("kelas jalan"), max_length=12, choices=RoadClass.choices)
    aliases = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    length_m = models.FloatField(_("panjang (m)"))
    geom = models.MultiLineStringField(_("geometri"), srid=4326)

    objects = StreetQuerySet.as_manager()

    class Meta:
        verbose_name = _("jalan")
        verbose_name_plural = _("jalan")
        indexes = [
            GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], name="geo_street_name_trgm")
        ]

    def __str__(self) -> str:
        return self.label


class RoadSegment(models.Model):
    """An edge of the routable road graph (pgRouting: id, source, target, cost, reverse_cost)."""

    id = models.BigIntegerField(primary_key=True)
    source = models.BigIntegerField(_("simpul awal"), db_index=True)
    target = models.BigIntegerField(_("simpul akhir"), db_index=True)
    length_m = models.FloatField(_("panjang (m)"))
    road_class = models.CharField(_("kelas jalan"), max_length=12, choices=RoadClass.choices)
    name = models.CharField(_("nama"), max_length=200, blank=True)
    road_id = models.IntegerField(_("id ruas sumber"), null=True, blank=True)
    is_connector = models.BooleanField(default=False)
    in_largest_component = models.BooleanField(default=True)
    street = models.ForeignKey(
        Street, on_delete=models.SET_NULL, null=True, blank=True, related_name="segments"
    )
    geom = models.LineStringField(_("geometri"), srid=4326)

    objects = RoadSegmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("ruas jalan")
        verbose_name_plural = _("ruas jalan")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(length_m__gte=0), name="roadsegment_length_nonneg"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name or '—'} ({self.id})"
