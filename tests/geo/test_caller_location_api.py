"""POST /api/geo/caller-location/ and /api/calls/{id}/device-location/ with real payloads, and
fuzzed ones (hypothesis) that must never give a 500."""

import hashlib
import hmac

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.models import Call, Incident

pytestmark = pytest.mark.django_db

URL = "/api/geo/caller-location/"
# An AML v1 message at a Pekanbaru position (Jadirejo), ml computed below.
BODY = (
    'A"ML=1;lt=+0.51400;lg=101.44499;rd=20;top=20261122101500;lc=68;pm=G;'
    "si=510101234567890;ei=353472104343540;mcc=510;mnc=10;ml="
)


def aml(body: str = BODY) -> str:
    """The message with its ``ml`` (total length, the ml digits included)."""
    for digits in (2, 3):
        length = len(body) + digits
        if len(str(length)) == digits:
            return body + str(length)
    raise AssertionError("no consistent ml")


PIDF = """<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10"
  xmlns:gml="http://www.opengis.net/gml" xmlns:gs="http://www.opengis.net/pidflo/1.0"
  xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" entity="pres:caller@example.id">
 <dm:device id="d1"><gp:geopriv><gp:location-info>
  <gs:Circle srsName="urn:ogc:def:crs:EPSG::4326">
   <gml:pos>0.514 101.445</gml:pos>
   <gs:radius uom="urn:ogc:def:uom:EPSG::9001">50</gs:radius>
  </gs:Circle></gp:location-info><gp:method>GPS</gp:method></gp:geopriv>
  <dm:timestamp>2026-11-22T10:15:00Z</dm:timestamp></dm:device>
</presence>"""


@pytest.fixture
def operator(token_client, pekanbaru):
    return token_client("operator")


def post(client, body, content_type):
    return client.generic("POST", URL, body, content_type=content_type)


def test_aml_sms_gives_a_located_feature_with_the_90_percent_radius(operator):
    response = post(operator, aml(), "text/plain")
    assert response.status_code == 200, response.content
    feature = response.json()
    assert feature["geometry"]["coordinates"] == [101.44499, 0.514]
    props = feature["properties"]
    assert props["format"] == "aml-sms-v1" and props["method"] == "gnss"
    assert props["uncertainty_m"] == pytest.approx(20 * 1.42155, rel=1e-2)
    assert props["kelurahan"]["name"] == "Jadirejo" and props["inside_service_area"] is True
    assert props["uncertainty_area"]["type"] == "Polygon"
    assert "353472104343540" not in response.content.decode()  # IMEI masked


def test_pidf_lo_circle_reads_latitude_first(operator):
    response = post(operator, PIDF, "application/pidf+xml")
    assert response.status_code == 200, response.content
    assert response.json()["geometry"]["coordinates"] == [101.445, 0.514]
    assert response.json()["properties"]["method"] == "gnss"


def test_aml_https_hmac_is_enforced_when_a_key_is_set(operator, settings):
    settings.AML_HMAC_KEY = "rahasia-bersama"
    payload = (
        "v=3&emergency_number=112&location_latitude=0.514&location_longitude=101.445"
        "&location_accuracy=15&location_source=gps&location_time=1795400100000"
        "&time=1795400100000"
    )
    signature = hmac.new(b"rahasia-bersama", payload.encode(), hashlib.sha1).hexdigest()
    ok = post(operator, f"{payload}&hmac={signature}", "application/x-www-form-urlencoded")
    assert ok.status_code == 200, ok.content
    bad = post(operator, f"{payload}&hmac={'0' * 40}", "application/x-www-form-urlencoded")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "hmac"
    missing = post(operator, payload, "application/x-www-form-urlencoded")
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "hmac"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (aml().rsplit("ml=", 1)[0] + "ml=999", "ml"),
        (aml(BODY.replace("pm=G", "pm=Z")), "pm"),
        (aml(BODY.replace("lc=68", "lc=99.9")), "lc"),
    ],
)
def test_malformed_messages_get_400_with_a_list_of_errors(operator, body, field):
    response = post(operator, body, "text/plain")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors and errors[0]["field"] == field and errors[0]["reason"]


def test_entity_expansion_is_refused(operator):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
        '"&lol;&lol;&lol;&lol;">]><presence>&lol2;</presence>'
    )
    response = post(operator, bomb, "application/pidf+xml")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "xml"


def test_oversized_and_unknown_media_types_are_refused(operator):
    assert post(operator, "x" * 20000, "text/plain").status_code == 413
    assert post(operator, "{}", "application/json").status_code == 415


def test_outside_the_city_is_accepted_and_flagged(operator):
    body = aml(BODY.replace("lt=+0.51400;lg=101.44499", "lt=+0.30000;lg=101.45000"))
    response = post(operator, body, "text/plain")
    assert response.status_code == 200
    assert response.json()["properties"]["inside_service_area"] is False


def test_requires_a_writing_role(api_client, token_client, pekanbaru):
    assert post(api_client, aml(), "text/plain").status_code == 401
    assert post(token_client("wall"), aml(), "text/plain").status_code == 403


def test_a_device_location_is_stored_on_the_call_and_never_moves_the_incident(operator):
    call = operator.post("/api/calls/", {"caller_number": "+6281200000000"}, format="json").json()
    incident = operator.post(
        "/api/incidents/",
        {"type": "kebakaran", "call": call["id"], "lat": 0.52, "lon": 101.45},
        format="json",
    ).json()
    response = operator.generic(
        "POST", f"/api/calls/{call['id']}/device-location/", aml(), content_type="text/plain"
    )
    assert response.status_code == 200, response.content
    stored = Call.objects.get(pk=call["id"])
    assert (round(stored.device_point.x, 5), round(stored.device_point.y, 5)) == (101.44499, 0.514)
    point = Incident.objects.get(pk=incident["id"]).point
    assert (point.x, point.y) == (101.45, 0.52)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(
        st.binary(max_size=600),
        st.text(max_size=400).map(lambda t: 'A"ML=1;' + t),
        st.text(alphabet='=;&+-.0123456789abcdefghilmnoprstuvxyz"AML', max_size=300),
    ),
    media=st.sampled_from(
        ["text/plain", "application/x-www-form-urlencoded", "application/pidf+xml", "text/xml"]
    ),
)
def test_fuzzed_payloads_never_give_a_500(operator, body, media):
    response = post(operator, body, media)
    assert response.status_code in (200, 400, 413), response.content[:300]
