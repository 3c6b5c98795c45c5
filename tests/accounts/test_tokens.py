import pytest
from django.db import connection

from accounts.models import ApiToken, User
from tests.conftest import run_manage
from tests.factories import make_token, make_user

pytestmark = pytest.mark.django_db

ME = "/api/auth/me/"


def test_unauthenticated_api_call_is_refused_with_401(api_client):
    response = api_client.get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_token_gets_the_user_and_role(api_client):
    key = make_token("planner", username="rina")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api_client.get(ME)
    assert response.status_code == 200
    assert response.json() == {"username": "rina", "role": "planner", "can_write": False}


def test_bearer_keyword_is_accepted(api_client):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token('operator')}")
    assert api_client.get(ME).json()["can_write"] is True


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token s112_wrong", "Token \u00e9\u00e9"])
def test_malformed_or_unknown_tokens_are_401_not_500(api_client, header):
    api_client.credentials(HTTP_AUTHORIZATION=header.encode("utf-8").decode("latin-1"))
    assert api_client.get(ME).status_code == 401


def test_user_without_role_is_forbidden(api_client):
    user = make_user(role="")
    api_client.force_authenticate(user)
    assert api_client.get(ME).status_code == 403


def test_deactivated_user_token_stops_working(api_client):
    key = make_token("operator", username="budi")
    User.objects.filter(username="budi").update(is_active=False)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get(ME).status_code == 401


def test_only_the_hash_of_a_token_is_stored():
    key = make_token("wall", username="wall-1")
    with connection.cursor() as cursor:
        cursor.execute("SELECT key_hash, prefix FROM accounts_apitoken")
        rows = cursor.fetchall()
    assert len(rows) == 1
    key_hash, prefix = rows[0]
    assert key not in key_hash and len(key_hash) == 64
    assert key.startswith(prefix) and len(prefix) < 12


def test_issue_token_command_prints_the_token_alone_and_it_works(api_client, transactional_db):
    result = run_manage("issue_token", "wall-display", "--role", "wall")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("s112_")
    assert User.objects.get(username="wall-display").role == "wall"
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {lines[0]}")
    assert api_client.get(ME).json()["role"] == "wall"


def test_issue_token_updates_the_role_and_replace_revokes_old_tokens(api_client, transactional_db):
    first = run_manage("issue_token", "sari", "--role", "operator").stdout.strip()
    second = run_manage("issue_token", "sari", "--role", "supervisor", "--replace").stdout.strip()
    assert User.objects.get(username="sari").role == "supervisor"
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api_client.get(ME).status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert api_client.get(ME).json()["role"] == "supervisor"


def test_issue_token_rejects_an_unknown_role(transactional_db):
    result = run_manage("issue_token", "x", "--role", "superhero")
    assert result.returncode != 0
    assert "superhero" in result.stderr and "Traceback" not in result.stderr
    assert not User.objects.filter(username="x").exists()


def test_revoke_tokens_command_revokes(api_client, transactional_db):
    key = make_token("operator", username="andi")
    result = run_manage("revoke_tokens", "andi")
    assert result.returncode == 0 and "revoked 1" in result.stdout
    assert ApiToken.objects.active().count() == 0
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get(ME).status_code == 401


def test_a_token_is_marked_used_at_most_once_a_minute(api_client):
    from datetime import timedelta

    from django.utils import timezone

    key = make_token("operator", username="sari")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    token = ApiToken.objects.get(user__username="sari")
    assert token.last_used_at is None
    assert api_client.get(ME).status_code == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=30)
    assert api_client.get(ME).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == first  # not rewritten within the minute
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    assert api_client.get(ME).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > first


def test_a_revoked_token_is_refused_while_another_of_the_user_works(api_client):
    old = make_token("operator", username="dewi")
    new = make_token("operator", username="dewi")
    assert ApiToken.objects.matching(old).revoke() == 1
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert api_client.get(ME).status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    assert api_client.get(ME).json()["username"] == "dewi"


def test_the_token_lookup_selects_the_users_columns_in_the_models_order():
    """User.from_db takes the row's values in the order of the model's fields."""
    import re

    from accounts import authentication

    select = authentication._USER_FOR_KEY.split("FROM")[0]
    assert re.findall(r"\bu\.(\w+)", select) == [f.column for f in User._meta.concrete_fields]


def test_the_user_from_a_token_is_the_whole_user(api_client):
    from accounts.authentication import user_for_key

    key = make_token("supervisor", username="wati")
    User.objects.filter(username="wati").update(email="wati@example.org", first_name="Wati")
    user = user_for_key(key)
    stored = User.objects.get(username="wati")
    assert [getattr(user, f.attname) for f in User._meta.concrete_fields] == [
        getattr(stored, f.attname) for f in User._meta.concrete_fields
    ]
    assert user_for_key(key + "x") is None
