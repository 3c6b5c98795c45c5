"""manage.py synth_incidents: a realistic, seeded, removable history with planted clusters that
the hotspot methods find. Runs on the real Pekanbaru reference data in PostGIS."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import h3
import numpy as np
import pytest
from django.core.management import call_command
from django.db.models import F
from django.http import QueryDict

from incidents.models import Incident
from layers import synth
from layers.api import hotspots
from layers.selection import Selection

END = "2026-10-31T17:00:00+00:00"  # 1 Nov 00:00 WIB
COUNT = 12_000
WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture(scope="module")
def history(pekanbaru, django_db_blocker, tmp_path_factory):
    """One synthetic year, committed for this module's tests and removed afterwards."""
    path = tmp_path_factory.mktemp("synth") / "clusters.json"
    with django_db_blocker.unblock():
        out = io.StringIO()
        call_command(
            "synth_incidents", "--years", "1", "--seed", "5", "--count", str(COUNT),
            "--end", END, "--clusters", str(path), stdout=out,
        )  # fmt: skip
        yield {c["name"]: c for c in json.loads(path.read_text())}, out.getvalue()
        call_command("synth_incidents", "--remove", stdout=io.StringIO())


def _synthetic():
    return Incident.objects.filter(created_by__username=synth.SYNTH_USERNAME)


@pytest.mark.django_db
def test_rows_are_marked_and_have_the_shares_asked_for(history):
    _, report = history
    assert f"wrote {COUNT} synthetic incidents" in report
    rows = _synthetic()
    assert rows.count() == COUNT
    shares = {s: rows.filter(status=s).count() / COUNT for s in ("prank", "merged", "cancelled")}
    assert 0.05 <= shares["prank"] <= 0.07
    assert 0.06 <= shares["merged"] <= 0.08
    assert 0.02 <= shares["cancelled"] <= 0.04
    # Analytics never see pranks, cancellations or merged duplicates.
    assert (
        rows.for_analytics().count()
        == rows.exclude(status__in=("prank", "merged", "cancelled")).count()
    )


@pytest.mark.django_db
def test_merged_duplicates_point_at_a_nearby_earlier_incident(history):
    merged = list(
        _synthetic().filter(status="merged").select_related("merged_into").order_by("id")[:200]
    )
    assert merged and all(m.merged_into_id for m in merged)
    for m in merged:
        target = m.merged_into
        assert target.status != "merged"
        assert m.point.distance(target.point) * 111_320 < 400
        assert 0 <= (m.created_at - target.created_at).total_seconds() <= 900


def _wib(times) -> list[datetime]:
    return [t.astimezone(WIB) for t in times]


@pytest.mark.django_db
def test_seasons_hours_and_places_look_like_pekanbaru(history):
    floods = _wib(_synthetic().filter(type__code="banjir").values_list("created_at", flat=True))
    assert len(floods) > 300
    assert np.mean([t.month in synth.RAINY_MONTHS for t in floods]) > 0.8  # Nov–Apr

    accidents = _synthetic().filter(type__code="kecelakaan_lalu_lintas", status="closed")
    hours = [t.hour for t in _wib(accidents.values_list("created_at", flat=True))]
    assert np.mean([h in synth.RUSH_HOURS for h in hours]) > 0.45  # 6 of 24 hours: about half

    # Every incident inside the city has its kelurahan, and that kelurahan's kecamatan.
    inside = _synthetic().filter(outside_service_area=False)
    assert inside.count() / COUNT > 0.9
    assert inside.filter(kelurahan__isnull=True).count() / inside.count() < 0.01
    located = inside.filter(kelurahan__isnull=False)
    assert located.exclude(kelurahan__parent=F("kecamatan")).count() == 0
    # Addresses name the street the incident was placed on.
    assert located.exclude(address="").count() / located.count() > 0.5


@pytest.mark.django_db
def test_planted_clusters_are_found_by_gistar(history):
    clusters, _ = history
    layer = hotspots.gistar_layer(Selection(res=9), QueryDict(""))
    by_cell = {f["properties"]["cell"]: f["properties"] for f in layer["features"]}
    for c in clusters.values():
        cell = h3.latlng_to_cell(c["lat"], c["lon"], 9)
        assert by_cell[cell]["bin"] >= 2, c["name"]  # hot at 95 % or more, after FDR


