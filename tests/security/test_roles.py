"""One test per cell of the roles table (tests/security/roles_table.py), on the real URL conf.

A denied role gets 401/403 (a page: the login redirect); an allowed role gets anything else
(a 400 for the empty body, a 404 for the missing id: the permission check has been passed).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import issue_token
from tests.factories import make_token
from tests.security import roles_table
from tests.security.roles_table import HTTP, ROLES, WEBSOCKET
from tests.security.urlwalk import http_routes, websocket_routes

README = Path(__file__).resolve().parents[2] / "README.md"
MISSING_ID = "999999"
# Path parameters other than ids: a real value, so the request reaches the permission check.
SAMPLE_PARAMS = {"<layer>": "kelurahan", "<z>": "12", "<x>": "3249", "<y>": "2031"}


def _cells():
    for (route, method), (allowed, _what) in HTTP.items():
        for role in ROLES:
            yield pytest.param(route, method, role, role in allowed, id=f"{method} /{route} {role}")


def _concrete(route: str) -> str:
    route = route.replace("<pk>", MISSING_ID)
    for name, value in SAMPLE_PARAMS.items():
        route = route.replace(name, value)
    return "/" + route


def _denied(response) -> bool:
    if response.status_code in (401, 403):
        return True
    location = response.get("Location", "") if response.status_code in (301, 302) else ""
    return "login/" in location and "next=" in location  # a page sends strangers to log in


def test_every_http_route_and_method_has_a_row():
    served = {(route, m) for route, methods in http_routes().items() for m in methods}
    assert served - HTTP.keys() == set(), "endpoints without a row in tests/security/roles_table.py"
    assert HTTP.keys() - served == set(), "rows in roles_table.py for endpoints that do not exist"


def test_every_websocket_route_has_a_row():
    assert set(websocket_routes()) == set(WEBSOCKET)


def test_readme_table_is_the_generated_one():
    text = README.read_text()
    assert roles_table.markdown() in text, (
        "README.md's roles table differs from tests/security/roles_table.py; regenerate it with "
        "`.venv/bin/python -m tests.security.roles_table`"
    )


@pytest.fixture(scope="module")
def role_users(django_db_setup, django_db_blocker):
    """One user and token per role for the ~240 cells (made once; removed afterwards)."""
    with django_db_blocker.unblock():
        made = {role: issue_token(f"cell-{role}", role) for role in ROLES if role != "anonymous"}
    yield made
    with django_db_blocker.unblock():
        User.objects.filter(username__startswith="cell-").delete()


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "method", "role", "allowed"), list(_cells()))
def test_http_cell(route, method, role, allowed, role_users):
    path = _concrete(route)
    if role == "anonymous":
        client = APIClient() if route.startswith("api/") else Client()
    elif route.startswith("api/"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {role_users[role].key}")
    else:
        client = Client()
        client.force_login(role_users[role].user)  # issue_token sets is_staff as for real users
    if method == "GET":
        response = client.get(path)
    else:
        response = (
            getattr(client, method.lower())(path, {}, format="json")
            if route.startswith("api/")
            else getattr(client, method.lower())(path, {})
        )
    assert response.status_code < 500, response.content[:300]
    if allowed:
        assert not _denied(response), f"{role} refused ({response.status_code})"
    else:
        assert _denied(response), f"{role} let through ({response.status_code})"
        if route.startswith("api/"):
            assert response.status_code == (401 if role == "anonymous" else 403)


def _ws_cells():
    for route, (allowed, _what) in WEBSOCKET.items():
        for role in ROLES:
            yield pytest.param(route, role, role in allowed, id=f"WS /{route} {role}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("route", "role", "allowed"), list(_ws_cells()))
async def test_websocket_cell(route, role, allowed):
    from config.asgi import application

    protocols = ["siaga112"]
    if role != "anonymous":
        protocols.append("token." + await database_sync_to_async(make_token)(role))
    ws = WebsocketCommunicator(
        application, "/" + route, headers=[(b"origin", b"http://127.0.0.1")], subprotocols=protocols
    )
    connected, code = await ws.connect()
    if allowed:
        assert connected, f"{role} refused with {code}"
        hello = await ws.receive_json_from(timeout=3)
        assert hello["role"] == role
        await ws.disconnect()
    else:
        assert not connected and code in (4401, 4403)
