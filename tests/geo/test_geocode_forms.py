"""Query forms callers use that the geocoder once got wrong, and what keeps it one statement.

Real Pekanbaru data (the ``pekanbaru`` fixture); the API for what operators see, the module for
statement counts and the in-memory area copy.
"""

import random

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from geo.geocoding import areas
from geo.geocoding.forward import geocode
from geo.geocoding.reverse import reverse
from geo.geocoding.scoring import similarity
from geo.models import AdminArea, Street, StreetPart
from tests.geo.test_geocode_api import GEOCODE, metres, point_of, top

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(token_client, pekanbaru):
    return token_client("operator")


# --- what callers say -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spoken", "label"),
    [
        ("gang tg batu III", "Gg. Tg Batu III"),
        ("Gg. Tg Batu I", "Gg. Tg Batu I"),
        ("jalan kuantan 7", "Jl. Kuantan VII"),
        ("Jl. Kuantan VI", "Jl. Kuantan VI"),
    ],
)
def test_branch_numerals_pick_the_right_branch_street(operator, spoken, label):
    best, _ = top(operator, spoken)
    assert best["properties"]["label"].startswith(label + ",")


def test_ujung_after_a_street_name_is_that_street_not_a_landmark(operator):
    best, _ = top(operator, "Jl. Riau Ujung No. 5")
    props = best["properties"]
    assert props["kind"] == "street"
    assert props["label"].startswith("Jl. Riau Ujung No. 5,")


def test_saying_gang_prefers_the_gang_over_a_bigger_road_with_a_longer_name(operator):
    best, _ = top(operator, "Gg. Murni")
    assert best["properties"]["label"].startswith("Gg. Murni,")


def test_a_kelurahan_named_without_marker_before_the_kecamatan_narrows_the_street(operator):
    best, _ = top(operator, "Jl. Setia Maharaja No. 7, Tangkerang Selatan, Kec. Bukit Raya")
    props = best["properties"]
    assert props["kind"] == "street"
    assert props["kelurahan"]["name"] == "Tangkerang Selatan"
    assert props["kecamatan"]["name"] == "Bukit Raya"
    street = Street.objects.get(name="Setia Maharaja")
    assert metres(point_of(best), street.geom) < 30


def test_a_kecamatan_named_with_the_city_in_its_name(operator):
    best, _ = top(operator, "kec. Pekanbaru Kota")
    assert best["properties"]["kind"] == "kecamatan"
    assert best["properties"]["label"] == "Kecamatan Pekanbaru Kota"


def test_the_city_after_a_kecamatan_is_not_searched_as_a_place(operator):
    best, _ = top(operator, "kec pekanbaru kota pekanbaru")
    assert best["properties"]["label"] == "Kecamatan Pekanbaru Kota"


def test_an_intersection_prefers_a_junction_of_the_road_graph_over_a_near_miss(operator):
    # Two register streets are called Taman Karya; one meets Subrantas at a graph junction,
    # the other ends a few metres short of it (no junction).
    best, features = top(operator, "simpang subrantas dan taman karya")
    assert best["properties"]["kind"] == "intersection"
    assert metres(point_of(best), Point(101.3680804, 0.4643674, srid=4326)) < 50
    # The other crossing of the same names stays among the candidates, below it.
    near_miss = Point(101.37685, 0.46430, srid=4326)
    assert any(metres(point_of(f), near_miss) < 50 for f in features[1:])


def test_results_with_equal_scores_come_in_a_stable_order(operator):
    first = operator.get(GEOCODE, {"q": "jl. karti"}).json()["features"]
    again = operator.get(GEOCODE, {"q": "jl. karti"}).json()["features"]
    assert [f["properties"]["label"] for f in first] == [f["properties"]["label"] for f in again]
    # The closest in length to what was said wins a tie: Kartini over Kartika Sari.
    assert first[0]["properties"]["label"].startswith("Jl. Kartini,")


# --- one statement per geocode ------------------------------------------------------------------


@pytest.mark.parametrize(
    "spoken",
    [
        "jl sudirman",
        "jln durian no 12 kel. labuh baru timur",
        "jalan setia maharaja, tangkerang selatan, kec. bukit raya",
        "simpang Jl. Sudirman dan Jl. Gajah Mada",
        "Jl. Sudirman dekat Mal SKA",
        "kelurahan Jadirejo",
    ],
)
def test_a_forward_geocode_is_one_statement_once_warm(pekanbaru, spoken, django_assert_num_queries):
    geocode(spoken)  # the first call on a connection prepares the statement
    with django_assert_num_queries(1):
        _, found = geocode(spoken)
    assert found


