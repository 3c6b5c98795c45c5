"""Replacing reference layers with a city's own files (import_layer, import_osm)."""

import re

import geopandas
import osmium
import pytest
from django.core.management import CommandError, call_command
from shapely.geometry import Point as ShapelyPoint

from geo.geocoding.forward import geocode
from geo.models import AdminArea, Place, RoadSegment
from tests.geo.test_geocode_api import metres

pytestmark = pytest.mark.django_db


@pytest.fixture
def kelurahan_frame(pekanbaru):
    areas = list(AdminArea.objects.kelurahan().select_related("parent"))
    return geopandas.GeoDataFrame(
        {
            "kode_kemendagri": [a.code for a in areas],
            "nama": [a.name for a in areas],
            "kode_kecamatan": [a.parent.code for a in areas],
        },
        geometry=geopandas.GeoSeries.from_wkt([a.geom.wkt for a in areas]),
        crs=4326,
    )


def test_import_kelurahan_from_a_geopackage_renames_and_reindexes(kelurahan_frame, tmp_path):
    frame = kelurahan_frame.copy()
    frame.loc[frame["nama"] == "Jadirejo", "nama"] = "Jadirejo Baru"
    path = tmp_path / "kelurahan.gpkg"
    frame.to_file(path, driver="GPKG")
    call_command("import_layer", "kelurahan", str(path), verbosity=0)
    area = AdminArea.objects.get(code="14.71.01.1002")
    assert area.name == "Jadirejo Baru" and area.source == "import: kelurahan.gpkg"
    assert AdminArea.objects.kelurahan().count() == 83
    _, found = geocode("kelurahan jadirejo baru")
    assert found[0].area_id == area.id


def test_import_places_from_a_shapefile_in_utm_is_reprojected(tmp_path, pekanbaru):
    # A point 101.45, 0.51 given in UTM zone 47N.
    utm = geopandas.GeoSeries([ShapelyPoint(101.45, 0.51)], crs=4326).to_crs(32647)
    frame = geopandas.GeoDataFrame(
        {"nama": ["Posko Banjir Siaga"], "jenis": ["landmark"], "geometry": utm}, crs=32647
    )
    path = tmp_path / "posko.shp"
    frame.to_file(path)
    call_command("import_layer", "places", str(path), verbosity=0)
    place = Place.objects.get()
    assert place.name == "Posko Banjir Siaga"
    assert abs(place.point.x - 101.45) < 1e-6 and abs(place.point.y - 0.51) < 1e-6
    _, found = geocode("posko banjir siaga")
    assert found[0].place_id == place.id


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("this is not spatial", "bad.geojson", "cannot read it"),
        ('{"type": "FeatureCollection", "features": []}', "empty.geojson", "no features"),
        (
            '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
            '{"nama":"X"},"geometry":{"type":"Point","coordinates":[101.4,0.5]}}]}',
            "nokind.geojson",
            "missing column(s) for kind",
        ),
    ],
)
def test_bad_files_give_a_clear_error_and_change_nothing(
    tmp_path, pekanbaru, content, name, message
):
    before = Place.objects.count()
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("import_layer", "places", str(path), verbosity=0)
    assert Place.objects.count() == before


def test_an_unknown_place_kind_is_refused(tmp_path, pekanbaru):
    before = set(Place.objects.values_list("uid", flat=True))
    path = tmp_path / "places.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"nama":"X","jenis":"volcano"},"geometry":{"type":"Point","coordinates":[101.4,0.5]}}]}'
    )
    with pytest.raises(CommandError, match="unknown kind 'volcano'"):
        call_command("import_layer", "places", str(path), verbosity=0)
    assert set(Place.objects.values_list("uid", flat=True)) == before


def write_osm(path, nodes, ways):
    writer = osmium.SimpleWriter(str(path))
    try:
        for node_id, lon, lat, tags in nodes:
            writer.add_node(
                osmium.osm.mutable.Node(id=node_id, location=(lon, lat), tags=tags, version=1)
            )
        for way_id, refs, tags in ways:
            writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags, version=1))
    finally:
        writer.close()


def test_import_osm_splits_ways_at_junctions_and_loads_places(tmp_path, pekanbaru):
    # Two roads crossing at node 5, and a hospital.
    nodes = [
        (1, 101.440, 0.510, {}),
        (2, 101.450, 0.510, {}),
        (5, 101.445, 0.510, {}),
        (3, 101.445, 0.505, {}),
        (4, 101.445, 0.515, {}),
        (9, 101.446, 0.511, {"amenity": "hospital", "name": "RS Contoh Sehat"}),
    ]
    ways = [
        (100, [1, 5, 2], {"highway": "primary", "name": "Jalan Contoh Utama"}),
        (200, [3, 5, 4], {"highway": "residential", "name": "Jalan Contoh Kecil"}),
    ]
    path = tmp_path / "city.osm.pbf"
    write_osm(path, nodes, ways)
    call_command("import_osm", str(path), verbosity=0)
    assert RoadSegment.objects.count() == 4
    assert set(RoadSegment.objects.values_list("road_class", flat=True)) == {"arteri", "lingkungan"}
    assert (
        RoadSegment.objects.filter(source=5).count() + RoadSegment.objects.filter(target=5).count()
        == 4
    )
    hospital = Place.objects.get()
    assert (hospital.kind, hospital.licence) == ("hospital", "ODbL-1.0")
    _, found = geocode("simpang jalan contoh utama dan jalan contoh kecil")
    assert found[0].kind == "intersection"
    from django.contrib.gis.geos import Point

    assert (
        metres(Point(found[0].lon, found[0].lat, srid=4326), Point(101.445, 0.510, srid=4326)) < 5
    )


def test_import_osm_refuses_a_broken_file_and_changes_nothing(tmp_path, pekanbaru):
    before = RoadSegment.objects.count()
    path = tmp_path / "broken.osm.pbf"
    path.write_bytes(b"\x00\x01 definitely not protobuf")
    with pytest.raises(CommandError, match=re.escape("broken.osm.pbf")):
        call_command("import_osm", str(path), verbosity=0)
    assert RoadSegment.objects.count() == before
