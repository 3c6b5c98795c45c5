"""Call intake: masking, duplicate suggestions and the prank/silent advisory."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Call

pytestmark = pytest.mark.django_db

CALLS = "/api/calls/"
JADIREJO = {"lat": 0.514001, "lon": 101.444994}


@pytest.fixture
def operator(token_client, pekanbaru):
    return token_client("operator")


def test_a_call_is_recorded_with_the_number_masked_for_operators(operator, token_client):
    response = operator.post(
        CALLS, {"caller_number": "0812-3456-7890", "duration_s": 42}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["caller_number"] == "+6281******890"
    assert Call.objects.get().caller_number == "+6281234567890"
    assert body["advisory"]["blocks"] is False
    supervisor = token_client("supervisor")
    assert supervisor.get(f"{CALLS}{body['id']}/").json()["caller_number"] == "+6281234567890"


def test_a_fire_seen_by_many_callers_is_suggested_as_duplicate(operator):
    incident = operator.post(
        "/api/incidents/", {"type": "kebakaran", **JADIREJO}, format="json"
    ).json()
    # 900 m away: within a fire's radius, too far for a medical case.
    nearby = {"lat": 0.514001 + 0.0081, "lon": 101.444994}
    fire = operator.post(CALLS, {"type": "kebakaran", **nearby}, format="json").json()
    assert [d["incident"] for d in fire["duplicates"]] == [incident["id"]]
    duplicate = fire["duplicates"][0]
    assert 850 < duplicate["distance_m"] < 950 and duplicate["same_type"] is True
    assert duplicate["age_min"] >= 0
    medical = operator.post(CALLS, {"type": "kesehatan", **nearby}, format="json").json()
    assert medical["duplicates"] == []


def test_a_number_with_earlier_prank_verdicts_raises_the_risk(operator):
    number = "+6285200000001"
    for _ in range(2):
        call = operator.post(CALLS, {"caller_number": number}, format="json").json()
        iid = operator.post(
            "/api/incidents/", {"type": "lainnya", "call": call["id"]}, format="json"
        ).json()["id"]
        operator.post(f"/api/incidents/{iid}/transition/", {"to": "prank"}, format="json")
    advice = operator.post(CALLS, {"caller_number": number, **JADIREJO}, format="json").json()[
        "advisory"
    ]
    codes = {r["code"] for r in advice["reasons"]}
    assert "earlier_pranks" in codes and advice["level"] == "high"
    fresh = operator.post(
        CALLS, {"caller_number": "+6285200000002", **JADIREJO}, format="json"
    ).json()["advisory"]
    assert "earlier_pranks" not in {r["code"] for r in fresh["reasons"]}
    assert fresh["risk"] < advice["risk"]


def test_a_silent_call_is_advised_not_blocked(operator):
    body = operator.post(
        CALLS, {"caller_number": "+6281100000000", "silent": True}, format="json"
    ).json()
    reasons = {r["code"]: r["text"] for r in body["advisory"]["reasons"]}
    assert "silent" in reasons and "tidak dapat berbicara" in reasons["silent"]
    assert body["advisory"]["blocks"] is False


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"caller_number": "call me maybe"}, "caller_number"),
        ({"duration_s": -1}, "duration_s"),
        ({"lat": 0.5}, "lon"),
        ({"type": "alien"}, "type"),
        ({"received_at": "yesterday"}, "received_at"),
    ],
)
def test_bad_calls_get_400(operator, data, field):
    response = operator.post(CALLS, data, format="json")
    assert response.status_code == 400 and field in response.json()


def test_night_calls_mention_the_hour(operator):
    # 01:30 WIB is 18:30 UTC the day before.
    at = (timezone.now() - timedelta(days=1)).replace(hour=18, minute=30)
    body = operator.post(CALLS, {"received_at": at.isoformat()}, format="json").json()
    assert "night" in {r["code"] for r in body["advisory"]["reasons"]}


def test_every_unmasked_view_is_audited(operator, token_client):
    from accounts.models import AuditEntry

    call_id = operator.post(CALLS, {"caller_number": "+6281234567890"}, format="json").json()["id"]
    assert not AuditEntry.objects.exists()  # the operator saw it masked
    supervisor = token_client("supervisor")
    supervisor.get(f"{CALLS}{call_id}/")
    supervisor.get(CALLS)
    entries = list(AuditEntry.objects.order_by("at", "id"))
    assert [(e.action, e.object_id) for e in entries] == [
        ("caller_number.viewed", str(call_id)),
        ("caller_number.viewed", str(call_id)),
    ]
    assert entries[0].user.role == "supervisor"
