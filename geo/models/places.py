from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.utils.translation import gettext_lazy as _

from geo.choices import PlaceKind, PositionQuality
from geo.querysets import PlaceQuerySet


class Place(models.Model):
    """A landmark or point of interest callers name: hospitals, stations, offices, malls…"""

    uid = models.CharField(_("id sumber"), max_length=80, unique=True)
    name = models.CharField(_("nama"), max_length=200)
    kind = models.CharField(_("jenis"), max_length=20, choices=PlaceKind.choices)
    aliases = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    agency = models.CharField(_("instansi"), max_length=20, blank=True)
    point = models.PointField(_("lokasi"), srid=4326)
    position = models.CharField(_("asal posisi"), max_length=16, choices=PositionQuality.choices)
    source = models.CharField(_("sumber"), max_length=200, blank=True)
    licence = models.CharField(_("lisensi"), max_length=40, blank=True)
    note = models.TextField(_("catatan"), blank=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("tempat")
        verbose_name_plural = _("tempat")
        indexes = [models.Index(fields=["kind"])]

    def __str__(self) -> str:
        return self.name