def test_a_reverse_geocode_is_one_statement_once_warm(pekanbaru, django_assert_num_queries):
    reverse(0.51, 101.45)
    with django_assert_num_queries(1):
        assert reverse(0.514001, 101.444994)["kelurahan"]["name"] == "Jadirejo"


# --- the in-memory copy of the areas ----------------------------------------------------------


def test_python_trigram_similarity_is_pg_trgm_similarity(pekanbaru):
    pairs = [
        ("setia maharaja", "setiamaharaja"),
        ("tangkerang selatan", "tengkerang selatan"),
        ("labuh baru timur", "labuh baru barat"),
        ("sukajadi", "suka jadi"),
        ("pekanbaru kota", "kota"),
    ]
    with connection.cursor() as cursor:
        for a, b in pairs:
            cursor.execute("SELECT similarity(%s, %s)", [a, b])
            assert similarity(a, b) == pytest.approx(cursor.fetchone()[0], abs=1e-6)


def test_the_kelurahan_of_a_point_is_the_polygon_that_contains_it(pekanbaru):
    index = areas.index()
    city = AdminArea.objects.city().get()
    x0, y0, x1, y1 = city.geom.extent
    rng = random.Random(3)
    for _ in range(40):
        point = Point(rng.uniform(x0, x1), rng.uniform(y0, y1), srid=4326)
        kel, kec = index.locate(point.x, point.y)
        inside = AdminArea.objects.kelurahan().filter(geom__intersects=point).first()
        if inside is None:
            assert kel is None
        else:
            assert kel == {"code": inside.code, "name": inside.name}
            assert kec == {"code": inside.parent.code, "name": inside.parent.name}


def test_a_renamed_kelurahan_is_found_without_a_restart(pekanbaru):
    from geo.loading.gazetteer import rebuild_gazetteer

    geocode("kelurahan jadirejo")  # the copy is loaded and current
    area = AdminArea.objects.get(code="14.71.01.1002")
    area.name = "Jadirejo Indah"
    area.save()
    rebuild_gazetteer()
    _, found = geocode("kel. jadirejo indah")
    assert found[0].area_id == area.id and found[0].label == "Kelurahan Jadirejo Indah"


def test_street_parts_add_up_to_the_street(pekanbaru):
    street = Street.objects.get(name="Setia Maharaja")
    parts = StreetPart.objects.filter(street=street, area__level="kelurahan", length_m__gt=0)
    assert parts.count() >= 2
    total = sum(p.length_m for p in parts)
    assert total == pytest.approx(street.length_m, rel=0.02)
    for part in parts:
        # On the street, inside the area (a part that is a short stub along the boundary may
        # sit a rounding error outside it).
        assert part.distance_m == 0
        assert metres(part.point, street.geom) < 0.5
        assert metres(part.point, part.area.geom) < 0.5


def test_streets_passing_near_an_area_have_their_nearest_point_and_distance(pekanbaru):
    near = StreetPart.objects.filter(length_m=0, distance_m__gt=1).select_related("street", "area")
    assert near.count() > 100
    for part in near.order_by("id")[:: max(1, near.count() // 25)]:
        assert part.distance_m <= StreetPart.NEAR_M
        assert metres(part.point, part.street.geom) < 0.5
        assert metres(part.point, part.area.geom) == pytest.approx(part.distance_m, rel=0.01, abs=1)
        assert not part.street.geom.intersects(part.area.geom)


def test_a_session_that_lost_its_prepared_statements_prepares_them_again(pekanbaru):
    from django.db import connections

    from geo.geocoding import prepared, sql

    # A connection of its own, in autocommit like a request (the test's is in a transaction).
    own = connections.create_connection("default")
    try:
        with own.cursor() as cursor:
            prepared.execute(cursor, sql.REVERSE, [101.444994, 0.514001])
            assert cursor.fetchone()[2] == "Jadirejo"
            cursor.execute("DEALLOCATE ALL")  # what a pooler's DISCARD ALL does
            prepared.execute(cursor, sql.REVERSE, [101.444994, 0.514001])
            assert cursor.fetchone()[2] == "Jadirejo"
    finally:
        own.close()
