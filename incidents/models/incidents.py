from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from geo import h3cells
from incidents.choices import EXCLUDED_FROM_ANALYTICS, AgencyRole, Category, Priority, Status
from incidents.querysets import IncidentQuerySet

DESCRIPTION_MAX = 4000


class Incident(models.Model):
    """An emergency being handled: what, where (as the operator confirmed it), how urgent, and
    who is on it. ``version`` grows with every change; an edit must name the version it read."""

    category = models.CharField(_("kategori"), max_length=12, choices=Category.choices)
    type = models.ForeignKey(
        "incidents.IncidentType", on_delete=models.PROTECT, related_name="incidents"
    )
    priority = models.PositiveSmallIntegerField(_("prioritas"), choices=Priority.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    point = models.PointField(_("lokasi terkonfirmasi"), srid=4326, null=True, blank=True)
    # The H3 cell of ``point`` at each resolution the layers allow (geo.h3cells), kept in step
    # by ``save()`` and by the bulk writer; the hotspot layers count per cell in SQL from them.
    # A change of ``point`` that bypasses ``save()`` (queryset update, raw SQL) clears them (a
    # trigger, migration *_incident_h3cell), and readers compute the missing ones themselves.
    h3_r5 = models.BigIntegerField(null=True, blank=True, editable=False)
    h3_r6 = models.BigIntegerField(null=True, blank=True, editable=False)
    h3_r7 = models.BigIntegerField(null=True, blank=True, editable=False)
    h3_r8 = models.BigIntegerField(null=True, blank=True, editable=False)
    h3_r9 = models.BigIntegerField(null=True, blank=True, editable=False)
    h3_r10 = models.BigIntegerField(null=True, blank=True, editable=False)
    h3_r11 = models.BigIntegerField(null=True, blank=True, editable=False)
    uncertainty_m = models.FloatField(_("ketidakpastian (m)"), null=True, blank=True)
    outside_service_area = models.BooleanField(_("di luar wilayah layanan"), default=False)
    address = models.CharField(_("alamat"), max_length=300, blank=True)
    kelurahan = models.ForeignKey(
        "geo.AdminArea", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kecamatan = models.ForeignKey(
        "geo.AdminArea", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    description = models.TextField(_("uraian"), max_length=DESCRIPTION_MAX, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    # When each stage was reached (response-time statistics).
    verified_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    on_scene_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("kejadian")
        verbose_name_plural = _("kejadian")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            # Counting per H3 cell (IncidentQuerySet.per_cell) on the analytic rows, with the
            # columns the layers filter on, without reading the wide rows: an index-only scan,
            # in cell order (no hashing). One narrow index per resolution: a single index with
            # every cell is twice as wide, and then the planner prefers a sequential scan.
            # ``id``: the layer cache counts up to a known largest id (layers.cache.running).
            *(
                models.Index(
                    fields=[name],
                    include=["category", "created_at", "id"],
                    name=f"incident_cells_r{res}",
                    condition=~models.Q(status__in=EXCLUDED_FROM_ANALYTICS)
                    & models.Q(**{f"{name}__isnull": False}),
                )
                for res, name in zip(h3cells.RESOLUTIONS, h3cells.COLUMNS, strict=True)
            ),
            # The rows written around save() whose cells a reader computes (usually none).
            models.Index(
                fields=["id"],
                name="incident_cell_missing",
                condition=models.Q(h3_r11__isnull=True, point__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(uncertainty_m__isnull=True) | models.Q(uncertainty_m__gte=0),
                name="incident_uncertainty_nonneg",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="merged") | models.Q(merged_into__isnull=False),
                name="incident_merged_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type_id} ({self.status})"

    def save(self, *args, **kwargs):
        """Keeps the ``h3_r*`` cells those of ``point`` (also when only ``point`` is saved)."""
        point = self.point
        if point is not None and point.srid not in (None, 4326):
            point = point.transform(4326, clone=True)  # the database stores it in 4326
        cells = h3cells.cells_of_point(*((point.x, point.y) if point is not None else (None,) * 2))
        for name, cell in cells.items():
            setattr(self, name, cell)
        fields = kwargs.get("update_fields")
        if fields is not None and "point" in fields:
            kwargs["update_fields"] = {*fields, *cells}
        super().save(*args, **kwargs)


class IncidentAgency(models.Model):
    """An agency assigned to an incident."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="assignments")
    agency = models.ForeignKey("incidents.Agency", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=8, choices=AgencyRole.choices)
    assigned_at = models.DateTimeField(auto_now_add=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "agency"], name="incident_agency_unique")
        ]


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key for a create: the retry gets the same incident back."""

    key = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    request_hash = models.CharField(max_length=64)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique")]
