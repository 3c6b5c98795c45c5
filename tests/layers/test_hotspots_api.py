"""GET /api/layers/hotspots/: each method as GeoJSON, bad input, roles, and the cache that a new
incident invalidates. Real PostGIS (Pekanbaru + a synthetic year) and the real Redis cache."""

from __future__ import annotations

import io

import h3
import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from rest_framework.test import APIClient

from incidents.models import Incident, IncidentType
from tests.factories import make_user

URL = "/api/layers/hotspots/"
END = "2026-10-31T17:00:00+00:00"
WINDOW = "since=2025-11-06&until=2026-10-31"


@pytest.fixture(scope="module")
def history(pekanbaru, django_db_blocker):
    with django_db_blocker.unblock():
        call_command(
            "synth_incidents", "--years", "1", "--seed", "8", "--count", "8000", "--end", END,
            stdout=io.StringIO(),
        )  # fmt: skip
        yield
        call_command("synth_incidents", "--remove", stdout=io.StringIO())


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("history")]


def _analytic_count(**filters) -> int:
    return Incident.objects.for_analytics().filter(point__isnull=False, **filters).count()


def test_h3_counts_every_analytic_incident_once(token_client):
    response = token_client("planner").get(URL, {"method": "h3", "res": 8})
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    props = [f["properties"] for f in body["features"]]
    assert sum(p["count"] for p in props) == _analytic_count()  # pranks, merged left out
    first = props[0]
    assert first["count"] == sum(first[c] for c in ("medis", "bencana", "keamanan", "lainnya"))
    assert h3.get_resolution(first["cell"]) == 8
    ring = body["features"][0]["geometry"]["coordinates"][0]
    assert len(ring) == 7 and ring[0] == ring[-1]  # a closed hexagon, lon/lat
    assert 101 < ring[0][0] < 102 and 0 < ring[0][1] < 1


def test_h3_category_and_window_filter_the_incidents(token_client):
    response = token_client("wall").get(
        URL, {"method": "h3", "res": 7, "category": "bencana", "since": "2026-01-01",
              "until": "2026-03-31"},
    )  # fmt: skip
    assert response.status_code == 200
    total = sum(f["properties"]["count"] for f in response.json()["features"])
    assert total == _analytic_count(
        category="bencana",
        created_at__gte="2026-01-01T00:00:00+07:00",
        created_at__lt="2026-04-01T00:00:00+07:00",
    )
    assert total > 0


def test_gistar_layer_has_classes_and_finds_hot_cells(token_client):
    response = token_client("supervisor").get(URL, {"method": "gistar", "res": 9})
    assert response.status_code == 200
    body = response.json()
    assert body["meta"]["valid"] is True and body["meta"]["fdr"] is True
    classes = {f["properties"]["class"] for f in body["features"]}
    assert "hot_99" in classes
    for f in body["features"]:
        p = f["properties"]
        assert (p["bin"] > 0) == p["class"].startswith("hot")
        assert 0 <= p["p"] <= 1


def test_emerging_layer_names_patterns(token_client):
    response = token_client("admin").get(URL + f"?method=emerging&res=9&step_days=30&{WINDOW}")
    assert response.status_code == 200
    body = response.json()
    assert body["meta"]["bins"] == 12
    assert body["meta"]["patterns"]
    for f in body["features"]:
        p = f["properties"]
        assert p["category"] in (
            "new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic",
            "oscillating", "historical",
        )  # fmt: skip
        assert p["pattern"] == f"{p['category']}_{p['side']}"


def test_kde_method_gives_density_bands_and_the_raster_of_the_same_window(token_client):
    client = token_client("planner")
    response = client.get(URL, {"method": "kde", "bandwidth_m": 400, "category": "medis"})
    assert response.status_code == 200
    body = response.json()
    assert body["meta"]["method"] == "kde" and body["meta"]["valid"] is True
    assert body["meta"]["incidents"] == _analytic_count(category="medis")
    levels = [f["properties"]["level"] for f in body["features"]]
    assert levels and all(level > 0 for level in levels)
    raster = client.get(body["meta"]["raster"])
    assert raster.status_code == 200 and raster["Content-Type"] == "image/png"
    assert raster.content[:8] == b"\x89PNG\r\n\x1a\n"
    bad = client.get(URL, {"method": "kde", "bandwidth_m": -5})
    assert bad.status_code == 400 and "bandwidth_m" in bad.json()


