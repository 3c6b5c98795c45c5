"""GET /api/layers/density/: the KDE raster of analytic incidents, as a planner or the wall
sees it."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone
from PIL import Image

from tests.factories import make_incident

URL = "/api/layers/density/"
MARKET = (101.4475, 0.5290)  # Pasar Pusat area
SUBURB = (101.4000, 0.4700)


def _pixel(bounds, size, lon, lat):
    west, south, east, north = bounds
    col = int((lon - west) / (east - west) * size)
    row = int((north - lat) / (north - south) * size)
    return row, col


def _image(body: dict) -> np.ndarray:
    data = body["image"].removeprefix("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))))


@pytest.fixture(autouse=True)
def _empty_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def cluster(pekanbaru, db):
    for i in range(12):
        make_incident(MARKET[0] + 0.0004 * (i % 4), MARKET[1] + 0.0004 * (i // 4))


def test_png_with_bounds_shows_the_cluster(cluster, token_client, django_assert_max_num_queries):
    client = token_client("planner")
    with django_assert_max_num_queries(6):
        response = client.get(URL, {"bandwidth_m": 300, "size": 256})
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    bounds = [float(v) for v in response["X-Bounds"].split(",")]
    west, south, east, north = bounds
    assert west < MARKET[0] < east and south < MARKET[1] < north
    assert response["X-Point-Count"] == "12"
    image = np.asarray(Image.open(io.BytesIO(response.content)))
    assert image.shape == (256, 256, 4)
    assert image[_pixel(bounds, 256, *MARKET)][3] > 200  # opaque over the cluster
    assert image[_pixel(bounds, 256, *SUBURB)][3] == 0  # transparent far from it


def test_prank_cancelled_and_merged_calls_make_no_density(cluster, token_client):
    target = make_incident(*MARKET)
    for status in ("prank", "cancelled", "merged"):
        for _ in range(10):
            make_incident(
                *SUBURB, status=status, merged_into=target if status == "merged" else None
            )
    body = token_client("wall").get(URL, {"format": "json", "size": 128}).json()
    assert body["n_points"] == 13
    image = _image(body)
    assert image[_pixel(body["bounds"], 128, *MARKET)][3] > 200
    assert image[_pixel(body["bounds"], 128, *SUBURB)][3] == 0


def test_window_and_category_filter_the_points(pekanbaru, db, token_client):
    now = timezone.now()
    make_incident(*MARKET, created_at=now - timedelta(days=40))
    make_incident(*MARKET, created_at=now - timedelta(days=2))
    make_incident(*MARKET, type_code="kebakaran", created_at=now - timedelta(days=2))
    client = token_client("supervisor")
    since = (now - timedelta(days=7)).date().isoformat()
    assert client.get(URL, {"format": "json", "since": since}).json()["n_points"] == 2
    body = client.get(URL, {"format": "json", "since": since, "category": "bencana"}).json()
    assert body["n_points"] == 1 and body["category"] == "bencana"
    assert client.get(URL, {"format": "json"}).json()["n_points"] == 3


def test_cached_until_a_new_incident_arrives(cluster, token_client, django_assert_max_num_queries):
    client = token_client("wall")
    first = client.get(URL, {"format": "json", "size": 128}).json()
    with django_assert_max_num_queries(4):  # auth (2) + data version (2): no incident scan
        again = client.get(URL, {"format": "json", "size": 128}).json()
    assert again == first and first["n_points"] == 12
    make_incident(*SUBURB)  # through the factory: a new row, as intake or a bulk load makes
    after = client.get(URL, {"format": "json", "size": 128}).json()
    assert after["n_points"] == 13
    assert _image(after)[_pixel(after["bounds"], 128, *SUBURB)][3] > 0


def test_a_call_judged_prank_later_leaves_the_cached_layer(pekanbaru, db, token_client):
    from incidents import services
    from tests.factories import make_user

    operator = make_user("operator")
    lone = make_incident(*SUBURB, user=operator)
    make_incident(*MARKET, user=operator)
    client = token_client("wall")
    assert client.get(URL, {"format": "json", "size": 64}).json()["n_points"] == 2
    services.transition(operator, lone.pk, "prank")  # published on the live feed
    body = client.get(URL, {"format": "json", "size": 64}).json()
    assert body["n_points"] == 1
    assert _image(body)[_pixel(body["bounds"], 64, *SUBURB)][3] == 0


def test_geojson_contours_for_deck_gl(cluster, token_client):
    body = token_client("operator").get(URL, {"format": "geojson", "size": 256}).json()
    assert body["type"] == "FeatureCollection" and body["unit"] == "incidents/km2"
    assert len(body["features"]) >= 3
    props = body["features"][-1]["properties"]
    assert props["level"] > 0 and props["rank"] == len(body["features"]) - 1
    ring = np.array(body["features"][-1]["geometry"]["coordinates"][0][0])
    assert ring[:, 0].min() < MARKET[0] + 0.0006 < ring[:, 0].max()


def test_no_incidents_is_an_empty_layer_not_an_error(pekanbaru, db, token_client):
    body = token_client("admin").get(URL, {"format": "json", "size": 64}).json()
    assert body["n_points"] == 0 and body["max_density"] == 0
    assert _image(body)[..., 3].max() == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bandwidth_m": 1}, "bandwidth_m"),
        ({"bandwidth_m": 100000}, "bandwidth_m"),
        ({"bandwidth_m": "nan"}, "bandwidth_m"),
        ({"bandwidth_m": "wide"}, "bandwidth_m"),
        ({"size": 5000}, "size"),
        ({"size": 8}, "size"),
        ({"since": "2026-11-30", "until": "2026-11-01"}, "since"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-13-45"}, "until"),
        ({"category": "alien"}, "category"),
        ({"format": "tiff"}, "format"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(db, token_client, params, field):
    response = token_client("planner").get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


def test_anonymous_is_refused(db, api_client):
    assert api_client.get(URL).status_code in (401, 403)
