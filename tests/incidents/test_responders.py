"""Nearest responders by drive time over the real Pekanbaru road graph, and dispatch."""

import json
import random

import networkx as nx
import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone
from scipy.sparse.csgraph import dijkstra

from geo import routing
from geo.models import ReferenceLayer
from incidents.models import Agency, Incident, Station, Unit

pytestmark = pytest.mark.django_db

# Jadirejo (Sukajadi), central Pekanbaru.
SPOT = (101.444994, 0.514001)


def make_station(code, lon, lat, agency="dinkes", kind="hospital"):
    return Station.objects.create(
        code=code,
        name=code,
        kind=kind,
        agency=Agency.objects.get(code=agency),
        point=Point(lon, lat, srid=4326),
    )


def make_unit(code, lon, lat, agency="dinkes", kind="ambulance", station=None, fresh=True):
    return Unit.objects.create(
        code=code,
        name=code,
        kind=kind,
        agency=Agency.objects.get(code=agency),
        station=station,
        point=Point(lon, lat, srid=4326),
        fix_at=timezone.now() if fresh else None,
    )


@pytest.fixture
def graph(pekanbaru):
    routing.invalidate()
    return routing.graph()


def test_in_memory_drive_times_equal_networkx_on_the_same_graph(graph):
    g = _networkx_graph()
    rng = random.Random(112)
    sources = rng.sample(list(g.nodes), 5)
    for source in sources:
        expected = nx.single_source_dijkstra_path_length(g, source, weight="w")
        ours = dijkstra(graph.csr, indices=graph.index[source])
        targets = rng.sample(list(expected), 60)
        for target in targets:
            assert abs(ours[graph.index[target]] - expected[target]) < 1.0


def test_drive_times_agree_with_pgrouting(graph):
    rng = random.Random(7)
    nodes = list(graph.index)
    speeds = routing.speeds_mps()
    case = " ".join(f"WHEN '{c}' THEN length_m / {v}" for c, v in speeds.items())
    edges_sql = (
        f"SELECT id, source, target, CASE road_class {case} END AS cost,"
        f" CASE road_class {case} END AS reverse_cost FROM geo_roadsegment"
    )
    sql = "SELECT end_vid, agg_cost FROM pgr_dijkstraCost(%s, %s, %s::bigint[])"
    for _ in range(3):
        source = rng.choice(nodes)
        targets = rng.sample(nodes, 20)
        with connection.cursor() as cursor:
            cursor.execute(sql, [edges_sql, source, targets])
            rows = dict(cursor.fetchall())
        ours = dijkstra(graph.csr, indices=graph.index[source])
        for target, cost in rows.items():
            assert abs(ours[graph.index[target]] - cost) < 1.0


def test_nearest_ranks_by_drive_time_with_routes(token_client, graph):
    make_unit("amb-near", SPOT[0] + 0.004, SPOT[1])
    make_unit("amb-far", SPOT[0] + 0.03, SPOT[1] + 0.02)
    make_unit("fire-1", SPOT[0] + 0.001, SPOT[1], agency="damkar", kind="fire_engine")
    client = token_client("operator")
    body = client.get(
        "/api/responders/nearest/", {"lat": SPOT[1], "lon": SPOT[0], "agency": "dinkes", "k": 3}
    ).json()
    assert body["source"] == "units"
    codes = [r["code"] for r in body["results"]]
    assert codes == ["amb-near", "amb-far"]
    first = body["results"][0]
    assert first["method"] == "road" and first["route"]["type"] in ("LineString", "MultiLineString")
    assert first["distance_m"] >= first["straight_m"] * 0.95
    assert first["eta_s"] > 0
    etas = [r["eta_s"] for r in body["results"]]
    assert etas == sorted(etas)