@pytest.mark.parametrize(
    "query",
    [
        {"method": "gistar", "res": 9, "since": "2026-10-30", "until": "2026-10-30"},
        {"method": "emerging", "res": 9, "since": "2020-01-01", "until": "2020-12-31"},
    ],
)
def test_too_few_cells_gives_an_empty_layer_that_says_why(token_client, query):
    response = token_client("planner").get(URL, query)
    assert response.status_code == 200
    body = response.json()
    assert body["features"] == []
    assert body["meta"]["valid"] is False
    assert body["meta"]["cells_with_data"] < 30
    assert "30" in body["meta"]["explanation"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"method": "kde2"}, "method"),
        ({"res": 4}, "res"),
        ({"res": 12}, "res"),
        ({"res": "nine"}, "res"),
        ({"since": "2026-10-01", "until": "2026-09-01"}, "since"),
        ({"since": "kemarin"}, "since"),
        ({"until": "2026-13-45"}, "until"),
        ({"category": "alien"}, "category"),
        ({"method": "gistar", "k": 9}, "k"),
        ({"method": "emerging", "step_days": 0}, "step_days"),
        ({"method": "emerging", "step_days": 300, "since": "2026-06-01"}, "step_days"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(token_client, query, field):
    response = token_client("planner").get(URL, query)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_roles(api_client):
    assert api_client.get(URL).status_code == 401
    no_role = APIClient()
    no_role.force_authenticate(make_user(role=""))
    assert no_role.get(URL).status_code == 403


def test_a_new_incident_changes_the_cached_answer(token_client):
    client = token_client("wall")
    query = {"method": "h3", "res": 9, "category": "medis"}
    first = client.get(URL, query)
    again = client.get(URL, query)
    assert first["X-Cache"] == "miss" and again["X-Cache"] == "hit"
    assert again.json() == first.json()

    spot = first.json()["features"][0]
    cell = spot["properties"]["cell"]
    lat, lon = h3.cell_to_latlng(cell)
    Incident.objects.create(
        category="medis",
        type=IncidentType.objects.get(code="kesehatan"),
        priority=1,
        point=Point(lon, lat, srid=4326),
        created_by=make_user("operator"),
    )
    after = client.get(URL, query)
    assert after["X-Cache"] == "miss"
    counts = {f["properties"]["cell"]: f["properties"]["count"] for f in after.json()["features"]}
    assert counts[cell] == spot["properties"]["count"] + 1


def test_counts_follow_creations_and_a_prank_verdict(token_client):
    """New incidents update the kept counts; any other change (a prank verdict) rebuilds them,
    so the prank leaves the layer again."""
    from incidents import live

    client = token_client("wall")
    query = {"method": "gistar", "res": 9}
    before = {
        f["properties"]["cell"]: f["properties"] for f in client.get(URL, query).json()["features"]
    }
    cell = max(before, key=lambda c: before[c]["count"])
    lat, lon = h3.cell_to_latlng(cell)
    user = make_user("operator")
    kesehatan = IncidentType.objects.get(code="kesehatan")
    made = []
    for _ in range(2):
        incident = Incident.objects.create(
            category="medis", type=kesehatan, priority=1,
            point=Point(lon, lat, srid=4326), created_by=user,
        )  # fmt: skip
        live.record("incident.created", {"incident": {"id": incident.pk}})
        made.append(incident)
        now = {
            f["properties"]["cell"]: f["properties"]
            for f in client.get(URL, query).json()["features"]
        }
        assert now[cell]["count"] == before[cell]["count"] + len(made)

    made[0].status = "prank"
    made[0].save(update_fields=["status"])
    live.record("incident.status", {"incident": {"id": made[0].pk}, "from": "received"})
    after = {
        f["properties"]["cell"]: f["properties"] for f in client.get(URL, query).json()["features"]
    }
    assert after[cell]["count"] == before[cell]["count"] + 1


def test_hotspot_vector_tiles_carry_the_api_hot_cells(token_client):
    from tests.layers.mvt import decode
    from tests.layers.test_tiles import tile_of

    client = token_client("wall")
    api = client.get(URL, {"method": "gistar", "res": 8}).json()
    hot = [f for f in api["features"] if f["properties"]["class"].startswith("hot")]
    assert hot
    # The tile under the hottest cell, at a zoom that shows res-8 cells.
    top = max(hot, key=lambda f: f["properties"]["z"])
    lat, lon = h3.cell_to_latlng(top["properties"]["cell"])
    z, x, y = tile_of(lon, lat, 12)
    response = client.get(f"/tiles/hotspots/{z}/{x}/{y}.mvt")
    assert response.status_code == 200
    cells = {f["properties"]["cell"]: f["properties"] for f in decode(response.content)["hotspots"]}
    assert cells[top["properties"]["cell"]]["class"] == top["properties"]["class"]
    assert all(p["class"] for p in cells.values())  # only cells with a class travel
    assert token_client("planner").get("/tiles/hotspots/7/0/0.mvt").status_code == 404
