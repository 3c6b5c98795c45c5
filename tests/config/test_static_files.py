"""Static files are served by ServeStatic in both handler modes; in a synchronous chain the other
requests do not go through it (config.middleware.StaticFilesMiddleware)."""

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient
from servestatic.middleware import ServeStaticMiddleware

pytestmark = pytest.mark.django_db
ASSET = "/static/layers/wall.js"


@pytest.fixture
def servestatic_calls(monkeypatch):
    calls = []
    original = ServeStaticMiddleware.__call__

    async def counting(self, request):
        calls.append(request.path)
        return await original(self, request)

    monkeypatch.setattr(ServeStaticMiddleware, "__call__", counting)
    return calls


def _body(response) -> bytes:
    return b"".join(response) if response.streaming else response.content


def test_a_static_file_is_served_in_a_sync_chain(client, servestatic_calls):
    response = client.get(ASSET)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"function" in _body(response)
    assert servestatic_calls == [ASSET]


def test_a_missing_static_file_is_404(client, servestatic_calls):
    assert client.get("/static/layers/no-such-file.js").status_code == 404
    assert servestatic_calls == ["/static/layers/no-such-file.js"]


def test_other_requests_pass_servestatic_by_in_a_sync_chain(client, servestatic_calls):
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/api/auth/me/").status_code == 401
    assert servestatic_calls == []


def test_the_async_chain_serves_static_files_and_the_rest(servestatic_calls):
    client = AsyncClient()
    asset = async_to_sync(client.get)(ASSET)
    assert asset.status_code == 200
    assert async_to_sync(client.get)("/api/auth/me/").status_code == 401
    # Under ASGI, ServeStatic is the chain's own async middleware: it sees every request.
    assert servestatic_calls == [ASSET, "/api/auth/me/"]