def test_without_fresh_units_stations_are_ranked_and_it_says_so(token_client, graph):
    make_unit("stale", SPOT[0] + 0.002, SPOT[1], fresh=False)
    make_station("rs-a", SPOT[0] + 0.01, SPOT[1])
    client = token_client("operator")
    params = {"lat": SPOT[1], "lon": SPOT[0], "agency": "dinkes"}
    body = client.get("/api/responders/nearest/", params).json()
    assert body["source"] == "stations" and "Tidak ada unit siaga" in body["note"]
    assert [r["code"] for r in body["results"]] == ["rs-a"]
    english = client.get("/api/responders/nearest/", params, HTTP_ACCEPT_LANGUAGE="en").json()
    assert "No available unit has a fresh position" in english["note"]


def test_a_point_far_from_any_road_falls_back_to_straight_line_labelled(token_client, graph):
    make_unit("amb", SPOT[0], SPOT[1])
    client = token_client("operator")
    params = {"lat": 0.2, "lon": 101.0, "agency": "dinkes"}
    body = client.get("/api/responders/nearest/", params).json()
    assert body["results"][0]["method"] == "straight_line"
    assert "perkiraan garis lurus" in body["note"]
    english = client.get("/api/responders/nearest/", params, HTTP_ACCEPT_LANGUAGE="en").json()
    assert "m from the nearest road: straight-line estimates" in english["note"]


def test_nearest_bad_input(token_client, graph):
    client = token_client("operator")
    assert client.get("/api/responders/nearest/", {"lat": 95, "lon": 101}).status_code == 400
    assert (
        client.get(
            "/api/responders/nearest/", {"lat": 0.5, "lon": 101.4, "kind": "ufo"}
        ).status_code
        == 400
    )


def test_dispatch_updates_unit_and_incident_together(token_client, graph):
    unit = make_unit("amb", SPOT[0] + 0.004, SPOT[1])
    client = token_client("operator")
    iid = client.post(
        "/api/incidents/", {"type": "kesehatan", "lat": SPOT[1], "lon": SPOT[0]}, format="json"
    ).json()["id"]
    nearest = client.get(f"/api/incidents/{iid}/nearest-units/").json()
    assert nearest["results"][0]["code"] == "amb"
    response = client.post(f"/api/incidents/{iid}/dispatch/", {"unit": unit.pk}, format="json")
    assert response.status_code == 200, response.content
    unit.refresh_from_db()
    incident = Incident.objects.get(pk=iid)
    assert (unit.status, unit.incident_id, incident.status) == ("dispatched", iid, "dispatched")
    kinds = list(incident.timeline.values_list("kind", flat=True))
    assert kinds == ["created", "status_changed", "agency_assigned"]
    again = client.post(f"/api/incidents/{iid}/dispatch/", {"unit": unit.pk}, format="json")
    assert again.status_code == 409
    assert client.get(f"/api/incidents/{iid}/nearest-units/").json()["source"] == "stations"


def test_the_graph_follows_a_reload_of_the_roads(graph, monkeypatch):
    monkeypatch.setattr(routing, "VERSION_CHECK_S", 0.0)
    assert routing.graph() is graph
    ReferenceLayer.objects.filter(name="roads").update(sha256="changed")
    assert routing.graph() is not graph


def test_coverage_grows_with_time_and_counts_incidents_reached(token_client, graph):
    from django.contrib.gis.geos import GEOSGeometry

    make_station("pos-a", *SPOT, agency="damkar", kind="fire_station")
    client = token_client("planner")
    operator = token_client("operator")
    operator.post(
        "/api/incidents/",
        {"type": "kebakaran", "lat": SPOT[1] + 0.002, "lon": SPOT[0]},
        format="json",
    ).json()
    operator.post(
        "/api/incidents/", {"type": "kebakaran", "lat": 0.62, "lon": 101.55}, format="json"
    )
    body = client.get("/api/responders/coverage/", {"agency": "damkar", "minutes": "4,8"}).json()
    four, eight = body["limits"]
    assert 0 < four["kelurahan_area_share"] < eight["kelurahan_area_share"] < 1
    assert (four["incidents_last_year"], four["incidents_share"]) == (2, 0.5)
    iso = GEOSGeometry(json.dumps(body["stations"][0]["isochrones"]["8"]))
    assert iso.contains(Point(*SPOT, srid=4326))
    jadirejo = next(k for k in eight["kelurahan"] if k["code"] == "14.71.01.1002")
    assert jadirejo["share"] > 0.5


