"""The H3 cells stored with each incident (h3_r5 … h3_r11): equal to h3's own for the point at
every resolution, whichever way the row was written, moved with the location, and never stale.
Real PostGIS: the trigger and the migration's backfill run in the database."""

from __future__ import annotations

import importlib
from pathlib import Path

import h3
import numpy as np
import pytest
import shapely
from django.contrib.gis.geos import Point
from django.db import connection
from django.http import QueryDict

import incidents.migrations
from geo import h3cells
from incidents.models import Incident
from layers import h3bins
from layers.api import hotspots
from layers.selection import Selection
from tests.factories import make_incident

pytestmark = pytest.mark.django_db

URL = "/api/incidents/"
JADIREJO = {"lat": 0.514001, "lon": 101.444994}
CELL_FIELDS = [f"h3_r{r}" for r in range(5, 12)]


def _h3(lon: float, lat: float, res: int) -> int:
    return h3.str_to_int(h3.latlng_to_cell(lat, lon, res))


def _stored(incident_id: int) -> list[int | None]:
    return list(Incident.objects.filter(pk=incident_id).values_list(*CELL_FIELDS).get())


def _expected(lon: float, lat: float) -> list[int]:
    return [_h3(lon, lat, r) for r in range(5, 12)]


def _points(n: int, seed: int = 3) -> list[tuple[float, float]]:
    """Points over Pekanbaru and around it, a few across the equator and far away."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(101.25, 101.65, n)
    lat = rng.uniform(0.35, 0.70, n)
    extra = [(101.45, -0.0004), (101.45, 0.0), (-179.99, 89.9), (179.99, -89.9), (0.0, 0.0)]
    return [*zip(lon.tolist(), lat.tolist(), strict=True), *extra]


def _near_an_edge(res: int) -> tuple[float, float]:
    """A Pekanbaru point whose cell at ``res`` is not the parent of its res-11 cell: H3
    children do not tile their parent exactly, so the parent is the wrong hexagon for it."""
    rng = np.random.default_rng(11)
    for lon, lat in zip(
        rng.uniform(101.4, 101.5, 5000), rng.uniform(0.45, 0.55, 5000), strict=True
    ):
        fine = h3.latlng_to_cell(lat, lon, 11)
        if h3.cell_to_parent(fine, res) != h3.latlng_to_cell(lat, lon, res):
            return float(lon), float(lat)
    raise AssertionError("no point near an edge found")


def test_cells_of_points_written_through_the_model_equal_h3s_at_every_resolution(pekanbaru):
    points = _points(300)
    ids = [make_incident(lon, lat).pk for lon, lat in points]
    for pk, (lon, lat) in zip(ids, points, strict=True):
        assert _stored(pk) == _expected(lon, lat)
    assert _stored(make_incident(None, None).pk) == [None] * 7


def test_the_vectorised_cells_equal_h3s(pekanbaru):
    points = _points(2000, seed=5)
    lon = np.array([p[0] for p in points])
    lat = np.array([p[1] for p in points])
    for res in range(5, 12):
        got = h3cells.cells_of(lon, lat, res)
        assert got.dtype == np.int64
        assert got.tolist() == [_h3(x, y, res) for x, y in points]


def test_an_incident_created_through_the_api_has_its_cells(token_client, pekanbaru):
    client = token_client("operator")
    response = client.post(URL, {"type": "kebakaran", **JADIREJO}, format="json")
    assert response.status_code == 201
    assert _stored(response.json()["id"]) == _expected(JADIREJO["lon"], JADIREJO["lat"])


def test_an_edited_location_moves_the_cells_and_the_layer(token_client, pekanbaru):
    client = token_client("operator")
    iid = client.post(URL, {"type": "kebakaran", **JADIREJO}, format="json").json()["id"]
    moved = {"lat": 0.4700, "lon": 101.3900}
    response = client.patch(f"{URL}{iid}/", {"version": 1, **moved}, format="json")
    assert response.status_code == 200
    assert _stored(iid) == _expected(moved["lon"], moved["lat"])
    counts = h3bins.stored_counts(Selection(res=9).incidents(), 9)
    assert counts.cells.tolist() == [_h3(moved["lon"], moved["lat"], 9)]
    # A move within one res-11 cell still leaves the right cells.
    near = {"lat": moved["lat"] + 0.00001, "lon": moved["lon"]}
    assert client.patch(f"{URL}{iid}/", {"version": 2, **near}, format="json").status_code == 200
    incident = Incident.objects.get(pk=iid)
    assert h3bins.stored_counts(Incident.objects.filter(pk=iid), 11).cells.tolist() == [
        _h3(near["lon"], near["lat"], 11)
    ]
    incident.save(update_fields=["point"])
    assert _stored(iid) == _expected(near["lon"], near["lat"])


def test_a_point_moved_around_save_loses_its_stale_cells_and_is_still_counted_where_it_is(
    pekanbaru,
):
    incident = make_incident(JADIREJO["lon"], JADIREJO["lat"])
    Incident.objects.filter(pk=incident.pk).update(point=Point(101.39, 0.47, srid=4326))
    assert _stored(incident.pk) == [None] * 7  # the trigger: never the old place's cells
    # A raw insert knows nothing of the cells either.
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO incidents_incident (category, type_id, priority, status, point,"
            " outside_service_area, address, description, created_by_id, created_at,"
            " updated_at, version) SELECT category, type_id, priority, status,"
            " ST_SetSRID(ST_MakePoint(%s, %s), 4326), false, '', '', created_by_id, now(),"
            " now(), 1 FROM incidents_incident WHERE id = %s",
            [101.52, 0.55, incident.pk],
        )
    assert Incident.objects.cell_missing().count() == 2
    for res in (5, 9, 11):
        counts = h3bins.stored_counts(Incident.objects.for_analytics(), res)
        assert sorted(counts.cells.tolist()) == sorted([_h3(101.39, 0.47, res),
                                                        _h3(101.52, 0.55, res)])  # fmt: skip
        assert counts.incidents == 2


def test_the_migration_fills_the_cells_of_existing_rows(pekanbaru):
    points = _points(50, seed=9)
    ids = [make_incident(lon, lat).pk for lon, lat in points]
    Incident.objects.update(**dict.fromkeys(CELL_FIELDS))
    (path,) = Path(incidents.migrations.__file__).parent.glob("*_incident_h3cell.py")
    migration = importlib.import_module(f"incidents.migrations.{path.stem}")
    migration.fill_cells(None, connection.schema_editor())
    for pk, (lon, lat) in zip(ids, points, strict=True):
        assert _stored(pk) == _expected(lon, lat)


@pytest.mark.parametrize("res", [7, 9, 10])
def test_a_layer_counts_an_incident_in_the_hexagon_around_it(res, pekanbaru):
    lon, lat = _near_an_edge(res)
    make_incident(lon, lat)
    layer = hotspots.h3_layer(Selection(res=res), QueryDict(""))
    (feature,) = layer["features"]
    assert feature["properties"]["cell"] == h3.latlng_to_cell(lat, lon, res)
    ring = feature["geometry"]["coordinates"][0]
    assert shapely.Polygon(ring).contains(shapely.Point(lon, lat))
