import pytest

from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_home_page_sends_anonymous_people_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/")


def test_session_login_reaches_home_and_the_api(client):
    make_user("operator", username="dewi", password="a-long-pass-123")
    response = client.post("/login/", {"username": "dewi", "password": "a-long-pass-123"})
    assert response.status_code == 302
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="id")
    assert home.status_code == 200
    assert "Anda masuk sebagai Operator" in home.content.decode()
    assert client.get("/api/auth/me/").json()["username"] == "dewi"


def test_wrong_password_shows_an_error_in_indonesian(client):
    make_user("operator", username="dewi", password="a-long-pass-123")
    response = client.post(
        "/login/", {"username": "dewi", "password": "nope"}, HTTP_ACCEPT_LANGUAGE="id"
    )
    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah." in response.content.decode()


def test_english_is_available(client):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Log in" in response.content.decode()


def test_a_person_without_role_cannot_open_pages(client):
    make_user("", username="tamu", password="a-long-pass-123")
    client.post("/login/", {"username": "tamu", "password": "a-long-pass-123"})
    assert client.get("/").status_code == 403


def test_session_api_writes_require_csrf(db):
    from rest_framework.test import APIClient

    make_user("operator", username="dewi", password="a-long-pass-123")
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="dewi", password="a-long-pass-123")
    # A write through the session without the CSRF token is refused before any view runs.
    response = client.post("/api/auth/me/", {})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
