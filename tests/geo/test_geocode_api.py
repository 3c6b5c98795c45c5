"""GET /api/geo/geocode/ and /api/geo/reverse/ on the real Pekanbaru data."""

import pytest
from django.contrib.gis.geos import Point

from geo.models import AdminArea, Place, Street

pytestmark = pytest.mark.django_db

GEOCODE = "/api/geo/geocode/"
REVERSE = "/api/geo/reverse/"


def point_of(feature) -> Point:
    lon, lat = feature["geometry"]["coordinates"]
    return Point(lon, lat, srid=4326)


def metres(a: Point, b) -> float:
    """Geodesic distance in metres between a point and any geometry (via UTM 47N)."""
    return a.transform(32647, clone=True).distance(b.transform(32647, clone=True))


@pytest.fixture
def operator(token_client, pekanbaru):
    return token_client("operator")


def top(client, q, **extra):
    response = client.get(GEOCODE, {"q": q, **extra})
    assert response.status_code == 200, response.content
    features = response.json()["features"]
    assert features, f"no candidate for {q!r}"
    return features[0], features


# --- auth and bad input ----------------------------------------------------------------------


def test_geocode_requires_a_role(api_client):
    assert api_client.get(GEOCODE, {"q": "sudirman"}).status_code == 401


def test_the_wall_may_geocode_read_only(token_client, pekanbaru):
    assert token_client("wall").get(GEOCODE, {"q": "Sukajadi"}).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 301}, "q"),
        ({"q": "jl\x00sudirman"}, "q"),
        ({"q": "?!.,"}, "q"),
        ({"q": "sudirman", "limit": "0"}, "limit"),
        ({"q": "sudirman", "limit": "abc"}, "limit"),
        ({"q": "sudirman", "limit": "500"}, "limit"),
    ],
)
def test_bad_geocode_queries_get_400_naming_the_field(operator, params, field):
    response = operator.get(GEOCODE, params)
    assert response.status_code == 400
    assert field in response.json()


def test_no_match_is_an_empty_collection_not_an_error(operator):
    response = operator.get(GEOCODE, {"q": "qzxv wkjh"})
    assert response.status_code == 200
    assert response.json()["features"] == []


def test_hostile_strings_are_just_text(operator):
    for q in ["'; DROP TABLE geo_street; --", "%' OR 1=1 --", "<script>alert(1)</script>"]:
        assert operator.get(GEOCODE, {"q": q}).status_code == 200
    assert Street.objects.exists()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": "91", "lon": "101.4"}, "lat"),
        ({"lat": "0.5", "lon": "-181"}, "lon"),
        ({"lat": "nan", "lon": "101.4"}, "lat"),
        ({"lat": "0.5", "lon": "inf"}, "lon"),
        ({"lat": "0.5"}, "lon"),
        ({"lat": "abc", "lon": "101.4"}, "lat"),
    ],
)
def test_bad_reverse_coordinates_get_400(operator, params, field):
    response = operator.get(REVERSE, params)
    assert response.status_code == 400
    assert field in response.json()


# --- what operators ask -------------------------------------------------------------------------


def test_a_bare_kelurahan_gives_its_area_with_an_uncertainty_of_its_size(operator):
    best, _ = top(operator, "kelurahan Jadirejo")
    jadirejo = AdminArea.objects.get(name="Jadirejo")
    assert best["properties"]["kind"] == "kelurahan"
    assert jadirejo.geom.contains(point_of(best))
    assert best["properties"]["kelurahan"] == {"code": "14.71.01.1002", "name": "Jadirejo"}
    assert best["properties"]["kecamatan"]["name"] == "Sukajadi"
    # Jadirejo is about 62 ha: a circle of that area has a radius near 450 m.
    assert 300 < best["properties"]["uncertainty_m"] < 700


def test_kemendagri_and_spoken_spellings_of_a_kelurahan_meet(operator):
    best, _ = top(operator, "kel. simpang baru")
    assert best["properties"]["kelurahan"]["name"] == "Simpangbaru"


