import re

import pytest

pytestmark = pytest.mark.django_db


def test_schema_requires_a_role(api_client):
    assert api_client.get("/api/schema/").status_code == 401


def test_schema_is_openapi_3_and_lists_the_endpoints(token_client):
    response = token_client("planner").get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/auth/me/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"


def test_docs_page_loads_its_assets_from_this_server(client, django_user_model):
    user = django_user_model.objects.create(username="p", role="planner")
    client.force_login(user)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    # Every script and stylesheet comes from this server (a CSRF token in the page may contain
    # any letters, so look at the addresses, not at the text).
    addresses = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert addresses
    assert all(a.startswith("/") and not a.startswith("//") for a in addresses), addresses
    assert "http://" not in html and "https://" not in html
