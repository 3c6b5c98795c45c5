from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """The three families of 112 calls in Pekanbaru, plus other."""

    MEDIS = "medis", _("Medis")
    BENCANA = "bencana", _("Bencana / kebakaran")
    KEAMANAN = "keamanan", _("Keamanan dan ketertiban")
    LAINNYA = "lainnya", _("Lainnya")


class Priority(models.IntegerChoices):
    P1 = 1, _("P1 — mengancam nyawa")
    P2 = 2, _("P2 — mendesak")
    P3 = 3, _("P3 — tidak mendesak")


class Status(models.TextChoices):
    RECEIVED = "received", _("Diterima")
    VERIFIED = "verified", _("Terverifikasi")
    DISPATCHED = "dispatched", _("Diberangkatkan")
    ON_SCENE = "on_scene", _("Di lokasi")
    RESOLVED = "resolved", _("Selesai ditangani")
    CLOSED = "closed", _("Ditutup")
    CANCELLED = "cancelled", _("Dibatalkan")
    PRANK = "prank", _("Panggilan iseng")
    MERGED = "merged", _("Digabung (duplikat)")


# The workflow: every allowed move. prank is a verdict a person gives, only early on.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.RECEIVED: (Status.VERIFIED, Status.CANCELLED, Status.PRANK, Status.MERGED),
    Status.VERIFIED: (Status.DISPATCHED, Status.CANCELLED, Status.PRANK, Status.MERGED),
    Status.DISPATCHED: (Status.ON_SCENE, Status.CANCELLED),
    Status.ON_SCENE: (Status.RESOLVED,),
    Status.RESOLVED: (Status.CLOSED,),
    Status.CLOSED: (),
    Status.CANCELLED: (),
    Status.PRANK: (),
    Status.MERGED: (),
}
OPEN_STATUSES = (Status.RECEIVED, Status.VERIFIED, Status.DISPATCHED, Status.ON_SCENE)
# Never part of any analysis (hotspots, statistics): they did not happen, or happened elsewhere.
EXCLUDED_FROM_ANALYTICS = (Status.PRANK, Status.CANCELLED, Status.MERGED)


class AgencyRole(models.TextChoices):
    PRIMARY = "primary", _("Utama")
    SUPPORT = "support", _("Pendukung")


class EventKind(models.TextChoices):
    CREATED = "created", _("Dibuat")
    CALL_ATTACHED = "call_attached", _("Panggilan dilampirkan")
    LOCATION_CHANGED = "location_changed", _("Lokasi diubah")
    STATUS_CHANGED = "status_changed", _("Status diubah")
    AGENCY_ASSIGNED = "agency_assigned", _("Instansi ditugaskan")
    EDITED = "edited", _("Diubah")
    NOTE = "note", _("Catatan")
    UNIT_STATUS = "unit_status", _("Status unit")


class UnitStatus(models.TextChoices):
    AVAILABLE = "available", _("Siaga")
    DISPATCHED = "dispatched", _("Diberangkatkan")
    ON_SCENE = "on_scene", _("Di lokasi")
    RETURNING = "returning", _("Kembali")
    OUT_OF_SERVICE = "out_of_service", _("Tidak beroperasi")


class UnitKind(models.TextChoices):
    AMBULANCE = "ambulance", _("Ambulans")
    FIRE_ENGINE = "fire_engine", _("Mobil pemadam")
    RESCUE = "rescue", _("Unit penyelamat")
    PATROL = "patrol", _("Mobil patroli")
    DISASTER = "disaster", _("Unit tanggap bencana")


class StationKind(models.TextChoices):
    HOSPITAL = "hospital", _("Rumah sakit")
    PUSKESMAS = "puskesmas", _("Puskesmas")
    FIRE_STATION = "fire_station", _("Pos pemadam")
    POLICE = "police", _("Kantor polisi")
    BPBD = "bpbd", _("Kantor BPBD")
