from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from incidents.querysets import CallQuerySet


class Call(models.Model):
    """One phone call to 112. The caller's number is stored so repeat callers can be matched;
    it is shown masked to every role but supervisor and never logged."""

    received_at = models.DateTimeField(_("diterima"), db_index=True)
    duration_s = models.PositiveIntegerField(_("durasi (detik)"), null=True, blank=True)
    caller_number = models.CharField(_("nomor penelepon"), max_length=20, blank=True, db_index=True)
    is_silent = models.BooleanField(_("panggilan diam"), default=False)
    hung_up = models.BooleanField(_("ditutup penelepon"), default=False)
    spoken_address = models.CharField(_("alamat yang diucapkan"), max_length=300, blank=True)
    # The device location as reported (AML / PIDF-LO): kept apart from the incident's confirmed
    # location, never copied over it automatically.
    device_point = models.PointField(_("lokasi perangkat"), srid=4326, null=True, blank=True)
    device_uncertainty_m = models.FloatField(null=True, blank=True)
    device_method = models.CharField(max_length=12, blank=True)
    device_format = models.CharField(max_length=12, blank=True)
    device_time = models.DateTimeField(null=True, blank=True)
    device_outside_service_area = models.BooleanField(default=False)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calls"
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calls",
    )
    # The advisory given at intake (for audit: what the operator was told, and why).
    prank_risk = models.FloatField(_("risiko iseng"), default=0)
    prank_reasons = models.JSONField(default=list, blank=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = _("panggilan")
        verbose_name_plural = _("panggilan")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{_('Panggilan')} {self.pk} ({self.received_at:%Y-%m-%d %H:%M})"