def test_old_kecamatan_names_still_work(operator):
    best, _ = top(operator, "kecamatan Tampan")
    assert best["properties"]["kind"] in ("kecamatan", "kelurahan")
    assert best["properties"]["kecamatan"]["name"] in ("Binawidya", "Tuahmadani", "Payung Sekaki")


def test_register_abbreviations_find_the_street(operator):
    best, _ = top(operator, "Jl. Jend. Sudirman")
    assert best["properties"]["kind"] == "street"
    assert "Sudirman" in best["properties"]["label"]


def test_a_misspelt_street_is_still_found(operator):
    best, _ = top(operator, "jalan sudirmn")
    assert "Sudirman" in best["properties"]["label"]


def test_common_name_finds_the_register_name(operator):
    best, _ = top(operator, "Jalan Harapan Raya")
    assert "Imam Munandar" in best["properties"]["label"]


def test_street_in_a_kelurahan_lands_in_that_kelurahan(operator):
    street = Street.objects.filter(name__iexact="Durian").order_by("-length_m").first()
    assert street is not None
    kel = AdminArea.objects.kelurahan().filter(geom__intersects=street.geom).first()
    best, _ = top(operator, f"jln durian no 12 kel. {kel.name}")
    props = best["properties"]
    assert props["kelurahan"]["name"] == kel.name
    assert "No. 12" in props["label"]
    assert metres(point_of(best), street.geom) < 50


def test_intersection_gives_the_crossing(operator):
    best, _ = top(operator, "simpang Jl. Sudirman dan Jl. Gajah Mada")
    assert best["properties"]["kind"] == "intersection"
    # The crossing in the 2015 road graph (cctv fixture notes: 101.447348, 0.517683).
    assert metres(point_of(best), Point(101.447348, 0.517683, srid=4326)) < 150


def test_landmark_with_relative_word_widens_the_uncertainty(operator):
    rsud = Place.objects.filter(name__icontains="Arifin Achmad").first()
    assert rsud is not None
    best, _ = top(operator, "depan RSUD Arifin Achmad")
    assert best["properties"]["kind"] == "place"
    assert metres(point_of(best), rsud.point) < 150
    near, _ = top(operator, "dekat RSUD Arifin Achmad")
    assert near["properties"]["uncertainty_m"] > best["properties"]["uncertainty_m"]


def test_results_are_ranked_and_limited(operator):
    response = operator.get(GEOCODE, {"q": "tangkerang", "limit": 3})
    features = response.json()["features"]
    assert 1 <= len(features) <= 3
    scores = [f["properties"]["score"] for f in features]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 1 for s in scores)


def test_geocode_query_count_is_bounded(operator, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        operator.get(GEOCODE, {"q": "jl durian kel. labuh baru timur"})


# --- reverse --------------------------------------------------------------------------------------


def test_reverse_inside_the_city(operator):
    response = operator.get(REVERSE, {"lat": "0.514001", "lon": "101.444994"})
    assert response.status_code == 200
    props = response.json()["properties"]
    assert props["inside_service_area"] is True
    assert (
        props["kelurahan"]["name"] == "Jadirejo" and props["kelurahan"]["code"] == "14.71.01.1002"
    )
    assert props["kecamatan"] == {"code": "14.71.01", "name": "Sukajadi"}
    assert props["street"]["name"].startswith(("Jl.", "Gg."))
    assert 0 <= props["street"]["distance_m"] < 300
    assert props["place"]["distance_m"] >= 0


def test_reverse_outside_the_city_says_so_with_the_nearest_kelurahan(operator):
    response = operator.get(REVERSE, {"lat": "0.30", "lon": "101.45"})
    assert response.status_code == 200
    props = response.json()["properties"]
    assert props["inside_service_area"] is False
    assert props["kelurahan"]["contains_point"] is False
    assert props["kelurahan"]["name"]


def test_reverse_query_count(operator, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        operator.get(REVERSE, {"lat": "0.5", "lon": "101.45"})
