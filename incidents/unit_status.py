"""A unit's status as its crew reports it: en route, on scene, returning, available, out of service.

Dispatching (``services.dispatch``) is the only way into ``dispatched``; everything after it goes
through :func:`set_status`, one transaction that locks the unit (and its incident, in the same
order as dispatch: incident first), checks the move against :data:`UNIT_TRANSITIONS`, writes the
incident's timeline and moves the incident along when the unit's move means it:

- the first unit on scene puts a ``dispatched`` incident ``on_scene`` (and stamps ``on_scene_at``,
  the end of the response time the planners' statistics measure);
- a unit that becomes ``available`` or ``out_of_service`` leaves its incident.

An incident that is cancelled, merged or closed releases its units (:func:`release_units`): those
still en route or on scene turn ``returning``, so the wall never shows a unit busy with an incident
that is over. Each change is one ``unit.status`` live event, sent after commit.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from config.errors import Conflict, Invalid, NotFound
from incidents import live
from incidents.choices import EventKind, Status, UnitStatus
from incidents.models import Incident, TimelineEvent, Unit

OUT = UnitStatus.OUT_OF_SERVICE
# Every move a crew may report. Into ``dispatched`` only through services.dispatch.
UNIT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    UnitStatus.AVAILABLE: (OUT,),
    UnitStatus.DISPATCHED: (UnitStatus.ON_SCENE, UnitStatus.RETURNING, UnitStatus.AVAILABLE, OUT),
    UnitStatus.ON_SCENE: (UnitStatus.RETURNING, UnitStatus.AVAILABLE, OUT),
    UnitStatus.RETURNING: (UnitStatus.AVAILABLE, OUT),
    OUT: (UnitStatus.AVAILABLE,),
}
# The statuses in which a unit belongs to an incident.
BUSY = (UnitStatus.DISPATCHED, UnitStatus.ON_SCENE)
# An incident in one of these no longer needs its units.
RELEASING = (Status.CANCELLED, Status.MERGED, Status.CLOSED)


def unit_summary(unit: Unit) -> dict[str, Any]:
    """The small JSON the live feed carries for a unit."""
    return {
        "id": unit.pk,
        "code": unit.code,
        "status": unit.status,
        "incident": unit.incident_id,
        "point": [unit.point.x, unit.point.y] if unit.point else None,
        "heading_deg": unit.heading_deg,
    }


def _log(incident: Incident, unit: Unit, actor, old: str, note: str = "") -> None:
    TimelineEvent.objects.create(
        incident=incident,
        kind=EventKind.UNIT_STATUS,
        actor=actor,
        data={"unit": unit.code, "old": old, "new": unit.status, "note": note},
    )


def _locked_unit(unit_id: int) -> Unit:
    unit = Unit.objects.select_for_update().filter(pk=unit_id).first()
    if unit is None:
        raise NotFound(f"unit {unit_id} does not exist")
    return unit


@transaction.atomic
def set_status(user, unit_id: int, to: str, note: str = "") -> Unit:
    """Move a unit to ``to``; an illegal move is a Conflict naming the legal ones."""
    from incidents import services  # services ends incidents through release_units below

    if to not in UnitStatus.values:
        raise Invalid("status", f"status must be one of {', '.join(UnitStatus.values)}")
    # Lock order: the incident before the unit, as services.dispatch does, so the two never
    # deadlock. The unit's incident is read first without a lock, then checked again locked.
    incident_id = Unit.objects.filter(pk=unit_id).values_list("incident_id", flat=True).first()
    incident = services.locked_incident(incident_id) if incident_id else None
    unit = _locked_unit(unit_id)
    if unit.incident_id != incident_id:
        raise Conflict("the unit changed while this was sent; try again", unit_status=unit.status)
    allowed = UNIT_TRANSITIONS.get(unit.status, ())
    if to == UnitStatus.DISPATCHED or to not in allowed:
        raise Conflict(
            f"unit {unit.code} cannot go from {unit.status} to {to}",
            current_status=unit.status,
            allowed=list(allowed),
        )
    old = unit.status
    unit.status = to
    if to in (UnitStatus.AVAILABLE, OUT):
        unit.incident = None
    unit.save(update_fields=["status", "incident"])
    if incident is not None:
        _log(incident, unit, user, old, note)
        if to == UnitStatus.ON_SCENE and incident.status == Status.DISPATCHED:
            # The incident's own workflow move: stamps on_scene_at, logs, tells the wall.
            services.transition(user, incident.pk, Status.ON_SCENE, note=f"unit {unit.code}")
        else:
            _touch(incident)
    live.record("unit.status", {"unit": unit_summary(unit)})
    return unit


def _touch(incident: Incident) -> None:
    incident.version += 1
    incident.save(update_fields=["version", "updated_at"])


def release_units(incident: Incident, user) -> list[Unit]:
    """Inside the transaction that ends ``incident`` (it is locked): its units still en route or
    on scene turn ``returning``."""
    if incident.status not in RELEASING:
        return []
    units = list(
        Unit.objects.select_for_update().filter(incident=incident, status__in=BUSY).order_by("pk")
    )
    for unit in units:
        old = unit.status
        unit.status = UnitStatus.RETURNING
        unit.save(update_fields=["status"])
        _log(incident, unit, user, old, note=f"incident {incident.status}")
        live.record("unit.status", {"unit": unit_summary(unit)})
    return units
