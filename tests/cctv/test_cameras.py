"""Cameras: view sectors, which cameras see a spot, heartbeats, and bad input."""

import math
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.utils import timezone
from pyproj import Geod

from cctv.geometry import bearing_and_distance, sector
from cctv.models import Camera, CameraChange
from cctv.services import mark_silent_offline
from incidents.models import LiveEvent

pytestmark = pytest.mark.django_db
GEOD = Geod(ellps="WGS84")
# A crossing in central Pekanbaru (Sudirman × Gajah Mada).
LON, LAT = 101.4473219, 0.5176818


def offset(lon, lat, bearing_deg, metres):
    x, y, _ = GEOD.fwd(lon, lat, bearing_deg, metres)
    return Point(x, y, srid=4326)


def make_camera(code="t1", heading=90.0, fov=60.0, range_m=100.0, ptz=False, **extra) -> Camera:
    return Camera.objects.create(
        code=code,
        name=f"Test {code}",
        point=Point(LON, LAT, srid=4326),
        heading_deg=heading,
        fov_deg=fov,
        range_m=range_m,
        ptz=ptz,
        position_source="derived",
        **extra,
    )


@pytest.mark.parametrize(("fov", "range_m"), [(60, 100), (90, 250), (30, 80), (360, 150)])
def test_sector_area_matches_the_analytic_value_within_one_percent(fov, range_m):
    polygon = sector(LON, LAT, 45, fov, range_m)
    lons, lats = zip(*polygon.coords[0], strict=True)
    area, _ = GEOD.polygon_area_perimeter(lons, lats)
    expected = math.pi * range_m**2 * fov / 360
    assert abs(abs(area) - expected) / expected < 0.01


def test_a_camera_facing_away_does_not_see_what_one_facing_it_does(token_client, pekanbaru):
    east = make_camera("east", heading=90)
    make_camera("west", heading=270)
    spot = offset(LON, LAT, 90, 50)  # 50 m east
    client = token_client("operator")
    body = client.get("/api/cctv/cameras/covering/", {"lat": spot.y, "lon": spot.x}).json()
    assert [c["code"] for c in body["covering"]] == ["east"]
    seen = body["covering"][0]
    assert 49 < seen["distance_m"] < 51 and abs(seen["bearing_deg"] - 90) < 1
    assert seen["off_axis_deg"] < 1
    assert "west" in [c["code"] for c in body["nearest_not_covering"]]
    assert east.sector.contains(spot)


def test_ptz_cameras_cover_all_around_within_range_and_say_how_to_pan(token_client, pekanbaru):
    make_camera("ptz", heading=0, fov=60, ptz=True, range_m=120)
    client = token_client("operator")
    behind = offset(LON, LAT, 200, 100)
    body = client.get("/api/cctv/cameras/covering/", {"lat": behind.y, "lon": behind.x}).json()
    assert [c["code"] for c in body["covering"]] == ["ptz"]
    assert abs(body["covering"][0]["pan_deg"] - (-160)) < 1
    beyond = offset(LON, LAT, 200, 200)
    far = client.get("/api/cctv/cameras/covering/", {"lat": beyond.y, "lon": beyond.x}).json()
    assert far["covering"] == []


def test_an_uncertainty_radius_widens_the_search(token_client, pekanbaru):
    make_camera("north", heading=0, range_m=80)
    spot = offset(LON, LAT, 180, 60)  # south: outside the north-facing sector
    client = token_client("operator")
    exact = client.get("/api/cctv/cameras/covering/", {"lat": spot.y, "lon": spot.x}).json()
    assert exact["covering"] == []
    wide = client.get(
        "/api/cctv/cameras/covering/", {"lat": spot.y, "lon": spot.x, "radius": 120}
    ).json()
    assert [c["code"] for c in wide["covering"]] == ["north"]


def test_cameras_of_an_incident(token_client, pekanbaru):
    make_camera("east", heading=90)
    operator = token_client("operator")
    spot = offset(LON, LAT, 90, 40)
    incident = operator.post(
        "/api/incidents/",
        {"type": "kecelakaan_lalu_lintas", "lat": spot.y, "lon": spot.x},
        format="json",
    ).json()
    body = operator.get(f"/api/incidents/{incident['id']}/cameras/").json()
    assert [c["code"] for c in body["covering"]] == ["east"]


