"""Incidents: intake, workflow, concurrency and the timeline, through the API."""

import pytest
from django.db import DatabaseError, connection, transaction

from incidents.models import Incident, LiveEvent, TimelineEvent

pytestmark = pytest.mark.django_db

URL = "/api/incidents/"
# A point in Kelurahan Jadirejo (Sukajadi), and one well outside the city.
JADIREJO = {"lat": 0.514001, "lon": 101.444994}
OUTSIDE = {"lat": 0.30, "lon": 101.45}


@pytest.fixture
def operator(token_client, pekanbaru):
    return token_client("operator")


def create(client, **data):
    body = {"type": "kebakaran", "description": "Rumah terbakar", **JADIREJO, **data}
    response = client.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_create_places_the_incident_and_suggests_agencies(operator):
    body = create(operator, uncertainty_m=25, address="Jl. Contoh No. 1")
    props = body["properties"]
    assert body["geometry"]["coordinates"] == [101.444994, 0.514001]
    assert props["status"] == "received" and props["category"] == "bencana"
    assert props["priority"] == 1  # the type's default
    assert props["kelurahan"] == {"code": "14.71.01.1002", "name": "Jadirejo"}
    assert props["kecamatan"]["name"] == "Sukajadi"
    assert props["outside_service_area"] is False
    primary = [a for a in body["suggested_agencies"] if a["role"] == "primary"]
    assert [a["agency"] for a in primary] == ["damkar"]
    timeline = operator.get(f"{URL}{body['id']}/timeline/").json()
    assert [e["kind"] for e in timeline] == ["created"]


def test_outside_the_city_is_accepted_and_flagged(operator):
    props = create(operator, **OUTSIDE)["properties"]
    assert props["outside_service_area"] is True
    assert props["kelurahan"] is not None  # the nearest one, for the hand-over


