from __future__ import annotations

from django.db import models


class LiveEvent(models.Model):
    """The outbox of the live feed. ``seq`` is global and gap-free: it is taken from a one-row
    counter inside the writer's transaction (incidents.live), so a client that saw SEQ can ask
    for everything after it and know nothing is missing."""

    seq = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=40)
    payload = models.JSONField()

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"{self.seq} {self.kind}"

    def as_message(self) -> dict:
        return {"seq": self.seq, "kind": self.kind, "at": self.at.isoformat(), **self.payload}
