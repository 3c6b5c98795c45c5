"""A unit's status after dispatch: on scene, returning, available, out of service — through the
API an operator uses, with the incident moved along, the timeline written and the wall told."""

import pytest

from incidents.models import Incident, LiveEvent, Unit
from tests.incidents.test_responders import SPOT, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(token_client):
    return token_client("operator")


def _incident(client, type_code="kesehatan") -> int:
    response = client.post(
        "/api/incidents/", {"type": type_code, "lat": SPOT[1], "lon": SPOT[0]}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _dispatched(client, code="amb-1") -> tuple[int, Unit]:
    unit = make_unit(code, SPOT[0] + 0.004, SPOT[1])
    iid = _incident(client)
    response = client.post(f"/api/incidents/{iid}/dispatch/", {"unit": unit.pk}, format="json")
    assert response.status_code == 200, response.content
    return iid, unit


def _status(client, unit: Unit, status: str, **extra):
    return client.post(f"/api/units/{unit.pk}/status/", {"status": status, **extra}, format="json")


def _unit_events() -> list[tuple[str, str]]:
    return [
        (e.payload["unit"]["code"], e.payload["unit"]["status"])
        for e in LiveEvent.objects.filter(kind="unit.status").order_by("seq")
    ]


def test_a_unit_goes_on_scene_returns_and_is_available_again(operator):
    iid, unit = _dispatched(operator)
    dispatched = LiveEvent.objects.get(kind="incident.dispatched").payload["unit"]
    assert (dispatched["code"], dispatched["status"], dispatched["incident"]) == (
        "amb-1",
        "dispatched",
        iid,
    )

    answer = _status(operator, unit, "on_scene", note="tiba, korban sadar")
    assert answer.status_code == 200, answer.content
    assert (answer.json()["status"], answer.json()["incident"]) == ("on_scene", iid)
    incident = Incident.objects.get(pk=iid)
    # The first unit on scene puts the incident on scene and ends its response time.
    assert incident.status == "on_scene" and incident.on_scene_at is not None
    assert incident.on_scene_at >= incident.dispatched_at

    assert _status(operator, unit, "returning").status_code == 200
    assert Unit.objects.get(pk=unit.pk).incident_id == iid  # still coming back from it
    assert _status(operator, unit, "available").status_code == 200
    unit.refresh_from_db()
    assert (unit.status, unit.incident_id) == ("available", None)

    timeline = [
        (e.kind, e.data.get("new"), e.data.get("note"))
        for e in Incident.objects.get(pk=iid).timeline.order_by("pk")
        if e.kind in ("unit_status", "status_changed")
    ]
    assert timeline == [
        ("status_changed", "dispatched", "unit amb-1"),
        ("unit_status", "on_scene", "tiba, korban sadar"),
        ("status_changed", "on_scene", "unit amb-1"),
        ("unit_status", "returning", ""),
        ("unit_status", "available", ""),
    ]
    assert _unit_events() == [
        ("amb-1", "on_scene"),
        ("amb-1", "returning"),
        ("amb-1", "available"),
    ]
    moved = LiveEvent.objects.filter(kind="incident.status")
    assert [e.payload["incident"]["status"] for e in moved] == ["on_scene"]
    # Available again: it can be sent to the next incident.
    nxt = _incident(operator)
    again = operator.post(f"/api/incidents/{nxt}/dispatch/", {"unit": unit.pk}, format="json")
    assert again.status_code == 200, again.content


def test_a_second_unit_on_scene_leaves_the_incident_as_it_is(operator):
    iid, first = _dispatched(operator)
    second = make_unit("amb-2", SPOT[0] + 0.006, SPOT[1])
    operator.post(f"/api/incidents/{iid}/dispatch/", {"unit": second.pk}, format="json")
    assert _status(operator, first, "on_scene").status_code == 200
    stamped = Incident.objects.get(pk=iid).on_scene_at
    assert _status(operator, second, "on_scene").status_code == 200
    incident = Incident.objects.get(pk=iid)
    assert (incident.status, incident.on_scene_at) == ("on_scene", stamped)


def test_illegal_moves_are_refused_with_the_moves_allowed(operator):
    unit = make_unit("amb-1", SPOT[0] + 0.004, SPOT[1])
    refused = _status(operator, unit, "on_scene")
    assert refused.status_code == 409
    assert refused.json()["current_status"] == "available"
    assert refused.json()["allowed"] == ["out_of_service"]
    # Into "dispatched" only by dispatching it to an incident.
    assert _status(operator, unit, "dispatched").status_code == 409
    assert Unit.objects.get(pk=unit.pk).status == "available"
    assert not LiveEvent.objects.filter(kind="unit.status").exists()


def test_bad_input_names_the_field(operator):
    unit = make_unit("amb-1", SPOT[0] + 0.004, SPOT[1])
    unknown = _status(operator, unit, "parked")
    assert unknown.status_code == 400 and "status" in unknown.json()
    long_note = _status(operator, unit, "out_of_service", note="x" * 501)
    assert long_note.status_code == 400 and "note" in long_note.json()
    missing = operator.post("/api/units/999999/status/", {"status": "available"}, format="json")
    assert missing.status_code == 404
    assert Unit.objects.get(pk=unit.pk).status == "available"


def test_out_of_service_takes_a_unit_off_its_incident_and_out_of_the_shortlist(operator):
    _, unit = _dispatched(operator)
    assert _status(operator, unit, "out_of_service", note="ban pecah").status_code == 200
    unit.refresh_from_db()
    assert (unit.status, unit.incident_id) == ("out_of_service", None)
    assert Unit.objects.available().filter(pk=unit.pk).count() == 0
    assert _status(operator, unit, "on_scene").json()["allowed"] == ["available"]
    assert _status(operator, unit, "available").status_code == 200
    assert Unit.objects.available().filter(pk=unit.pk).count() == 1


def test_cancelling_an_incident_sends_its_units_home(operator):
    iid, unit = _dispatched(operator)
    version = Incident.objects.get(pk=iid).version
    response = operator.post(
        f"/api/incidents/{iid}/transition/",
        {"to": "cancelled", "version": version, "note": "pelapor membatalkan"},
        format="json",
    )
    assert response.status_code == 200, response.content
    unit.refresh_from_db()
    assert (unit.status, unit.incident_id) == ("returning", iid)
    assert _unit_events() == [("amb-1", "returning")]
    note = Incident.objects.get(pk=iid).timeline.get(kind="unit_status").data["note"]
    assert note == "incident cancelled"


def test_planners_and_the_wall_cannot_change_a_unit(token_client):
    unit = make_unit("amb-1", SPOT[0] + 0.004, SPOT[1])
    for role in ("planner", "wall"):
        response = _status(token_client(role), unit, "out_of_service")
        assert response.status_code == 403
    assert Unit.objects.get(pk=unit.pk).status == "available"
