"""Call intake: record the call, suggest the open incidents it may duplicate, and advise on the
risk that it is a prank or a silent call. The advice never blocks a caller: many silent calls
are genuine callers who cannot speak (EENA), so a person decides."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import live
from incidents.choices import Status
from incidents.location import place
from incidents.models import Call, Incident, IncidentType

# How far back a number's history counts, and the weights of each reason (sum capped at 1).
HISTORY = timedelta(days=30)
WEIGHT_EARLIER_PRANK = 0.35
WEIGHT_MANY_CALLS_TODAY = 0.15
WEIGHT_SILENT = 0.15
WEIGHT_NO_LOCATION = 0.1
WEIGHT_NIGHT = 0.05
WEIGHT_HIDDEN_NUMBER = 0.1
DEFAULT_DUPLICATE_RADIUS_M = 500
DEFAULT_DUPLICATE_WINDOW_MIN = 120


@dataclass
class Advisory:
    risk: float = 0.0
    level: str = "low"
    reasons: list[dict] = field(default_factory=list)

    def add(self, code: str, weight: float, text: str) -> None:
        self.reasons.append({"code": code, "weight": weight, "text": text})
        self.risk = min(1.0, round(self.risk + weight, 2))
        self.level = "high" if self.risk >= 0.5 else "medium" if self.risk >= 0.25 else "low"


def prank_advisory(number: str, *, silent: bool, has_location: bool, at: datetime) -> Advisory:
    advice = Advisory()
    if not number:
        advice.add("hidden_number", WEIGHT_HIDDEN_NUMBER, _("Nomor penelepon tidak terlihat."))
    else:
        history = Call.objects.from_number(number).filter(received_at__gte=at - HISTORY)
        pranks = history.filter(incident__status=Status.PRANK).count()
        if pranks:
            advice.add(
                "earlier_pranks",
                min(1.0, WEIGHT_EARLIER_PRANK * pranks),
                _("%(n)d panggilan sebelumnya dari nomor ini dinyatakan iseng (30 hari).")
                % {"n": pranks},
            )
        today = history.filter(received_at__gte=at - timedelta(hours=24)).count()
        if today >= 3:
            advice.add(
                "many_calls",
                WEIGHT_MANY_CALLS_TODAY,
                _("%(n)d panggilan dari nomor ini dalam 24 jam terakhir.") % {"n": today},
            )
    if silent:
        advice.add(
            "silent",
            WEIGHT_SILENT,
            _(
                "Panggilan diam: bisa iseng, bisa juga penelepon yang tidak dapat berbicara. "
                "Coba tanya ya/tidak dengan tombol."
            ),
        )
    if not has_location:
        advice.add("no_location", WEIGHT_NO_LOCATION, _("Tidak ada lokasi perangkat."))
    local_hour = timezone.localtime(at).hour
    if 0 <= local_hour < 5:
        advice.add("night", WEIGHT_NIGHT, _("Dini hari (00.00–05.00 WIB)."))
    return advice


def duplicate_candidates(
    point: Point | None, itype: IncidentType | None, at: datetime, limit: int = 5
) -> list[dict]:
    """Open incidents that this call may be reporting again: same category, within the type's
    radius and time window (a fire is seen from far and for long), nearest first."""
    if point is None:
        return []
    radius = itype.duplicate_radius_m if itype else DEFAULT_DUPLICATE_RADIUS_M
    window = itype.duplicate_window_min if itype else DEFAULT_DUPLICATE_WINDOW_MIN
    candidates = (
        Incident.objects.open()
        .filter(created_at__gte=at - timedelta(minutes=window))
        .near(point, radius)
        .select_related("type", "kelurahan")
        .annotate(distance=Distance("point", point))
        .order_by("distance")
    )
    if itype is not None:
        candidates = candidates.filter(Q(type=itype) | Q(category=itype.category))
    out = []
    for incident in candidates[:limit]:
        out.append(
            {
                "incident": incident.pk,
                "type": incident.type.code,
                "status": incident.status,
                "distance_m": round(incident.distance.m, 1),
                "age_min": round((at - incident.created_at).total_seconds() / 60, 1),
                "kelurahan": incident.kelurahan.name if incident.kelurahan else None,
                "same_type": itype is not None and incident.type_id == itype.pk,
            }
        )
    return out


@dataclass
class Intake:
    call: Call
    duplicates: list[dict]
    advisory: Advisory


@transaction.atomic
def record_call(
    user,
    *,
    number: str = "",
    received_at: datetime | None = None,
    duration_s: int | None = None,
    silent: bool = False,
    hung_up: bool = False,
    spoken_address: str = "",
    device=None,
    itype: IncidentType | None = None,
    point: Point | None = None,
) -> Intake:
    """Store a call; ``device`` is a geo.caller_location CallerLocation (or None), ``point`` the
    position the operator has so far (device or geocoded), used for duplicate suggestions."""
    at = received_at or timezone.now()
    device_point = None
    if device is not None and device.lat is not None:
        device_point = Point(device.lon, device.lat, srid=4326)
    advisory = prank_advisory(number, silent=silent, has_location=device_point is not None, at=at)
    call = Call.objects.create(
        received_at=at,
        duration_s=duration_s,
        caller_number=number,
        is_silent=silent,
        hung_up=hung_up,
        spoken_address=spoken_address,
        operator=user,
        device_point=device_point,
        device_uncertainty_m=getattr(device, "uncertainty_m90", None),
        device_method=getattr(device, "method", "") or "",
        device_format=getattr(device, "format", "") or "",
        device_time=getattr(device, "time", None),
        device_outside_service_area=place(device_point).outside_service_area,
        prank_risk=advisory.risk,
        prank_reasons=advisory.reasons,
    )
    duplicates = duplicate_candidates(point or device_point, itype, at)
    live.record(
        "call.received",
        {"call": call.pk, "silent": silent, "duplicates": [d["incident"] for d in duplicates]},
    )
    return Intake(call, duplicates, advisory)


@transaction.atomic
def set_device_location(user, call_id: int, device) -> Call:
    """Store a device location (AML / PIDF-LO) on a call. The incident's confirmed location is
    never touched: the operator decides whether to use it."""
    call = Call.objects.select_for_update().filter(pk=call_id).first()
    if call is None:
        from config.errors import NotFound

        raise NotFound(f"call {call_id} does not exist")
    point = Point(device.lon, device.lat, srid=4326) if device.lat is not None else None
    call.device_point = point
    call.device_uncertainty_m = device.uncertainty_m90
    call.device_method = device.method or ""
    call.device_format = device.format or ""
    call.device_time = device.time
    call.device_outside_service_area = place(point).outside_service_area
    call.save()
    live.record(
        "call.device_location",
        {
            "call": call.pk,
            "incident": call.incident_id,
            "point": [point.x, point.y] if point else None,
            "uncertainty_m": device.uncertainty_m90,
        },
    )
    return call
