"""AVL batches: per-fix rejection, duplicates, out-of-order fixes and the live event."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from incidents.models import LiveEvent, Unit
from tests.incidents.test_responders import make_unit

pytestmark = pytest.mark.django_db
URL = "/api/units/positions/"


def fix(unit, minutes_ago, lon=101.45, lat=0.51, **extra):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return {"unit": unit, "time": at.isoformat(), "lon": lon, "lat": lat, **extra}


def history(unit):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM incidents_unitposition WHERE unit_id = %s", [unit.pk])
        return cursor.fetchone()[0]


def test_a_batch_stores_good_fixes_and_rejects_bad_ones_with_reasons(token_client, pekanbaru):
    unit = make_unit("amb-1", 101.44, 0.50, fresh=False)
    batch = [
        fix("amb-1", 3, speed_kmh=40, heading_deg=90),
        fix("amb-1", 2),
        fix("ghost", 1),
        fix("amb-1", 1, lat=95),
        fix("amb-1", -60),
        {"unit": "amb-1", "time": "yesterday", "lon": 101.4, "lat": 0.5},
        "not an object",
        fix("amb-1", 1, speed_kmh=-3),
    ]
    body = token_client("operator").post(URL, batch, format="json").json()
    assert body["stored"] == 2
    reasons = {r["index"]: r["reason"] for r in body["rejected"]}
    assert set(reasons) == {2, 3, 4, 5, 6, 7}
    assert "unknown unit" in reasons[2] and "lat" in reasons[3] and "future" in reasons[4]
    assert "speed_kmh" in reasons[7]
    unit.refresh_from_db()
    assert unit.fix_at is not None and unit.speed_kmh is None  # the newest fix (2 min ago)
    assert history(unit) == 2


def test_duplicates_and_late_fixes_never_move_a_unit_back(token_client, pekanbaru):
    unit = make_unit("amb-2", 101.44, 0.50, fresh=False)
    client = token_client("operator")
    newest = fix("amb-2", 1, lon=101.46)
    assert client.post(URL, [newest], format="json").json()["moved"] == 1
    late = client.post(URL, [fix("amb-2", 5, lon=101.40), newest], format="json").json()
    assert (late["stored"], late["duplicates"], late["moved"]) == (1, 1, 0)
    unit.refresh_from_db()
    assert round(unit.point.x, 2) == 101.46
    assert history(unit) == 2


def test_geojson_batches_and_the_live_event(token_client, pekanbaru):
    make_unit("fire-9", 101.44, 0.50, agency="damkar", kind="fire_engine", fresh=False)
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [101.45, 0.52]},
                "properties": {"unit": "fire-9", "time": timezone.now().isoformat()},
            }
        ],
    }
    body = token_client("operator").post(URL, collection, format="json").json()
    assert body["stored"] == 1
    event = LiveEvent.objects.filter(kind="units.positions").get()
    assert event.payload["units"][0]["code"] == "fire-9"
    assert Unit.objects.get(code="fire-9").point.y == 0.52


def test_not_a_batch_is_400_and_the_wall_cannot_send(token_client, pekanbaru):
    assert token_client("operator").post(URL, {"unit": "x"}, format="json").status_code == 400
    assert token_client("wall").post(URL, [], format="json").status_code == 403


def test_monthly_partitions_take_the_fixes_of_their_month(token_client, pekanbaru):
    from django.core.management import call_command

    call_command("avl_partitions", "--months", "2", verbosity=0)
    call_command("avl_partitions", "--months", "2", verbosity=0)  # idempotent
    make_unit("amb-p", 101.44, 0.50, fresh=False)
    token_client("operator").post(URL, [fix("amb-p", 1)], format="json")
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM incidents_unitposition")
        (partition,) = cursor.fetchone()
    assert partition == f"incidents_unitposition_{timezone.now():%Y%m}"