def test_camera_list_is_geojson_with_sectors(
    token_client, pekanbaru, django_assert_max_num_queries
):
    make_camera("a")
    make_camera("b", heading=10)
    client = token_client("wall")
    with django_assert_max_num_queries(4):
        body = client.get("/api/cctv/cameras/").json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 2
    props = body["features"][0]["properties"]
    assert props["sector"]["type"] == "Polygon" and props["status"] == "online"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"heading_deg": 400}, "heading_deg"),
        ({"fov_deg": 0}, "fov_deg"),
        ({"range_m": -5}, "range_m"),
        ({"stream_rtsp": "ftp://cam/1"}, "stream_rtsp"),
        ({"stream_hls": "javascript:alert(1)"}, "stream_hls"),
        ({"lat": 0.2, "lon": 101.0}, "point"),
    ],
)
def test_bad_camera_edits_are_refused(token_client, pekanbaru, change, field):
    camera = make_camera()
    response = token_client("supervisor").patch(
        f"/api/cctv/cameras/{camera.pk}/", {"version": 1, **change}, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    camera.refresh_from_db()
    assert camera.version == 1 and camera.heading_deg == 90


def test_edits_are_logged_recompute_the_sector_and_need_supervisor(token_client, pekanbaru):
    camera = make_camera()
    old_sector = camera.sector
    assert (
        token_client("operator")
        .patch(f"/api/cctv/cameras/{camera.pk}/", {"version": 1, "heading_deg": 180}, format="json")
        .status_code
        == 403
    )
    response = token_client("supervisor").patch(
        f"/api/cctv/cameras/{camera.pk}/", {"version": 1, "heading_deg": 180}, format="json"
    )
    assert response.status_code == 200
    camera.refresh_from_db()
    assert not camera.sector.equals(old_sector)
    assert camera.sector.contains(offset(LON, LAT, 180, 50))
    change = CameraChange.objects.get(camera=camera)
    assert change.changes == {"heading_deg": [90.0, 180.0]} and change.actor.role == "supervisor"
    stale = token_client("supervisor").patch(
        f"/api/cctv/cameras/{camera.pk}/", {"version": 1, "heading_deg": 0}, format="json"
    )
    assert stale.status_code == 409


def test_the_watch_loop_marks_a_silent_camera_offline_and_a_heartbeat_brings_it_back(
    token_client, pekanbaru
):
    quiet = make_camera("quiet", last_heartbeat=timezone.now() - timedelta(minutes=10))
    alive = make_camera("alive", last_heartbeat=timezone.now())
    call_command("cctv_watch", "--once", "--limit", "120")
    quiet.refresh_from_db()
    alive.refresh_from_db()
    assert (quiet.status, alive.status) == ("offline", "online")
    assert LiveEvent.objects.filter(kind="camera.status").count() == 1
    assert mark_silent_offline(timedelta(seconds=120)) == []  # already offline: no repeat
    response = token_client("operator").post(
        f"/api/cctv/cameras/{quiet.pk}/heartbeat/", {}, format="json"
    )
    assert response.status_code == 200
    quiet.refresh_from_db()
    assert quiet.status == "online"
    assert list(
        CameraChange.objects.filter(camera=quiet).values_list("changes__status", flat=True)
    ) == [["offline", "online"], ["online", "offline"]]


def test_the_fixture_has_35_derived_cameras_inside_the_city(pekanbaru):
    from geo.models import AdminArea

    call_command("load_cameras", verbosity=0)
    cameras = Camera.objects.all()
    assert cameras.count() == 35
    assert set(cameras.values_list("position_source", flat=True)) == {"derived"}
    city = AdminArea.objects.city().get()
    assert all(city.geom.contains(c.point) for c in cameras)
    assert Camera.objects.filter(city_cam_id__isnull=False).count() == 20
    assert "not surveyed" in Camera.objects.get(code="cam1").note
    _, distance = bearing_and_distance(
        *Camera.objects.get(code="cam1").point.coords, 101.447348, 0.517683
    )
    assert distance < 50  # at the Sudirman × Gajah Mada crossing