def test_idempotency_key_never_creates_two(operator):
    headers = {"HTTP_IDEMPOTENCY_KEY": "call-77-create"}
    body = {"type": "banjir", **JADIREJO}
    first = operator.post(URL, body, format="json", **headers)
    second = operator.post(URL, body, format="json", **headers)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"] and second.json()["replayed"] is True
    assert Incident.objects.count() == 1
    other = operator.post(URL, {"type": "kebakaran", **JADIREJO}, format="json", **headers)
    assert other.status_code == 409


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"type": "gempa_bumi"}, "type"),
        ({"type": None}, "type"),
        ({"lat": 0.5}, "lon"),
        ({"lat": 91, "lon": 101.4}, "lat"),
        ({"lon": "abc", "lat": 0.5}, "lon"),
        ({"uncertainty_m": -5}, "uncertainty_m"),
        ({"priority": 9}, "priority"),
        ({"description": "x" * 4001}, "description"),
    ],
)
def test_bad_input_is_400_naming_the_field(operator, data, field):
    body = {"type": "kebakaran", **data}
    response = operator.post(URL, {k: v for k, v in body.items() if v is not None}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Incident.objects.count() == 0


def test_oversized_description_error_states_the_limit(operator):
    response = operator.post(URL, {"type": "kebakaran", "description": "x" * 5000}, format="json")
    assert "4000" in response.json()["description"][0]


def test_html_in_a_description_is_stored_as_text(operator):
    text = '<script>alert("x")</script><b>api</b>'
    props = create(operator, description=text)["properties"]
    assert props["description"] == text


def test_a_stale_edit_is_refused_not_overwritten(operator, token_client):
    incident = create(operator)
    iid = incident["id"]
    other = token_client("supervisor")
    ok = other.patch(f"{URL}{iid}/", {"version": 1, "priority": 2}, format="json")
    assert ok.status_code == 200 and ok.json()["properties"]["version"] == 2
    stale = operator.patch(f"{URL}{iid}/", {"version": 1, "description": "mine"}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert Incident.objects.get(pk=iid).description == "Rumah terbakar"


def test_an_edit_needs_the_version(operator):
    iid = create(operator)["id"]
    response = operator.patch(f"{URL}{iid}/", {"priority": 3}, format="json")
    assert response.status_code == 400 and "version" in response.json()


def test_if_match_carries_the_version_and_location_changes_are_logged(operator):
    iid = create(operator)["id"]
    etag = operator.get(f"{URL}{iid}/")["ETag"]
    assert etag == '"v1"'
    response = operator.patch(
        f"{URL}{iid}/",
        {"lat": 0.5300, "lon": 101.4500, "uncertainty_m": 10},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200
    assert response["ETag"] == '"v2"'
    timeline = operator.get(f"{URL}{iid}/timeline/").json()
    change = next(e for e in timeline if e["kind"] == "location_changed")
    assert change["data"]["old"]["point"] == [101.444994, 0.514001]
    assert change["data"]["new"]["point"] == [101.45, 0.53]


def test_the_workflow_allows_only_its_transitions(operator):
    iid = create(operator)["id"]
    for step in ("verified", "dispatched", "on_scene", "resolved", "closed"):
        response = operator.post(f"{URL}{iid}/transition/", {"to": step}, format="json")
        assert response.status_code == 200, (step, response.content)
        assert response.json()["properties"]["status"] == step
    stamps = Incident.objects.get(pk=iid)
    assert stamps.verified_at <= stamps.dispatched_at <= stamps.on_scene_at <= stamps.closed_at


def test_an_illegal_transition_is_409_listing_the_allowed_ones(operator):
    iid = create(operator)["id"]
    operator.post(f"{URL}{iid}/transition/", {"to": "verified"}, format="json")
    operator.post(f"{URL}{iid}/transition/", {"to": "dispatched"}, format="json")
    response = operator.post(f"{URL}{iid}/transition/", {"to": "prank"}, format="json")
    assert response.status_code == 409
    assert response.json()["allowed"] == ["on_scene", "cancelled"]
    assert response.json()["current_status"] == "dispatched"


def test_merging_needs_a_target(operator):
    first = create(operator)["id"]
    second = create(operator)["id"]
    response = operator.post(f"{URL}{second}/transition/", {"to": "merged"}, format="json")
    assert response.status_code == 400 and "merged_into" in response.json()
    response = operator.post(
        f"{URL}{second}/transition/", {"to": "merged", "merged_into": first}, format="json"
    )
    assert response.json()["properties"]["merged_into"] == first


def test_assign_notes_and_the_timeline(operator):
    iid = create(operator)["id"]
    assert (
        operator.post(
            f"{URL}{iid}/assign/", {"agency": "damkar", "role": "primary"}, format="json"
        ).status_code
        == 200
    )
    again = operator.post(f"{URL}{iid}/assign/", {"agency": "damkar"}, format="json")
    assert again.status_code == 409
    unknown = operator.post(f"{URL}{iid}/assign/", {"agency": "nasa"}, format="json")
    assert unknown.status_code == 400 and "agency" in unknown.json()
    note = operator.post(f"{URL}{iid}/notes/", {"text": "Korban 2 orang"}, format="json")
    assert note.status_code == 201
    kinds = [e["kind"] for e in operator.get(f"{URL}{iid}/timeline/").json()]
    assert kinds == ["created", "agency_assigned", "note"]
    detail = operator.get(f"{URL}{iid}/").json()["properties"]
    assert detail["agencies"] == [{"agency": "damkar", "role": "primary"}]


def test_the_timeline_is_append_only_in_the_database(operator):
    create(operator)
    event = TimelineEvent.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        TimelineEvent.objects.filter(pk=event.pk).update(data={"forged": True})
    with pytest.raises(DatabaseError), transaction.atomic():
        TimelineEvent.objects.filter(pk=event.pk).delete()
    assert TimelineEvent.objects.get().data.get("forged") is None


def test_live_sequence_is_gap_free_even_after_a_rollback(operator):
    create(operator)
    with pytest.raises(RuntimeError), transaction.atomic():
        from incidents import live

        live.record("test.discarded", {})
        raise RuntimeError("rolled back")
    create(operator)
    seqs = list(LiveEvent.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert [e.kind for e in LiveEvent.objects.all()] == ["incident.created", "incident.created"]


def test_list_is_geojson_filtered_and_query_bounded(operator, django_assert_max_num_queries):
    ids = [create(operator)["id"] for _ in range(3)]
    create(operator, **OUTSIDE)
    operator.post(f"{URL}{ids[0]}/transition/", {"to": "cancelled"}, format="json")
    with django_assert_max_num_queries(6):
        response = operator.get(URL, {"status": "open", "bbox": "101.40,0.48,101.50,0.55"})
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert sorted(f["id"] for f in body["features"]) == sorted(ids[1:])
    assert operator.get(URL, {"status": "bogus"}).status_code == 400
    assert operator.get(URL, {"since": "not-a-date"}).status_code == 400


def test_analytics_exclude_prank_cancelled_and_merged(operator):
    ids = [create(operator)["id"] for _ in range(4)]
    operator.post(f"{URL}{ids[0]}/transition/", {"to": "prank"}, format="json")
    operator.post(f"{URL}{ids[1]}/transition/", {"to": "cancelled"}, format="json")
    operator.post(
        f"{URL}{ids[2]}/transition/", {"to": "merged", "merged_into": ids[3]}, format="json"
    )
    assert list(Incident.objects.for_analytics().values_list("id", flat=True)) == [ids[3]]


@pytest.mark.parametrize("role", ["wall", "planner"])
def test_read_only_roles_cannot_write(token_client, pekanbaru, role):
    client = token_client(role)
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"type": "kebakaran", **JADIREJO}, format="json")
    assert response.status_code == 403
    assert Incident.objects.count() == 0


def test_anonymous_gets_401(api_client):
    assert api_client.get(URL).status_code == 401
    assert api_client.post(URL, {}, format="json").status_code == 401


def test_unknown_incident_is_404(operator):
    assert (
        operator.post(f"{URL}999999/transition/", {"to": "verified"}, format="json").status_code
        == 404
    )
    assert connection.is_usable()


def test_map_feed_is_one_featurecollection_with_the_list_filters(
    operator, django_assert_max_num_queries
):
    ids = [create(operator)["id"] for _ in range(3)]
    operator.post(f"{URL}{ids[0]}/transition/", {"to": "cancelled"}, format="json")
    with django_assert_max_num_queries(3):
        response = operator.get(f"{URL}map/", {"status": "open"})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    feed = response.json()
    assert feed["type"] == "FeatureCollection"
    assert [f["id"] for f in feed["features"]] == [ids[2], ids[1]]
    first = feed["features"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [101.444994, 0.514001]}
    assert first["properties"]["kelurahan"] == "Jadirejo"
    assert operator.get(f"{URL}map/", {"status": "closed"}).json()["features"] == []
