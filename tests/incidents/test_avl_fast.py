"""The typed fast path of AVL ingest and the reference path give the same answers and store the
same rows; a batch the fast path cannot take whole gets its answers fix by fix; unit moves are
HOT updates."""

import json
import random
from datetime import UTC, datetime, timedelta
from datetime import timezone as tz

import numpy as np
import pytest
from django.db import connection
from django.utils import timezone

from incidents import avl, live
from incidents.avl import batch
from incidents.models import Agency, Unit

pytestmark = pytest.mark.django_db
URL = "/api/units/positions/"
ZONES = [UTC, tz(timedelta(hours=7)), tz(timedelta(hours=-3, minutes=-30))]


@pytest.fixture(autouse=True)
def quiet_wall():
    live.reset_coalescing(avl.POSITIONS_EVENT)
    yield
    live.reset_coalescing(avl.POSITIONS_EVENT)


def units(prefix, count=7):
    agency, _ = Agency.objects.get_or_create(code="dinkes", defaults={"name": "Dinkes"})
    return [
        Unit.objects.create(
            code=f"{prefix}-{i}", name=f"{prefix} {i}", kind="ambulance", agency=agency
        )
        for i in range(count)
    ]


def varied_batch(prefix, rng, n=350, count=7):
    """Good fixes only, in every form the checks accept: floats and integers, the bounds of
    each range, missing speed/heading/accuracy in every combination, times in several zones
    (and "Z") with and without microseconds."""
    now = timezone.now()
    fixes = []
    for i in range(n):
        at = now - timedelta(seconds=3 * (i // count) + 1, microseconds=rng.randrange(10**6))
        text = at.astimezone(rng.choice(ZONES)).isoformat()
        if rng.random() < 0.2:
            text = at.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        fix = {
            "unit": f"{prefix}-{i % count}",
            "time": text,
            "lon": rng.choice([rng.uniform(101.3, 101.6), 101, -180, 180, 180.0]),
            "lat": rng.choice([rng.uniform(0.4, 0.6), 0, -90, 90.0]),
        }
        for name, values in (
            ("speed_kmh", [rng.uniform(0, 120), 0, 400, 37]),
            ("heading_deg", [rng.uniform(0, 360), 0, 360.0]),
            ("accuracy_m", [rng.uniform(1, 50), 0.0, 100_000]),
        ):
            roll = rng.random()
            if roll < 0.25:
                fix[name] = None
            elif roll < 0.75:
                fix[name] = rng.choice(values)
        fixes.append(fix)
    return fixes


def stored_rows(prefix):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT split_part(u.code, '-', 2), p.fix_at, ST_X(p.point), ST_Y(p.point),"
            " p.speed_kmh, p.heading_deg, p.accuracy_m FROM incidents_unitposition p"
            " JOIN incidents_unit u ON u.id = p.unit_id WHERE u.code LIKE %s ORDER BY 1, 2",
            [f"{prefix}-%"],
        )
        return cursor.fetchall()


def last_positions(prefix):
    return [
        (u.code.split("-")[1], u.fix_at, u.point.x, u.point.y, u.speed_kmh, u.heading_deg)
        for u in Unit.objects.filter(code__startswith=f"{prefix}-").order_by("code")
    ]


def as_real(value):
    """A value as PostgreSQL's real (float4) keeps it, read back in text (shortest digits)."""
    return None if value is None else float(str(np.float32(value)))


def test_the_typed_path_stores_exactly_what_the_reference_path_stores():
    units("fast")
    units("slow")
    rng = random.Random(6)
    fixes = varied_batch("fast", rng)
    body = json.dumps(fixes).encode()
    typed = batch.decode(body)
    assert isinstance(typed, batch.Typed)  # the whole batch decodes typed
    now = timezone.now()
    assert (
        batch.clean(
            typed.fixes, lambda codes: avl._units(codes), now + avl.FUTURE_SLACK, now - avl.OLDEST
        )
        is not None
    )  # and is clean: this batch takes the fast path

    fast = avl.ingest(typed)
    slow = avl.ingest(json.loads(body.decode().replace('"fast-', '"slow-')))  # reference path

    assert (fast.stored, fast.duplicates, fast.rejected, fast.moved) == (350, 0, [], 7)
    assert (slow.stored, slow.duplicates, slow.rejected, slow.moved) == (350, 0, [], 7)
    assert stored_rows("fast") == stored_rows("slow")
    assert last_positions("fast") == last_positions("slow")
    # And what is stored is what was sent (times to the microsecond, coordinates exactly,
    # speed/heading/accuracy as real), whatever the layout of each COPY row.
    sent = sorted(
        (
            f["unit"].split("-")[1],
            datetime.fromisoformat(f["time"]),
            float(f["lon"]),
            float(f["lat"]),
            as_real(f.get("speed_kmh")),
            as_real(f.get("heading_deg")),
            as_real(f.get("accuracy_m")),
        )
        for f in fixes
    )
    assert stored_rows("fast") == sent


def test_the_fast_path_is_taken_through_the_endpoint(token_client):
    units("web", count=3)
    fixes = varied_batch("web", random.Random(8), n=30, count=3)
    typed = batch.decode(json.dumps(fixes).encode())
    assert isinstance(typed, batch.Typed)
    body = token_client("operator").post(URL, fixes, format="json").json()
    assert body == {
        "stored": 30,
        "duplicates": 0,
        "duplicate_indices": [],
        "moved": 3,
        "rejected": [],
    }
    assert len(stored_rows("web")) == 30


def _fix(unit="edge-0", seconds_ago=5, **values):
    at = timezone.now() - timedelta(seconds=seconds_ago)
    return {"unit": unit, "time": at.isoformat(), "lon": 101.45, "lat": 0.51, **values}


# One odd fix (index 1) among good ones: the batch cannot go the fast way whole, and the answer
# is the reference's, fix by fix.
ODD = {
    "unknown unit": (_fix(unit="nobody"), "unknown unit 'nobody'"),
    "in the future": (_fix(seconds_ago=-3600), "time is in the future"),
    "too old": (_fix(seconds_ago=8 * 86400), "time is more than 7 days old"),
    "no zone": (
        {**_fix(), "time": "2026-01-02T03:04:05"},
        "time must be an ISO 8601 date-time with a time zone",
    ),
    "NaN": (_fix(lon=float("nan")), "lon must be between -180 and 180"),
    "out of range": (_fix(lat=90.5), "lat must be between -90 and 90"),
    "a boolean": (_fix(speed_kmh=True), "speed_kmh must be a number"),
    "a Feature without geometry": (_fix(type="Feature"), "geometry must be a Point"),
    "a numeric string": (_fix(lon="101.46"), None),  # the reference takes it: stored
    "an integer unit code": (_fix(unit=7), "unknown unit 7"),
}


@pytest.mark.parametrize("case", list(ODD))
def test_one_odd_fix_is_answered_on_its_own(token_client, case):
    units("edge", count=2)
    odd, reason = ODD[case]
    fixes = [_fix(seconds_ago=9), odd, _fix(unit="edge-1", seconds_ago=2)]
    body = json.dumps(fixes)  # NaN as the bare token, as a gateway might send it
    response = token_client("operator").post(URL, body, content_type="application/json")
    assert response.status_code == 200
    answer = response.json()
    if reason is None:
        assert (answer["stored"], answer["rejected"]) == (3, [])
    else:
        assert answer["stored"] == 2
        assert answer["rejected"] == [{"index": 1, "reason": reason}]
    assert len(stored_rows("edge")) == answer["stored"]


def test_a_fix_twice_in_a_batch_is_named_once_stored_once(token_client):
    units("twice", count=1)
    first = _fix(unit="twice-0", seconds_ago=4)
    answer = (
        token_client("operator")
        .post(URL, [first, _fix(unit="twice-0", seconds_ago=3), first], format="json")
        .json()
    )
    assert (answer["stored"], answer["duplicate_indices"], answer["rejected"]) == (2, [2], [])


def test_a_resent_typed_batch_names_its_duplicates(token_client):
    units("again", count=2)
    fixes = [_fix(unit=f"again-{i % 2}", seconds_ago=20 - i) for i in range(6)]
    client = token_client("operator")
    assert client.post(URL, fixes[:4], format="json").json()["stored"] == 4
    answer = client.post(URL, fixes, format="json").json()
    assert (answer["stored"], answer["duplicate_indices"]) == (2, [0, 1, 2, 3])
    assert len(stored_rows("again")) == 6


def unit_updates():
    """(updates, HOT updates) of incidents_unit counted by this session and not yet reported
    (no report happens inside a transaction, so differences within a test are exact)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables"
            " WHERE relname = 'incidents_unit'"
        )
        return cursor.fetchone()


def test_moving_a_unit_is_a_hot_update(token_client):
    """No index covers the unit's position and its table keeps room on each page (migration
    0009), so a batch moves its units without new index entries."""
    units("hot", count=3)
    client = token_client("operator")
    before = unit_updates()
    for seconds_ago in (30, 20, 10):
        fixes = [_fix(unit=f"hot-{i}", seconds_ago=seconds_ago) for i in range(3)]
        assert client.post(URL, fixes, format="json").json()["moved"] == 3
    after = unit_updates()
    assert (after[0] - before[0], after[1] - before[1]) == (9, 9)


def test_each_units_newest_fix_comes_in_unit_id_order():
    """The batch statement locks the units in this order: two batches never wait on each other
    in opposite orders (no deadlock)."""
    nan = float("nan")
    columns = batch.Columns.of(
        [5, 3, 5, 3, 9, 1], [10, 30, 20, 10, 1, 7], [0] * 6, [0] * 6, [nan] * 6, [nan] * 6, [1] * 6
    )
    newest = columns.newest()
    assert columns.unit[newest].tolist() == [1, 3, 5, 9]
    assert columns.micros[newest].tolist() == [7, 30, 20, 1]


def test_bodies_the_typed_decoder_refuses_are_read_as_before(token_client):
    """NaN in a FeatureCollection, an infinite number in a field nobody reads, nesting too deep
    to read: answered per fix, per fix, and 400 (never 500)."""
    units("odd", count=1)
    client = token_client("operator")
    at = (timezone.now() - timedelta(seconds=5)).isoformat()
    collection = (
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry":'
        ' {"type": "Point", "coordinates": [NaN, 0.5]}, "properties": {"unit": "odd-0",'
        f' "time": "{at}"}}}}]}}'
    )
    answer = client.post(URL, collection, content_type="application/json").json()
    assert answer["rejected"] == [{"index": 0, "reason": "lon must be between -180 and 180"}]
    far = (
        f'[{{"unit": "nobody", "time": "{at}", "lon": 101.4, "lat": 0.5, "extra": 1e999}},'
        f' {{"unit": "odd-0", "time": "{at}", "lon": 101.4, "lat": 0.5}}]'
    )
    answer = client.post(URL, far, content_type="application/json").json()
    assert answer["stored"] == 1
    assert answer["rejected"] == [{"index": 0, "reason": "unknown unit 'nobody'"}]
    deep = (
        f'[{{"unit": "odd-0", "time": "{at}", "lon": 1, "lat": 2, "x": {"[" * 3000}{"]" * 3000}}}]'
    )
    response = client.post(URL, deep, content_type="application/json")
    assert response.status_code == 400
