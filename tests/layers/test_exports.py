"""Exports of the analytic layers, read back as a GIS user would open them."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import geopandas as gpd
import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from incidents.models import Call
from tests.factories import make_incident, make_user

URL = "/api/layers/export/"
MARKET = (101.4490, 0.5290)  # all eight fall inside one kelurahan
NUMBER = "+6281234567890"


@pytest.fixture
def incidents(pekanbaru, db):
    t0 = datetime(2026, 11, 10, 1, 30, tzinfo=UTC)
    real = [
        make_incident(
            MARKET[0] + 0.0001 * i,
            MARKET[1],
            created_at=t0,
            dispatched_after_s=120,
            address=f"Jl. Sudirman, penelepon {NUMBER}" if i == 0 else "Jl. Sudirman",
        )
        for i in range(8)
    ]
    prank = make_incident(*MARKET, status="prank", created_at=t0)
    Call.objects.create(
        received_at=t0, caller_number=NUMBER, operator=make_user(), incident=real[0]
    )
    return real, prank


def _read(content: bytes, suffix: str, tmp_path) -> gpd.GeoDataFrame:
    path = tmp_path / f"layer.{suffix}"
    path.write_bytes(content)
    return gpd.read_file(path, engine="pyogrio")


def test_kelurahan_stats_as_geopackage(incidents, token_client, tmp_path):
    real, _ = incidents
    response = token_client("planner").get(URL, {"layer": "kelurahan-stats", "format": "gpkg"})
    assert response.status_code == 200
    assert 'filename="siaga112-kelurahan-stats.gpkg"' in response["Content-Disposition"]
    frame = _read(response.content, "gpkg", tmp_path)
    assert len(frame) == 83 and frame.crs.to_epsg() == 4326
    assert set(frame.geom_type) <= {"MultiPolygon", "Polygon"}
    row = frame[frame["code"] == real[0].kelurahan.code].iloc[0]
    assert row["count"] == 8 and row["n_medis"] == 8 and row["dispatch_p50_s"] == 120
    assert row["peak_hour_wib"] == 8
    assert frame["count"].sum() == 8  # the prank call is not there


def test_incidents_as_csv_carry_no_caller_data(incidents, token_client):
    response = token_client("operator").get(URL, {"layer": "incidents", "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert NUMBER not in text and "1234567890" not in text
    table = pd.read_csv(io.StringIO(text))
    assert len(table) == 8  # prank excluded
    assert not any("caller" in c or "number" in c or "description" in c for c in table.columns)
    assert {"lon", "lat", "category", "type", "kelurahan", "created_at"} <= set(table.columns)
    assert table["lon"].between(101.44, 101.46).all()
    assert "[redacted]" in table["address"].iloc[0]


def test_incidents_as_geojson_and_kde_contours(incidents, token_client, tmp_path):
    client = token_client("wall")
    response = client.get(URL, {"layer": "incidents", "format": "geojson"})
    frame = _read(response.content, "geojson", tmp_path)
    assert len(frame) == 8 and (frame.geom_type == "Point").all()
    response = client.get(URL, {"layer": "kde-contours", "format": "geojson", "bandwidth_m": 200})
    assert response.status_code == 200
    contours = _read(response.content, "geojson", tmp_path)
    assert len(contours) >= 3 and contours["level"].is_monotonic_increasing
    assert (
        contours.geometry.iloc[-1]
        .buffer(0.002)
        .contains(gpd.points_from_xy([MARKET[0] + 0.00035], [MARKET[1]])[0])
    )


def test_export_layer_command_writes_geopackage_and_csv(incidents, tmp_path):
    out = tmp_path / "incidents.gpkg"
    call_command("export_layer", "incidents", "--format", "gpkg", "--out", str(out))
    assert len(gpd.read_file(out)) == 8
    out_csv = tmp_path / "kel.csv"
    call_command(
        "export_layer",
        "kelurahan-stats",
        "--format",
        "csv",
        "--out",
        str(out_csv),
        "--since",
        "2026-11-10",
        "--until",
        "2026-11-10",
    )
    table = pd.read_csv(out_csv)
    assert len(table) == 83 and table["count"].sum() == 8
    assert table["wkt"].str.startswith(("MULTIPOLYGON", "POLYGON")).all()
    empty = tmp_path / "none.csv"
    call_command(
        "export_layer", "incidents", "--format", "csv", "--out", str(empty), "--since", "2026-12-01"
    )
    assert len(pd.read_csv(empty)) == 0


def test_export_layer_command_refuses_bad_options(db, tmp_path):
    with pytest.raises(CommandError, match="since"):
        call_command(
            "export_layer",
            "incidents",
            "--format",
            "csv",
            "--out",
            str(tmp_path / "x.csv"),
            "--since",
            "2026-11-30",
            "--until",
            "2026-11-01",
        )
    with pytest.raises(CommandError, match="bandwidth"):
        call_command(
            "export_layer",
            "kde-contours",
            "--format",
            "csv",
            "--out",
            str(tmp_path / "x.csv"),
            "--bandwidth-m",
            "1",
        )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"layer": "cameras", "format": "csv"}, "layer"),
        ({"layer": "incidents", "format": "shp"}, "format"),
        ({"layer": "incidents"}, "format"),
        ({"layer": "kde-contours", "format": "csv", "bandwidth_m": 0}, "bandwidth_m"),
        ({"layer": "incidents", "format": "csv", "since": "x"}, "since"),
    ],
)
def test_bad_input(db, token_client, params, field):
    response = token_client("planner").get(URL, params)
    assert response.status_code == 400 and field in response.json()


def test_anonymous_is_refused(db, api_client):
    assert api_client.get(URL, {"layer": "incidents", "format": "csv"}).status_code in (401, 403)
