"""Context layers of the basemap that no other app owns (the Siak river)."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class ContextFeature(models.Model):
    """A feature drawn for orientation only (never routed or geocoded on): rivers, lakes."""

    kind = models.CharField(_("jenis"), max_length=20)
    name = models.CharField(_("nama"), max_length=120, blank=True)
    geom = models.MultiPolygonField(_("geometri"), srid=4326)

    class Meta:
        verbose_name = _("fitur konteks")
        verbose_name_plural = _("fitur konteks")
        indexes = [models.Index(fields=["kind"])]

    def __str__(self) -> str:
        return self.name or self.kind
