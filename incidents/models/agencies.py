from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents.choices import AgencyRole, Category, Priority


class Agency(models.Model):
    """A field agency the Command Centre hands incidents to (Dinkes, Damkar, BPBD, Polresta…)."""

    code = models.SlugField(_("kode"), max_length=20, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    phone = models.CharField(_("telepon"), max_length=40, blank=True)
    active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("instansi")
        verbose_name_plural = _("instansi")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class IncidentType(models.Model):
    """An incident type as the city uses it, with what a duplicate looks like for it.

    Data, not code: a supervisor edits types and the routing table in the admin.
    """

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    category = models.CharField(_("kategori"), max_length=12, choices=Category.choices)
    default_priority = models.PositiveSmallIntegerField(
        _("prioritas bawaan"), choices=Priority.choices, default=Priority.P2
    )
    # Callers reporting the same event: how far apart and how long after (a fire is seen by many
    # from far away for hours; a traffic accident is one spot for less time).
    duplicate_radius_m = models.PositiveIntegerField(_("radius duplikat (m)"), default=300)
    duplicate_window_min = models.PositiveIntegerField(_("jendela duplikat (menit)"), default=60)
    active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("jenis kejadian")
        verbose_name_plural = _("jenis kejadian")
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """Incident type → agency, primary or supporting: the suggestion when an incident opens."""

    incident_type = models.ForeignKey(
        IncidentType, on_delete=models.CASCADE, related_name="routing_rules"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="routing_rules")
    role = models.CharField(_("peran"), max_length=8, choices=AgencyRole.choices)

    class Meta:
        verbose_name = _("aturan penugasan")
        verbose_name_plural = _("tabel penugasan")
        constraints = [
            models.UniqueConstraint(fields=["incident_type", "agency"], name="routing_unique"),
            models.UniqueConstraint(
                fields=["incident_type"],
                condition=models.Q(role="primary"),
                name="routing_one_primary",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_type} → {self.agency} ({self.role})"