@pytest.mark.django_db
def test_the_recent_cluster_is_an_emerging_hot_spot_and_the_old_ones_persist(history):
    clusters, _ = history
    sel = Selection.parse(QueryDict("res=9&since=2025-11-06&until=2026-10-31"))
    layer = hotspots.emerging_layer(sel, QueryDict("step_days=30"))
    by_cell = {f["properties"]["cell"]: f["properties"] for f in layer["features"]}

    def at(name):
        c = clusters[name]
        return by_cell[h3.latlng_to_cell(c["lat"], c["lon"], 9)]

    assert at("kebakaran-baru")["pattern"] in ("new_hot", "consecutive_hot")
    assert at("simpang-kecelakaan")["pattern"] in ("persistent_hot", "intensifying_hot")
    assert at("pasar-kejahatan")["pattern"] in ("persistent_hot", "intensifying_hot")


@pytest.mark.django_db
def test_remove_deletes_only_synthetic_rows(history):
    from incidents.models import IncidentType
    from tests.factories import make_user

    real = Incident.objects.create(
        category="medis",
        type=IncidentType.objects.get(code="kesehatan"),
        priority=1,
        created_by=make_user("operator"),
    )
    call_command("synth_incidents", "--remove", stdout=io.StringIO())
    assert not _synthetic().exists()
    assert Incident.objects.filter(pk=real.pk).exists()  # (rolled back after the test)


@pytest.mark.django_db
def test_same_seed_same_history_and_clusters(pekanbaru):
    exposure = synth.Exposure.from_database()
    end = datetime(2026, 1, 1, tzinfo=UTC)
    a = synth.generate(exposure, seed=11, years=0.5, count=3000, end=end)
    b = synth.generate(exposure, seed=11, years=0.5, count=3000, end=end)
    c = synth.generate(exposure, seed=12, years=0.5, count=3000, end=end)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.created, b.created)
    assert a.clusters == b.clusters
    assert not np.array_equal(a.x, c.x)
    assert len(a) == 3000


@pytest.mark.django_db
def test_bulk_written_rows_carry_h3s_cells_of_their_points(history):
    fields = [f"h3_r{r}" for r in range(5, 12)]
    rows = list(_synthetic().values_list("point", *fields))
    assert len(rows) == COUNT
    for point, *cells in rows:
        expected = [h3.str_to_int(h3.latlng_to_cell(point.y, point.x, r)) for r in range(5, 12)]
        assert cells == expected
    assert not _synthetic().cell_missing().exists()


@pytest.mark.django_db
@pytest.mark.parametrize("res", range(5, 12))
def test_counts_from_stored_cells_equal_counting_every_point(history, res):
    """The layers' GROUP BY over the stored cells gives what reading every point out of
    PostGIS and assigning it with h3 gives, with and without category and time filters."""
    from layers import h3bins
    from layers.points import load_points

    window = {"since": "2026-02-01", "until": "2026-06-30"}
    for params in ({}, {"category": "medis", **window}, window):
        qs = Selection.parse({"res": str(res), **params}).incidents()
        stored = h3bins.stored_counts(qs, res)
        points = load_points(qs, with_category=True, with_time=True)
        direct = h3bins._count_points(points, res)
        assert stored.cells.tolist() == direct.cells.tolist()
        assert stored.by_category.tolist() == direct.by_category.tolist()
        assert stored.incidents == direct.incidents == len(points) > 0
        end, step = datetime(2026, 7, 1, tzinfo=UTC).timestamp(), 9 * 86400.0
        cells, age, n = h3bins.counts_by_age(qs, res, end, step)
        got = sorted(zip(cells.tolist(), age.tolist(), n.tolist(), strict=True))
        pairs = zip(
            h3bins.cells_of(points.lat, points.lon, res).tolist(),
            np.floor((end - points.t) / step).astype(np.int64).tolist(),
            strict=True,
        )
        want = {}
        for pair in pairs:
            want[pair] = want.get(pair, 0) + 1
        assert got == sorted((c, a, k) for (c, a), k in want.items())
