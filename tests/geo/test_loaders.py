import json

import pytest
from django.contrib.gis.geos import Point

from geo.loading import FIXTURES, FixtureError
from geo.loading.admin import load_admin_areas
from geo.models import AdminArea

pytestmark = pytest.mark.django_db


def test_load_admin_areas_builds_the_city_hierarchy():
    result = load_admin_areas(force=True)
    assert result.created + result.updated == 99
    city = AdminArea.objects.get(level="kota")
    assert city.code == "14.71" and city.name == "Kota Pekanbaru"
    assert AdminArea.objects.kecamatan().filter(parent=city).count() == 15
    sukajadi = AdminArea.objects.get(code="14.71.01")
    assert sukajadi.name == "Sukajadi"
    assert sukajadi.children.count() == 7
    jadirejo = AdminArea.objects.get(code="14.71.01.1002")
    assert jadirejo.bps_code == "1471060002" and jadirejo.parent == sukajadi
    assert all(area.geom.valid for area in AdminArea.objects.all())


def test_loading_twice_changes_nothing():
    load_admin_areas(force=True)
    before = {a.code: (a.name, a.parent_id, a.geom.wkb) for a in AdminArea.objects.all()}
    assert load_admin_areas().skipped  # unchanged files: skipped by checksum
    result = load_admin_areas(force=True)
    assert result.created == 0
    after = {a.code: (a.name, a.parent_id, a.geom.wkb) for a in AdminArea.objects.all()}
    assert before == after


def test_point_in_polygon_finds_the_kelurahan_of_a_point():
    load_admin_areas()
    # Centroid stated by the source for Jadirejo (Sukajadi).
    point = Point(101.444994, 0.514001, srid=4326)
    names = set(AdminArea.objects.kelurahan().containing(point).values_list("name", flat=True))
    assert names == {"Jadirejo"}
    outside = Point(101.0, 0.2, srid=4326)
    assert not AdminArea.objects.containing(outside).exists()


def test_a_broken_fixture_is_refused_and_changes_nothing(tmp_path):
    load_admin_areas()
    before = AdminArea.objects.count()
    folder = tmp_path / "admin"
    folder.mkdir()
    for name in ("kota_pekanbaru_big", "kecamatan_kemendagri", "kecamatan_bps_2016_legacy12"):
        (folder / f"{name}.geojson").write_text(
            (FIXTURES / "admin" / f"{name}.geojson").read_text()
        )
    kel = json.loads((FIXTURES / "admin" / "kelurahan_kemendagri.geojson").read_text())
    kel["features"][5]["geometry"] = {"type": "Point", "coordinates": [101.4, 0.5]}
    (folder / "kelurahan_kemendagri.geojson").write_text(json.dumps(kel))
    kecamatan_names = dict(AdminArea.objects.kecamatan().values_list("code", "name"))
    with pytest.raises(FixtureError, match="expected a polygon, got Point"):
        load_admin_areas(folder)
    assert AdminArea.objects.count() == before
    assert dict(AdminArea.objects.kecamatan().values_list("code", "name")) == kecamatan_names


def test_a_missing_fixture_file_names_the_file(tmp_path):
    with pytest.raises(FixtureError, match=r"kota_pekanbaru_big\.geojson: file not found"):
        load_admin_areas(tmp_path)
