"""GET /api/layers/response-standards/: how a supervisor sees the response against the targets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from tests.factories import make_incident

URL = "/api/layers/response-standards/"
MARKET = (101.4475, 0.5290)
T0 = datetime(2026, 11, 10, 1, 30, tzinfo=UTC)  # 08:30 WIB


@pytest.fixture
def week(pekanbaru, db):
    """Medical calls dispatched after 30…200 s with 300…700 s of travel (target 60 s and 480 s);
    fires 240 s target; a police call; pranks and cancellations that must not count."""
    medical = [(30, 300), (45, 470), (59, 480), (90, 500), (200, 700)]
    ids = {}
    for i, (dispatch, travel) in enumerate(medical):
        ids[dispatch] = make_incident(
            *MARKET,
            created_at=T0 + timedelta(hours=i),
            dispatched_after_s=dispatch,
            on_scene_after_s=dispatch + travel,
        ).pk
    fire = make_incident(
        *MARKET,
        type_code="kebakaran",
        created_at=T0 + timedelta(days=25),  # next month (December, WIB)
        dispatched_after_s=20,
        on_scene_after_s=20 + 300,
    )
    police = make_incident(
        *MARKET, type_code="kejahatan", created_at=T0, dispatched_after_s=10, on_scene_after_s=910
    )
    make_incident(*MARKET, status="prank", created_at=T0, dispatched_after_s=500)
    make_incident(*MARKET, status="cancelled", created_at=T0, dispatched_after_s=900)
    return medical, ids, fire, police


def test_shares_within_targets_percentiles_and_slowest(week, token_client):
    medical, ids, fire, police = week
    response = token_client("supervisor").get(URL)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["targets"]["processing_s"] == 60
    assert body["targets"]["travel_s"]["medis"] == 480

    med = body["by_category"]["medis"]
    assert med["processing"]["n"] == 5 and med["processing"]["within"] == 3  # 30, 45, 59 s
    assert med["processing"]["share"] == 0.6 and med["processing"]["meets_goal"] is False
    dispatch = [d for d, _ in medical]
    assert med["processing"]["p90_s"] == pytest.approx(np.percentile(dispatch, 90))
    assert med["travel"]["within"] == 3  # 300, 470 and exactly 480 s
    assert med["travel"]["p50_s"] == pytest.approx(480)

    fires = body["by_category"]["bencana"]
    assert fires["travel"]["target_s"] == 240
    assert (fires["travel"]["n"], fires["travel"]["within"]) == (1, 0)  # 300 s > 240 s
    assert fires["processing"]["meets_goal"] is True

    # No travel standard for police calls: measured, but not judged.
    police_figures = body["by_category"]["keamanan"]["travel"]
    assert police_figures["target_s"] is None and police_figures["share"] is None
    assert police_figures["p50_s"] == pytest.approx(900)

    city = body["city"]
    assert city["processing"]["n"] == 7 and city["processing"]["within"] == 5
    assert (city["travel"]["n"], city["travel"]["within"]) == (6, 3)  # police not judged

    months = {(m["month"], m["category"]) for m in body["by_month"]}
    assert months == {("2026-11", "medis"), ("2026-11", "keamanan"), ("2026-12", "bencana")}

    slow = body["slowest"]
    assert [r["id"] for r in slow["processing"]] == [ids[200], ids[90]]
    assert slow["processing"][0]["seconds"] == pytest.approx(200)
    assert slow["processing"][0]["created_at"].endswith("+07:00")
    assert [r["id"] for r in slow["travel"]] == [ids[200], ids[90], fire.pk]
    assert police.pk not in [r["id"] for r in slow["travel"]]

    ranked = body["kelurahan_travel"]
    assert len(ranked) == 1 and ranked[0]["n"] == 6 and ranked[0]["share"] == 0.5


def test_targets_are_settings(week, token_client, settings):
    settings.RESPONSE_TARGETS = {"processing_s": 100, "travel_s": {"keamanan": 1000}}
    body = token_client("planner").get(URL).json()
    assert body["by_category"]["medis"]["processing"]["within"] == 4
    assert body["by_category"]["keamanan"]["travel"]["share"] == 1.0
    assert body["targets"]["travel_s"]["medis"] == 480  # the rest keep their defaults


def test_a_window_and_category_narrow_it_and_bad_input_names_the_field(week, token_client):
    client = token_client("planner")
    body = client.get(URL, {"category": "medis", "until": "2026-11-30"}).json()
    assert body["city"]["processing"]["n"] == 5
    assert body["by_category"]["bencana"]["processing"]["n"] == 0
    for params, field in (
        ({"since": "2026-12-01", "until": "2026-11-01"}, "since"),
        ({"category": "banjir"}, "category"),
        ({"since": "kemarin"}, "since"),
    ):
        answer = client.get(URL, params)
        assert answer.status_code == 400 and field in answer.json(), (params, answer.content)


def test_the_wall_cannot_read_it(token_client, db):
    assert token_client("wall").get(URL).status_code == 403
