from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.utils.translation import gettext_lazy as _

from incidents.choices import StationKind, UnitKind, UnitStatus
from incidents.querysets import StationQuerySet, UnitQuerySet


class Station(models.Model):
    """Where units are based: hospitals, puskesmas, fire stations and posts, police, BPBD."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("nama"), max_length=200)
    kind = models.CharField(_("jenis"), max_length=16, choices=StationKind.choices)
    agency = models.ForeignKey("incidents.Agency", on_delete=models.PROTECT, related_name="+")
    place = models.ForeignKey(
        "geo.Place", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    point = models.PointField(_("lokasi"), srid=4326)

    objects = StationQuerySet.as_manager()

    class Meta:
        verbose_name = _("markas")
        verbose_name_plural = _("markas")

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A vehicle that can be sent. ``point``/``fix_at`` is its last known position (AVL)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    kind = models.CharField(_("jenis"), max_length=16, choices=UnitKind.choices)
    agency = models.ForeignKey("incidents.Agency", on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey(
        Station, on_delete=models.SET_NULL, null=True, blank=True, related_name="units"
    )
    capabilities = ArrayField(models.CharField(max_length=30), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=UnitStatus.choices, default=UnitStatus.AVAILABLE
    )
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.SET_NULL, null=True, blank=True, related_name="units"
    )
    # No spatial index: the position moves with every AVL batch, and a GiST entry per move
    # would make each of those updates a non-HOT one touching every index of the table
    # (migration 0009). A city's fleet is a few hundred rows: KNN over them is a scan.
    point = models.PointField(
        _("posisi terakhir"), srid=4326, null=True, blank=True, spatial_index=False
    )
    fix_at = models.DateTimeField(_("waktu posisi"), null=True, blank=True)
    heading_deg = models.FloatField(null=True, blank=True)
    speed_kmh = models.FloatField(null=True, blank=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("unit")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class UnitPosition(models.Model):
    """One AVL fix. The table is created by migration 0004 as a table partitioned by month
    (Django cannot create one); this model lets the ORM and test flushes know it."""

    pk = models.CompositePrimaryKey("unit", "fix_at")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    fix_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    point = models.PointField(srid=4326, spatial_index=False)
    speed_kmh = models.FloatField(null=True)
    heading_deg = models.FloatField(null=True)
    accuracy_m = models.FloatField(null=True)

    class Meta:
        db_table = "incidents_unitposition"

    def __str__(self) -> str:
        return f"{self.unit_id} {self.fix_at:%Y-%m-%d %H:%M:%S}"