def test_coverage_bad_input(token_client, graph):
    client = token_client("planner")
    assert (
        client.get("/api/responders/coverage/", {"agency": "damkar", "minutes": "abc"}).status_code
        == 400
    )
    assert (
        client.get("/api/responders/coverage/", {"agency": "damkar", "minutes": "90"}).status_code
        == 400
    )
    assert client.get("/api/responders/coverage/", {"agency": "nasa"}).status_code == 400


def _networkx_graph():
    costs = routing.speeds_mps()
    g = nx.Graph()
    with connection.cursor() as cursor:
        cursor.execute("SELECT source, target, length_m, road_class FROM geo_roadsegment")
        for source, target, length, cls in cursor.fetchall():
            if source == target:
                continue
            w = max(length, 0.01) / costs[cls]
            if not g.has_edge(source, target) or g[source][target]["w"] > w:
                g.add_edge(source, target, w=w)
    return g


def test_point_to_point_drive_times_equal_networkx_through_the_snapped_edges(graph):
    """What ranking uses (in-memory snap, the virtual origin node, the search with a cost
    limit) against networkx from both ends of the origin's edge to both ends of the target's."""
    g = _networkx_graph()
    rng = random.Random(6)
    box = (101.40, 0.46, 101.50, 0.56)

    def spot():
        return (rng.uniform(box[0], box[2]), rng.uniform(box[1], box[3]))

    checked = 0
    for _ in range(4):
        origin = routing.snap([spot()], graph)[0]
        reach = routing.from_origin(graph, origin, limit_s=7200)
        from_ends = {
            end: nx.single_source_dijkstra_path_length(g, end, weight="w")
            for end in (origin.source, origin.target)
        }
        for target in routing.snap([spot() for _ in range(50)], graph):
            expected = min(
                from_ends[o_end].get(t_end, float("inf")) + o_part + t_part
                for o_end, o_part in (
                    (origin.source, origin.to_source_s),
                    (origin.target, origin.to_target_s),
                )
                for t_end, t_part in (
                    (target.source, target.to_source_s),
                    (target.target, target.to_target_s),
                )
            )
            if target.edge_id == origin.edge_id:
                expected = min(expected, abs(origin.to_source_s - target.to_source_s))
            seconds, _node, _tail = routing.time_to(graph, reach, target)
            if expected == float("inf"):
                assert seconds == float("inf")
                continue
            assert abs(seconds - expected) < 1.0
            checked += 1
    assert checked > 150


def test_in_memory_snap_matches_postgis(graph):
    rng = random.Random(3)
    points = [(rng.uniform(101.40, 101.50), rng.uniform(0.46, 0.56)) for _ in range(60)]
    ours = routing.snap(points, graph)
    sql = """
        SELECT ST_Distance(e.geom::geography, p::geography),
               ST_LineLocatePoint(e.geom, p) * e.length_m
        FROM (SELECT ST_SetSRID(ST_MakePoint(%s, %s), 4326) AS p) q
        CROSS JOIN LATERAL (
            SELECT geom, length_m FROM geo_roadsegment WHERE source <> target
            ORDER BY geom <-> q.p LIMIT 1
        ) e
    """
    with connection.cursor() as cursor:
        for (x, y), snap in zip(points, ours, strict=True):
            cursor.execute(sql, [x, y])
            off_m, along_m = cursor.fetchone()
            assert abs(snap.off_m - off_m) < 1.0 + 0.002 * off_m
            if abs(snap.to_source_m - along_m) >= 1.0:  # a tie between two edges at a node
                assert snap.off_m < 1.0 or min(snap.to_source_m, snap.to_target_m) < 1.0
