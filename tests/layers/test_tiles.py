"""Vector tiles of the basemap (ST_AsMVT): contents, caching headers, roles and bad input."""

from __future__ import annotations

import math

import pytest
from django.contrib.gis.geos import Point

from geo.models import AdminArea
from incidents.models import Incident, IncidentType
from layers import tiles
from layers.context import load_river
from tests.factories import make_user
from tests.layers.mvt import decode

CENTRE = (101.4478, 0.5071)  # Pekanbaru, near the Siak crossing


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def url(layer: str, z: int, x: int, y: int) -> str:
    return f"/tiles/{layer}/{z}/{x}/{y}.mvt"


@pytest.fixture
def wall(token_client):
    return token_client("wall")


@pytest.fixture
def river(pekanbaru, db):
    load_river(force=True)


def test_kelurahan_tile_has_boundaries_and_names(wall, pekanbaru):
    response = wall.get(url("kelurahan", *tile_of(*CENTRE, 13)))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    layers = decode(response.content)
    names = {f["properties"]["name"] for f in layers["kelurahan"]}
    here = AdminArea.objects.get(level="kelurahan", geom__contains=Point(*CENTRE, srid=4326))
    assert here.name in names
    assert all(f["type"] == 3 for f in layers["kelurahan"])  # polygons
    assert here.name in {f["properties"]["name"] for f in layers["kelurahan_label"]}


def test_roads_by_class_depend_on_zoom(wall, pekanbaru):
    far = decode(wall.get(url("roads", *tile_of(*CENTRE, 11))).content)["roads"]
    near = decode(wall.get(url("roads", *tile_of(*CENTRE, 15))).content)["roads"]
    assert {f["properties"]["road_class"] for f in far} <= {"arteri", "kolektor"}
    assert {f["properties"]["road_class"] for f in far} == {"arteri", "kolektor"}
    near_classes = {f["properties"]["road_class"] for f in near}
    assert near_classes - {"arteri", "kolektor", "lokal"}, near_classes
    assert "connector" not in near_classes


def test_the_siak_river_is_a_context_layer(wall, river):
    layers = decode(wall.get(url("river", *tile_of(*CENTRE, 10))).content)
    assert "Sungai Siak" in {f["properties"].get("name") for f in layers["river"]}
    # Far outside the city: an empty tile, not an error.
    empty = wall.get(url("river", *tile_of(100.0, -1.0, 12)))
    assert empty.status_code == 200 and decode(empty.content) == {}


def test_incident_tile_excludes_prank_cancelled_merged_and_carries_no_text(wall, pekanbaru):
    itype = IncidentType.objects.filter(active=True).first()
    user = make_user("operator")
    kept = []
    target = None
    for i, status in enumerate(["received", "dispatched", "prank", "cancelled", "merged"]):
        incident = Incident.objects.create(
            merged_into=target if status == "merged" else None,
            category=itype.category,
            type=itype,
            priority=itype.default_priority,
            status=status,
            point=Point(CENTRE[0] + i * 0.0005, CENTRE[1], srid=4326),
            description="penelepon Budi 08123456789",
            address="Jl. Rahasia 1",
            created_by=user,
        )
        if status in ("received", "dispatched"):
            kept.append(incident.pk)
            target = incident
    layers = decode(wall.get(url("incidents", *tile_of(*CENTRE, 14))).content)
    features = layers["incidents"]
    assert sorted(f["properties"]["id"] for f in features) == sorted(kept)
    props = features[0]["properties"]
    assert set(props) == {"id", "status", "category", "priority", "type_code"}
    assert props["type_code"] == itype.code


def test_etag_and_cache_control_and_304(wall, pekanbaru):
    path = url("kelurahan", *tile_of(*CENTRE, 12))
    first = wall.get(path)
    assert first["Cache-Control"].startswith("private, max-age=")
    assert "Authorization" in first["Vary"]
    etag = first["ETag"]
    again = wall.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    live = wall.get(url("incidents", *tile_of(*CENTRE, 12)))
    assert "must-revalidate" in live["Cache-Control"] and "max-age=0" in live["Cache-Control"]


def test_an_incident_changes_the_etag_of_its_tile(wall, pekanbaru):
    path = url("incidents", *tile_of(*CENTRE, 14))
    before = wall.get(path)["ETag"]
    itype = IncidentType.objects.filter(active=True).first()
    Incident.objects.create(
        category=itype.category,
        type=itype,
        priority=itype.default_priority,
        status="received",
        point=Point(*CENTRE, srid=4326),
        created_by=make_user("operator"),
    )
    after = wall.get(path, HTTP_IF_NONE_MATCH=before)
    assert after.status_code == 200 and after["ETag"] != before


def test_a_role_is_required(api_client, token_client, pekanbaru):
    path = url("roads", *tile_of(*CENTRE, 12))
    assert api_client.get(path).status_code == 401
    for role in ("wall", "planner", "operator", "supervisor", "admin"):
        assert token_client(role).get(path).status_code == 200, role


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/tiles/roads/7/100/63.mvt", 404, "z"),
        ("/tiles/roads/19/1/1.mvt", 404, "z"),
        ("/tiles/roads/12/4096/1.mvt", 400, "x"),
        ("/tiles/roads/12/1/99999999999999999999.mvt", 400, "y"),
        ("/tiles/nothing/12/1/1.mvt", 404, None),
    ],
)
def test_bad_tiles_are_4xx_naming_the_field(wall, db, path, status, field):
    response = wall.get(path)
    assert response.status_code == status
    body = response.json()
    if field:
        assert field in body or body.get("field") == field


def test_the_registry_takes_a_new_layer(wall, db):
    layer = tiles.TileLayer("test-dots", lambda tile: b"\x1a\x00", min_zoom=10, max_zoom=12)
    tiles.register(layer)
    try:
        assert wall.get("/tiles/test-dots/11/1/1.mvt").content == b"\x1a\x00"
        assert wall.get("/tiles/test-dots/13/1/1.mvt").status_code == 404
    finally:
        tiles.REGISTRY.pop("test-dots")


def test_reference_tiles_are_cached_until_the_layer_is_reloaded(wall, river):
    path = url("river", *tile_of(*CENTRE, 10))
    first = wall.get(path)
    # Same data version: served from the cache even if the table changed behind its back...
    from layers.models import ContextFeature

    ContextFeature.objects.all().delete()
    assert wall.get(path).content == first.content
    # ...and a reload (new checksum) is seen at once.
    from geo.models import ReferenceLayer

    ReferenceLayer.objects.filter(name="context_river").update(sha256="0" * 64)
    assert decode(wall.get(path).content) == {}
