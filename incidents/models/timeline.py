from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents.choices import EventKind


class TimelineEvent(models.Model):
    """One entry of an incident's append-only log. The database refuses UPDATE and DELETE on
    this table (trigger in migration 0002): corrections are new events."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, related_name="timeline"
    )
    at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("jenis"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    data = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("catatan linimasa")
        verbose_name_plural = _("linimasa")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} {self.at:%H:%M:%S}"
