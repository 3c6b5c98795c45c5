import json
import urllib.error
import urllib.request

import pytest

from geo.loading.admin import load_admin_areas
from tests.conftest import Server, server_env


@pytest.mark.django_db
def test_healthz_needs_no_login_and_reports_the_engine(client):
    load_admin_areas()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["postgis"].startswith("3.")
    assert body["database"]["pgrouting"].startswith("3.")
    assert body["database"]["pg_trgm"]
    assert body["channel_layer"] == {"backend": "channels_redis.core.RedisChannelLayer", "ok": True}
    counts = body["reference_data"]
    assert (counts["kota"], counts["kecamatan"], counts["kelurahan"]) == (1, 15, 83)
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.server
@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_down_and_reports_a_dead_redis():
    server = Server(
        server_env(
            DATABASE_URL="postgres://siaga:Sekret123@127.0.0.1:9/nowhere",
            REDIS_URL="redis://127.0.0.1:9/0",
        )
    ).start(wait_healthy=False)
    try:
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{server.base}/healthz", timeout=15)
        assert caught.value.code == 503
        body = json.loads(caught.value.read())
        caught.value.close()
        assert body["status"] == "down"
        assert body["database"]["ok"] is False and body["database"]["error"]
        assert body["channel_layer"]["ok"] is False
        assert "Sekret123" not in json.dumps(body)
    finally:
        server.stop()
