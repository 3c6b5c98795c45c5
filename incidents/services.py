"""Writes on incidents and calls. Each service is one transaction, locks the incident row it
changes (two operators can race), appends to the timeline, and records a live event that is
sent after commit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from config.errors import Conflict, Invalid, NotFound
from incidents import live, unit_status
from incidents.choices import TRANSITIONS, AgencyRole, EventKind, Status
from incidents.location import place
from incidents.models import (
    Agency,
    Call,
    IdempotencyKey,
    Incident,
    IncidentAgency,
    IncidentType,
    TimelineEvent,
)

STAGE_TIMESTAMPS = {
    Status.VERIFIED: "verified_at",
    Status.DISPATCHED: "dispatched_at",
    Status.ON_SCENE: "on_scene_at",
    Status.RESOLVED: "resolved_at",
    Status.CLOSED: "closed_at",
}
EDITABLE = ("type", "priority", "description", "point", "uncertainty_m", "address")


def _point_json(point: Point | None) -> list[float] | None:
    return [round(point.x, 7), round(point.y, 7)] if point is not None else None


def summary(incident: Incident) -> dict[str, Any]:
    """The small JSON the live feed carries for an incident."""
    return {
        "id": incident.pk,
        "status": incident.status,
        "category": incident.category,
        "type": incident.type.code,
        "priority": incident.priority,
        "point": _point_json(incident.point),
        "uncertainty_m": incident.uncertainty_m,
        "kelurahan": incident.kelurahan.name if incident.kelurahan else None,
        "version": incident.version,
        "created_at": incident.created_at,
    }


def _log(incident: Incident, kind: str, actor, **data) -> TimelineEvent:
    return TimelineEvent.objects.create(incident=incident, kind=kind, actor=actor, data=data)


def locked_incident(incident_id: int) -> Incident:
    try:
        return (
            Incident.objects.select_for_update(of=("self",))
            .select_related("type", "kelurahan")
            .get(pk=incident_id)
        )
    except Incident.DoesNotExist:
        raise NotFound(f"incident {incident_id} does not exist") from None


def _check_version(incident: Incident, expected: int | None) -> None:
    if expected is None:
        raise Invalid("version", "the version you last read is required (field or If-Match)")
    if expected != incident.version:
        raise Conflict(
            "the incident was changed by someone else; reload it and apply your change again",
            current_version=incident.version,
        )


def _set_location(incident: Incident, point: Point | None) -> None:
    placement = place(point)
    incident.point = point
    incident.kelurahan = placement.kelurahan
    incident.kecamatan = placement.kecamatan
    incident.outside_service_area = placement.outside_service_area


def request_fingerprint(data: dict) -> str:
    text = repr(sorted((k, str(v)) for k, v in data.items()))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Created:
    incident: Incident
    created: bool  # False when an Idempotency-Key replay returned an earlier incident


@transaction.atomic
def create_incident(
    user,
    *,
    type: IncidentType,
    description: str = "",
    priority: int | None = None,
    point: Point | None = None,
    uncertainty_m: float | None = None,
    address: str = "",
    call: Call | None = None,
    idempotency_key: str | None = None,
    fingerprint: str = "",
) -> Created:
    if idempotency_key:
        # Same user, same key: serialise, and hand back what the first request created.
        from django.db import connection

        lock = int(hashlib.sha256(f"{user.pk}:{idempotency_key}".encode()).hexdigest()[:15], 16)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock])
        earlier = IdempotencyKey.objects.filter(user=user, key=idempotency_key).first()
        if earlier is not None:
            if earlier.request_hash != fingerprint:
                raise Conflict("this Idempotency-Key was used for a different request")
            return Created(
                Incident.objects.select_related("type").get(pk=earlier.incident_id), created=False
            )
    incident = Incident(
        category=type.category,
        type=type,
        priority=priority or type.default_priority,
        uncertainty_m=uncertainty_m,
        address=address,
        description=description,
        created_by=user,
    )
    _set_location(incident, point)
    incident.save()
    _log(
        incident,
        EventKind.CREATED,
        user,
        type=type.code,
        priority=incident.priority,
        point=_point_json(point),
        uncertainty_m=uncertainty_m,
        address=address,
        outside_service_area=incident.outside_service_area,
    )
    if call is not None:
        _attach(incident, call, user)
    if idempotency_key:
        IdempotencyKey.objects.create(
            user=user, key=idempotency_key, request_hash=fingerprint, incident=incident
        )
    live.record("incident.created", {"incident": summary(incident)})
    return Created(incident, created=True)


@transaction.atomic
def update_incident(user, incident_id: int, version: int | None, changes: dict) -> Incident:
    """Edit fields of an incident that has not changed since ``version`` was read."""
    incident = locked_incident(incident_id)
    _check_version(incident, version)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise Invalid(sorted(unknown)[0], "this field cannot be edited here")
    if "point" in changes or "uncertainty_m" in changes or "address" in changes:
        old = {
            "point": _point_json(incident.point),
            "uncertainty_m": incident.uncertainty_m,
            "address": incident.address,
        }
        if "point" in changes:
            _set_location(incident, changes["point"])
        incident.uncertainty_m = changes.get("uncertainty_m", incident.uncertainty_m)
        incident.address = changes.get("address", incident.address)
        new = {
            "point": _point_json(incident.point),
            "uncertainty_m": incident.uncertainty_m,
            "address": incident.address,
        }
        if old != new:
            _log(incident, EventKind.LOCATION_CHANGED, user, old=old, new=new)
    edited = {}
    if "type" in changes and changes["type"].pk != incident.type_id:
        edited["type"] = [incident.type.code, changes["type"].code]
        incident.type = changes["type"]
        incident.category = changes["type"].category
    for field in ("priority", "description"):
        if field in changes and changes[field] != getattr(incident, field):
            edited[field] = [getattr(incident, field), changes[field]]
            setattr(incident, field, changes[field])
    if edited:
        _log(incident, EventKind.EDITED, user, changes=edited)
    incident.version += 1
    incident.save()
    live.record("incident.updated", {"incident": summary(incident)})
    return incident


@transaction.atomic
def transition(
    user,
    incident_id: int,
    to: str,
    *,
    version: int | None = None,
    note: str = "",
    merged_into: int | None = None,
) -> Incident:
    """Move an incident along the workflow; an illegal move is a Conflict listing the legal ones."""
    incident = locked_incident(incident_id)
    if version is not None:
        _check_version(incident, version)
    allowed = TRANSITIONS.get(incident.status, ())
    if to not in allowed:
        raise Conflict(
            f"cannot go from {incident.status} to {to}",
            current_status=incident.status,
            allowed=list(allowed),
        )
    if to == Status.MERGED:
        if merged_into is None or merged_into == incident.pk:
            raise Invalid("merged_into", "name the incident this one duplicates")
        target = Incident.objects.filter(pk=merged_into).first()
        if target is None or target.status == Status.MERGED:
            raise Invalid("merged_into", "the target must exist and not be merged itself")
        incident.merged_into = target
    previous = incident.status
    incident.status = to
    if stamp := STAGE_TIMESTAMPS.get(to):
        setattr(incident, stamp, timezone.now())
    incident.version += 1
    incident.save()
    _log(
        incident,
        EventKind.STATUS_CHANGED,
        user,
        old=previous,
        new=to,
        note=note,
        merged_into=merged_into if to == Status.MERGED else None,
    )
    live.record("incident.status", {"incident": summary(incident), "from": previous})
    unit_status.release_units(incident, user)
    return incident


def _attach(incident: Incident, call: Call, user) -> None:
    if call.incident_id is not None and call.incident_id != incident.pk:
        raise Conflict("the call belongs to another incident", incident=call.incident_id)
    call.incident = incident
    call.save(update_fields=["incident"])
    _log(
        incident,
        EventKind.CALL_ATTACHED,
        user,
        call=call.pk,
        device_point=_point_json(call.device_point),
    )


@transaction.atomic
def attach_call(user, incident_id: int, call_id: int) -> Incident:
    incident = locked_incident(incident_id)
    call = Call.objects.select_for_update().filter(pk=call_id).first()
    if call is None:
        raise Invalid("call", f"call {call_id} does not exist")
    if call.incident_id == incident.pk:
        return incident
    _attach(incident, call, user)
    incident.version += 1
    incident.save(update_fields=["version", "updated_at"])
    live.record("incident.call_attached", {"incident": summary(incident), "call": call.pk})
    return incident


@transaction.atomic
def assign(user, incident_id: int, agency_code: str, role: str = AgencyRole.SUPPORT) -> Incident:
    incident = locked_incident(incident_id)
    agency = Agency.objects.filter(code=agency_code, active=True).first()
    if agency is None:
        raise Invalid("agency", f"unknown or inactive agency {agency_code!r}")
    if role not in AgencyRole.values:
        raise Invalid("role", f"role must be one of {', '.join(AgencyRole.values)}")
    if IncidentAgency.objects.filter(incident=incident, agency=agency).exists():
        raise Conflict(f"{agency.code} is already assigned to this incident")
    IncidentAgency.objects.create(incident=incident, agency=agency, role=role, assigned_by=user)
    _log(incident, EventKind.AGENCY_ASSIGNED, user, agency=agency.code, role=role)
    incident.version += 1
    incident.save(update_fields=["version", "updated_at"])
    live.record("incident.assigned", {"incident": summary(incident), "agency": agency.code})
    return incident


@transaction.atomic
def add_note(user, incident_id: int, text: str) -> TimelineEvent:
    incident = locked_incident(incident_id)
    event = _log(incident, EventKind.NOTE, user, text=text)
    live.record("incident.note", {"incident": {"id": incident.pk}, "note": event.pk})
    return event


def suggested_agencies(itype: IncidentType) -> list[dict]:
    return [
        {"agency": rule.agency.code, "name": rule.agency.name, "role": rule.role}
        for rule in itype.routing_rules.select_related("agency").order_by("role", "agency__code")
        if rule.agency.active
    ]


@transaction.atomic
def dispatch(user, incident_id: int, unit_id: int) -> Incident:
    """Send a unit: the unit and the incident change together, the timeline records it and the
    wall hears of it. An incident still ``received``/``verified`` becomes ``dispatched``."""
    from incidents.choices import UnitStatus
    from incidents.models import Unit

    incident = locked_incident(incident_id)
    if incident.status not in (
        Status.RECEIVED,
        Status.VERIFIED,
        Status.DISPATCHED,
        Status.ON_SCENE,
    ):
        raise Conflict(f"incident is {incident.status}; units go to open incidents only")
    unit = Unit.objects.select_for_update().filter(pk=unit_id).first()
    if unit is None:
        raise Invalid("unit", f"unit {unit_id} does not exist")
    if unit.status != UnitStatus.AVAILABLE:
        raise Conflict(f"unit {unit.code} is {unit.status}", unit_status=unit.status)
    unit.status = UnitStatus.DISPATCHED
    unit.incident = incident
    unit.save(update_fields=["status", "incident"])
    previous = incident.status
    if previous in (Status.RECEIVED, Status.VERIFIED):
        incident.status = Status.DISPATCHED
        incident.dispatched_at = timezone.now()
        if previous == Status.RECEIVED:
            incident.verified_at = incident.dispatched_at
        _log(
            incident,
            EventKind.STATUS_CHANGED,
            user,
            old=previous,
            new=Status.DISPATCHED,
            note=f"unit {unit.code}",
        )
    _log(
        incident,
        EventKind.AGENCY_ASSIGNED,
        user,
        unit=unit.code,
        agency=unit.agency.code,
        role="unit",
    )
    incident.version += 1
    incident.save()
    live.record(
        "incident.dispatched",
        {"incident": summary(incident), "unit": unit_status.unit_summary(unit)},
    )
    return incident
