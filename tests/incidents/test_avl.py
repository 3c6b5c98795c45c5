"""AVL batches: per-fix rejection, duplicates, out-of-order fixes and the live event."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from incidents import avl, live
from incidents.models import LiveEvent, Unit
from tests.incidents.test_responders import make_unit

pytestmark = pytest.mark.django_db
URL = "/api/units/positions/"


@pytest.fixture(autouse=True)
def quiet_wall():
    """Each test starts with no positions event sent in the current window."""
    live.reset_coalescing(avl.POSITIONS_EVENT)
    yield
    live.reset_coalescing(avl.POSITIONS_EVENT)


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
    late = client.post(URL, [fix("amb-2", 5, lon=101.40), newest, newest], format="json").json()
    assert (late["stored"], late["duplicates"], late["moved"]) == (1, 2, 0)
    assert late["duplicate_indices"] == [1, 2] and late["rejected"] == []
    unit.refresh_from_db()
    assert round(unit.point.x, 2) == 101.46
    assert history(unit) == 2


def test_a_unit_deleted_after_its_last_batch_is_unknown_not_an_error(token_client, pekanbaru):
    client = token_client("operator")
    make_unit("amb-gone", 101.44, 0.50, fresh=False)
    make_unit("amb-stays", 101.44, 0.50, fresh=False)
    assert (
        client.post(URL, [fix("amb-gone", 3), fix("amb-stays", 3)], format="json").json()["stored"]
        == 2
    )
    Unit.objects.filter(code="amb-gone").delete()
    response = client.post(URL, [fix("amb-gone", 2), fix("amb-stays", 2)], format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["stored"] == 1
    assert body["rejected"] == [{"index": 0, "reason": "unknown unit 'amb-gone'"}]


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


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_batches_reaches_the_wall_as_few_events_with_the_latest_positions(settings):
    """Twelve batches back to back, with a one-second window: a few committed
    ``units.positions`` events (at most one per window), whose last word on each unit is its
    newest fix; and every fix the endpoint acknowledged is in the history."""
    import time
    from itertools import pairwise

    from rest_framework.test import APIClient

    from incidents.models import Agency
    from tests.factories import make_token

    settings.LIVE_COALESCE_MS = 1000
    agency, _ = Agency.objects.get_or_create(code="dinkes", defaults={"name": "Dinkes"})
    codes = ["burst-a", "burst-b", "burst-c"]
    for code in codes:
        Unit.objects.create(code=code, name=code, kind="ambulance", agency=agency)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {make_token('operator')}")
    base = timezone.now() - timedelta(minutes=1)
    acknowledged, last = 0, {}
    started = time.monotonic()
    for b in range(12):
        at = (base + timedelta(seconds=b)).isoformat()
        batch = [
            {"unit": c, "time": at, "lon": 101.40 + 0.001 * b, "lat": 0.50 + 0.01 * i}
            for i, c in enumerate(codes)
        ]
        body = client.post(URL, batch, format="json").json()
        acknowledged += body["stored"]
        last.update({f["unit"]: [f["lon"], f["lat"]] for f in batch})
    posting_s = time.monotonic() - started

    def wall_view():
        seen = {}
        events = list(LiveEvent.objects.filter(kind="units.positions").order_by("seq"))
        for event in events:
            seen.update({u["code"]: u["point"] for u in event.payload["units"]})
        return events, seen

    deadline = time.monotonic() + 10
    events, seen = wall_view()
    while seen != last and time.monotonic() < deadline:
        time.sleep(0.1)
        events, seen = wall_view()
    assert seen == last  # a trailing event carried the newest position of every unit
    time.sleep(2.0)  # let the holder's last windows close
    events, seen = wall_view()
    assert seen == last
    # One at the start, then at most one per window while batches come, and one after.
    assert 2 <= len(events) <= posting_s + 3, (posting_s, [e.at for e in events])
    assert len(events) < 12  # not one per batch
    gaps = [(b.at - a.at).total_seconds() for a, b in pairwise(events)]
    assert min(gaps) >= 0.75, gaps
    assert history_total(codes) == acknowledged == 36
    for unit in Unit.objects.filter(code__in=codes):
        assert [round(unit.point.x, 6), round(unit.point.y, 6)] == last[unit.code]


def history_total(codes):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM incidents_unitposition p JOIN incidents_unit u"
            " ON u.id = p.unit_id WHERE u.code = ANY(%s)",
            [codes],
        )
        return cursor.fetchone()[0]
