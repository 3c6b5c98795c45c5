"""GET /api/layers/kelurahan-stats/: what a planner reads per kelurahan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from tests.factories import make_incident

URL = "/api/layers/kelurahan-stats/"
MARKET = (101.4475, 0.5290)
T0 = datetime(2026, 11, 10, 1, 30, tzinfo=UTC)  # 08:30 WIB


@pytest.fixture
def market(pekanbaru, db):
    """Five medical calls dispatched after 60…600 s, arriving 300 s later; one fire at 19:00 WIB;
    prank and cancelled calls that must not count."""
    dispatch = [60, 120, 180, 240, 600]
    incidents = [
        make_incident(*MARKET, created_at=T0, dispatched_after_s=d, on_scene_after_s=d + 300)
        for d in dispatch
    ]
    make_incident(*MARKET, type_code="kebakaran", created_at=T0 + timedelta(hours=10, minutes=30))
    make_incident(*MARKET, status="prank", created_at=T0, dispatched_after_s=5)
    make_incident(*MARKET, status="cancelled", created_at=T0)
    return incidents[0].kelurahan, dispatch


def _row(body, code):
    return next(r for r in body["kelurahan"] if r["code"] == code)


def test_counts_rates_hours_and_percentiles(market, token_client, django_assert_max_num_queries):
    kelurahan, dispatch = market
    client = token_client("planner")
    with django_assert_max_num_queries(8):  # auth (2) + six statistics queries
        response = client.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert len(body["kelurahan"]) == 83 and body["rate_unit"] == "per_km2"
    row = _row(body, kelurahan.code)
    assert row["name"] == kelurahan.name and row["count"] == 6
    assert row["by_category"]["medis"] == 5 and row["by_category"]["bencana"] == 1
    assert row["by_type"] == {"kebakaran": 1, "kesehatan": 5}
    assert row["by_hour"][8] == 5 and row["by_hour"][19] == 1 and sum(row["by_hour"]) == 6
    assert row["rate_per_km2"] == pytest.approx(6 / row["area_km2"], rel=1e-2)
    assert 0.05 < row["area_km2"] < 50
    figures = row["response"]
    assert figures["dispatch_s"]["n"] == 5
    assert figures["dispatch_s"]["p50"] == pytest.approx(np.percentile(dispatch, 50))
    assert figures["dispatch_s"]["p90"] == pytest.approx(np.percentile(dispatch, 90))
    assert figures["travel_s"]["p50"] == pytest.approx(300)
    assert figures["arrival_s"]["p90"] == pytest.approx(np.percentile(dispatch, 90) + 300)
    assert body["city"]["count"] == 6 and body["city"]["by_hour"][8] == 5
    assert body["city"]["response"]["dispatch_s"]["p50"] == pytest.approx(180)
    others = [r for r in body["kelurahan"] if r["code"] != kelurahan.code]
    assert all(r["count"] == 0 and r["response"]["dispatch_s"]["p50"] is None for r in others)


def test_window_and_category(market, token_client):
    kelurahan, _ = market
    client = token_client("wall")
    body = client.get(URL, {"category": "bencana"}).json()
    assert _row(body, kelurahan.code)["count"] == 1
    body = client.get(URL, {"since": "2026-11-11"}).json()
    assert body["city"]["count"] == 0
    body = client.get(URL, {"since": "2026-11-10", "until": "2026-11-10"}).json()
    assert body["city"]["count"] == 6  # a date-only until includes that WIB day


def test_incidents_without_location_are_counted_apart(pekanbaru, db, token_client):
    make_incident(None, None)
    body = token_client("operator").get(URL).json()
    assert body["unplaced"] == 1 and body["city"]["count"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-11-30", "until": "2026-11-01"}, "since"),
        ({"until": "not-a-date"}, "until"),
        ({"category": "x"}, "category"),
    ],
)
def test_bad_input(db, token_client, params, field):
    response = token_client("planner").get(URL, params)
    assert response.status_code == 400 and field in response.json()


def test_anonymous_is_refused(db, api_client):
    assert api_client.get(URL).status_code in (401, 403)
