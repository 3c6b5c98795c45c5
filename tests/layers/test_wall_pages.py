"""The wall's snapshot API, the pages' access rules and the simulator (real services, real DB)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from incidents.models import Incident, LiveEvent
from tests.factories import make_user


@pytest.fixture
def fleet(pekanbaru, db):
    call_command("load_context", verbosity=0)
    call_command("load_cameras", verbosity=0)
    call_command("load_fleet", verbosity=0)


def test_the_wall_snapshot_has_everything_it_draws_and_the_feed_seq(token_client, fleet):
    body = token_client("wall").get("/api/layers/wall/").json()
    assert set(body) >= {"seq", "incidents", "units", "cameras", "routes"}
    assert len(body["cameras"]["features"]) == 35
    assert all("sector" in f["properties"] for f in body["cameras"]["features"])
    unit = body["units"]["features"][0]["properties"]
    assert {"status", "heading_deg", "code"} <= set(unit)


def test_the_wall_role_only_reads(token_client, api_client, db):
    wall = token_client("wall")
    assert wall.post("/api/layers/wall/", {}).status_code in (403, 405)
    assert wall.post("/api/incidents/", {"type": "kesehatan"}).status_code == 403
    assert api_client.get("/api/layers/wall/").status_code == 401


def test_pages_wall_shell_and_console_for_operators_only(client, db):
    page = client.get("/wall/", HTTP_ACCEPT_LANGUAGE="id")
    assert page.status_code == 200
    assert b"deck.gl/dist.min.js" in page.content and "Layar dinding" in page.content.decode()
    assert client.get("/console/").status_code == 302  # to the login page
    client.force_login(make_user("wall"))
    assert client.get("/console/").status_code == 403
    client.force_login(make_user("operator"))
    page = client.get("/console/")
    assert page.status_code == 200 and b'name="csrf-token"' in page.content


def test_simulate_drives_calls_and_dispatches_through_the_services(fleet):
    before = LiveEvent.objects.count()
    call_command("simulate", rate=600, duration=4, seed=7, tick=0.2, speedup=50, verbosity=0)
    assert Incident.objects.count() >= 3
    kinds = set(LiveEvent.objects.filter(seq__gt=before).values_list("kind", flat=True))
    assert {"call.received", "incident.created", "units.positions"} <= kinds
    assert "incident.dispatched" in kinds


@pytest.mark.parametrize("args", [{"rate": 0}, {"rate": 2, "duration": -1}, {"tick": 0}])
def test_simulate_refuses_bad_arguments(db, args):
    with pytest.raises(CommandError):
        call_command("simulate", **args)
