from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from geo.choices import AdminLevel
from geo.querysets import AdminAreaQuerySet

_PARENT_LEVEL = {
    AdminLevel.KECAMATAN: AdminLevel.KOTA,
    AdminLevel.KELURAHAN: AdminLevel.KECAMATAN,
}


class AdminArea(models.Model):
    """An administrative area: the city (kota), a kecamatan or a kelurahan.

    ``code`` is the Kemendagri code (14.71, 14.71.01, 14.71.01.1002); ``bps_code`` the BPS code
    where known. The kota row is the service area.
    """

    level = models.CharField(_("tingkat"), max_length=12, choices=AdminLevel.choices)
    code = models.CharField(_("kode Kemendagri"), max_length=20, unique=True)
    bps_code = models.CharField(_("kode BPS"), max_length=12, blank=True)
    name = models.CharField(_("nama"), max_length=100)
    aliases = ArrayField(
        models.CharField(max_length=100),
        default=list,
        blank=True,
        help_text=_("Ejaan lain dan nama lama (BPS, sebelum pemekaran 2021)"),
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    geom = models.MultiPolygonField(_("batas wilayah"), srid=4326)
    source = models.CharField(_("sumber"), max_length=200, blank=True)

    objects = AdminAreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("wilayah administrasi")
        verbose_name_plural = _("wilayah administrasi")
        ordering = ["level", "code"]
        indexes = [models.Index(fields=["level", "name"])]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.name}"

    def clean(self) -> None:
        expected = _PARENT_LEVEL.get(self.level)
        if expected is None and self.parent_id is not None:
            raise ValidationError({"parent": _("Kota tidak memiliki induk.")})
        if expected is not None and (self.parent is None or self.parent.level != expected):
            raise ValidationError(
                {"parent": _("Induk harus berupa %(level)s.") % {"level": expected}}
            )
        if self.geom is not None and not self.geom.valid:
            raise ValidationError(
                {"geom": _("Geometri tidak valid: %(r)s") % {"r": self.geom.valid_reason}}
            )
