"""Session and transport security: CSRF, production headers and cookies, login throttling,
token revocation, caller numbers kept out of logs, hostile strings (no 500, no SQL error)."""

from __future__ import annotations

import json
import logging
import textwrap

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.test.utils import override_settings
from rest_framework.test import APIClient

from accounts.services import revoke_tokens
from tests.conftest import run_manage, server_env
from tests.factories import make_token, make_user

PASSWORD = "kata-sandi-uji-112"


# --- CSRF on session endpoints ---------------------------------------------------------------
@pytest.mark.django_db
def test_login_form_refuses_a_post_without_the_csrf_token():
    make_user("operator", username="ani", password=PASSWORD)
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "ani", "password": PASSWORD}).status_code == 403
    client.get("/login/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/login/", {"username": "ani", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302  # logged in


@pytest.mark.django_db
def test_session_authenticated_api_writes_need_the_csrf_header():
    client = APIClient(enforce_csrf_checks=True)
    client.get("/login/")  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    client.force_login(make_user("operator"))
    body = {"type": "kebakaran", "description": "uji CSRF"}
    refused = client.post("/api/incidents/", body, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    accepted = client.post("/api/incidents/", body, format="json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201
    # Token clients (no cookie, no session) are not subject to CSRF.
    api = APIClient(enforce_csrf_checks=True)
    api.credentials(HTTP_AUTHORIZATION=f"Token {make_token('operator')}")
    assert api.post("/api/incidents/", body, format="json").status_code == 201


# --- production mode: headers and cookies -----------------------------------------------------
PRODUCTION_PROBE = textwrap.dedent(
    """
    import json
    import django
    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings
    c = Client()
    # Only the static files storage differs (no collectstatic manifest here).
    plain_static = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain_static):
        page = c.get("/login/", secure=True)
        plain = c.get("/login/")
        health = c.get("/healthz")
    csrf = page.cookies["csrftoken"]
    print(json.dumps({
        "headers": dict(page.headers),
        "plain": [plain.status_code, plain.headers.get("Location", "")],
        "health_status": health.status_code,
        "csrf_cookie": {"secure": csrf["secure"], "samesite": csrf["samesite"]},
        "session_cookie": [settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY],
        "debug": settings.DEBUG,
    }))
    """
)


@pytest.mark.django_db
def test_production_mode_sends_secure_headers_and_cookies():
    env = server_env(DJANGO_SETTINGS_MODULE="config.settings", DEBUG="0")
    for name in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"):
        env.pop(name, None)  # the production defaults, not the test overrides
    env["ALLOWED_HOSTS"] = "testserver"
    done = run_manage("shell", "-c", PRODUCTION_PROBE, env=env)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    headers = seen["headers"]
    assert seen["debug"] is False
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert seen["plain"] == [301, "https://testserver/login/"]  # plain HTTP goes to HTTPS
    assert seen["health_status"] in (200, 503)  # /healthz is exempt from the redirect
    assert seen["csrf_cookie"] == {"secure": True, "samesite": "Lax"}
    assert seen["session_cookie"] == [True, True]


# --- login throttling ---------------------------------------------------------------------------
@pytest.mark.django_db
@override_settings(LOGIN_THROTTLE_PER_USERNAME=3, LOGIN_THROTTLE_PER_IP=6)
def test_repeated_failed_logins_are_locked_out_with_an_indonesian_message():
    make_user("operator", username="budi", password=PASSWORD)
    client = Client()
    for _ in range(3):
        response = client.post("/login/", {"username": "budi", "password": "salah"})
        assert response.status_code == 200  # the form again, with its error
    locked = client.post("/login/", {"username": "budi", "password": PASSWORD})
    assert locked.status_code == 429  # even the right password, for the rest of the window
    assert "Terlalu banyak percobaan masuk yang gagal" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another user from the same address is not locked yet; six failures from it are.
    make_user("operator", username="citra", password=PASSWORD)
    assert client.post("/login/", {"username": "citra", "password": PASSWORD}).status_code == 302
    Client().post("/logout/")
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    for name in ("x1", "x2", "x3"):
        english.post("/login/", {"username": name, "password": "salah"})
    refused = english.post("/login/", {"username": "citra", "password": PASSWORD})
    assert refused.status_code == 429
    assert "Too many failed login attempts" in refused.content.decode()


@pytest.mark.django_db
@override_settings(LOGIN_THROTTLE_PER_USERNAME=3)
def test_a_successful_login_clears_the_failures_and_the_admin_login_is_throttled_too():
    make_user("admin", username="dewi", password=PASSWORD)
    client = Client()
    for _ in range(2):
        client.post("/login/", {"username": "dewi", "password": "salah"})
    assert client.post("/login/", {"username": "dewi", "password": PASSWORD}).status_code == 302
    client.post("/logout/")
    for _ in range(2):  # counting starts again
        assert client.post("/login/", {"username": "dewi", "password": "x"}).status_code == 200
    admin = Client()
    for _ in range(2):
        admin.post("/admin/login/", {"username": "dewi", "password": "salah"})
    response = admin.post("/admin/login/", {"username": "dewi", "password": PASSWORD})
    assert response.status_code == 200 and "Terlalu banyak percobaan" in response.content.decode()


# --- token revocation ---------------------------------------------------------------------------
async def _live_feed_close_code(key: str):
    from config.asgi import application

    ws = WebsocketCommunicator(
        application,
        "/ws/events/",
        headers=[(b"origin", b"http://127.0.0.1")],
        subprotocols=[f"token.{key}"],
    )
    connected, code = await ws.connect()
    if connected:
        await ws.disconnect()
        return None
    return code


@pytest.mark.django_db(transaction=True)
async def test_a_revoked_token_stops_working_on_the_api_and_the_live_feed():
    key = await database_sync_to_async(make_token)("wall", username="wall-lobi")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert (await database_sync_to_async(client.get)("/api/auth/me/")).status_code == 200
    assert await _live_feed_close_code(key) is None  # accepted
    await database_sync_to_async(revoke_tokens)("wall-lobi")
    assert (await database_sync_to_async(client.get)("/api/auth/me/")).status_code == 401
    assert await _live_feed_close_code(key) == 4401


# --- caller numbers never in logs ------------------------------------------------------------
NUMBER = "081277665544"


@pytest.mark.django_db
def test_caller_numbers_never_reach_the_logs_on_intake(caplog):
    operator = APIClient()
    operator.credentials(HTTP_AUTHORIZATION=f"Token {make_token('operator')}")
    supervisor = APIClient()
    supervisor.credentials(HTTP_AUTHORIZATION=f"Token {make_token('supervisor')}")
    with caplog.at_level(logging.DEBUG):
        created = operator.post(
            "/api/calls/", {"caller_number": NUMBER, "spoken_address": "Jl. Sudirman"}
        )
        assert created.status_code == 201
        assert NUMBER not in json.dumps(created.json())  # masked for the operator
        bad = operator.post("/api/calls/", {"caller_number": NUMBER + "x" * 30})
        assert bad.status_code == 400  # and the refusal is logged as a 4xx warning
        seen = supervisor.get(f"/api/calls/{created.json()['id']}/")
        assert seen.json()["caller_number"].endswith(NUMBER[1:])  # supervisor: unmasked, audited
        operator.post("/api/incidents/", {"type": "kebakaran", "call": created.json()["id"]})
    assert caplog.records, "nothing was logged: the test would prove nothing"
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "") + repr(record.args)
        assert NUMBER[1:] not in text, record.name  # neither 0812… nor +62812…


# --- hostile strings --------------------------------------------------------------------------
HOSTILE = [
    "'; DROP TABLE incidents_incident; --",
    '" OR 1=1 --',
    "Jl. Sudirman' UNION SELECT password FROM accounts_user --",
    "%s %s %(x)s {0} ${x}",
    "100%_%' OR ''='",
    "\\'\\\\",
    "jalan\x00nul",
    "<script>alert(1)</script>",
    "𝔍𝔩. 𝔖𝔲𝔡𝔦𝔯𝔪𝔞𝔫 🚒",
    "(((((((((((",
    "a" * 299,
]


@pytest.mark.django_db
@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_strings_to_the_geocoder_and_filters_are_no_500(text, pekanbaru):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {make_token('operator')}")
    answers = [
        client.get("/api/geo/geocode/", {"q": text}),
        client.get("/api/incidents/", {"type": text, "status": text}),
        client.get("/api/incidents/", {"type": text}),
        client.get("/api/incidents/map/", {"type": text, "bbox": text}),
        client.get("/api/incidents/", {"since": text}),
        client.get("/api/cctv/cameras/covering/", {"lat": text, "lon": text}),
        client.get("/api/responders/nearest/", {"lat": "0.5", "lon": "101.4", "agency": text}),
    ]
    for response in answers:
        assert response.status_code < 500, (response.request["QUERY_STRING"], response.content)
    assert client.get("/api/incidents/").status_code == 200  # and the tables are still there


@pytest.mark.django_db
@override_settings(LOGIN_THROTTLE_PER_USERNAME=2, LOGIN_THROTTLE_WINDOW_S=60)
def test_failures_older_than_the_window_no_longer_count_and_are_dropped():
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import LoginFailure

    make_user("operator", username="eka", password=PASSWORD)
    client = Client()
    for _ in range(2):
        client.post("/login/", {"username": "eka", "password": "salah"})
    assert client.post("/login/", {"username": "eka", "password": PASSWORD}).status_code == 429
    LoginFailure.objects.update(at=timezone.now() - timedelta(seconds=61))
    client.post("/login/", {"username": "eka", "password": "salah"})  # one fresh failure
    assert LoginFailure.objects.count() == 1  # the expired ones are gone
    assert client.post("/login/", {"username": "eka", "password": PASSWORD}).status_code == 302
