"""Production settings refuse to start when something is missing or unsafe, with one line."""

import os

import pytest

from config.env import ConfigError, env_bool, env_list, redact_url
from tests.conftest import run_manage

GOOD_KEY = "k" * 20 + "Zq8Lm3Np0Rt5Vx7Bc9Df" + "w1e2r3t4y5u6"


def production_env(**values: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "SECURE_SSL_REDIRECT", "DB_POOL"}
    }
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DEBUG="0")
    env.update(values)
    return env


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"ALLOWED_HOSTS": "siaga.example"}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "short", "ALLOWED_HOSTS": "siaga.example"}, "SECRET_KEY is unsafe"),
        ({"SECRET_KEY": GOOD_KEY}, "ALLOWED_HOSTS is not set"),
        ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS contains '*'"),
        ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "a", "DEBUG": "maybe"}, "DEBUG='maybe'"),
        (
            {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "a", "DATABASE_URL": "nonsense://x"},
            "DATABASE_URL",
        ),
    ],
)
def test_production_start_stops_with_one_line_naming_the_setting(values, named):
    result = run_manage("check", env=production_env(**values))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: configuration:") and named in lines[0]


def test_development_mode_starts_without_secrets():
    env = production_env(DEBUG="1")
    result = run_manage("check", env=env)
    assert result.returncode == 0, result.stderr


def test_production_settings_pass_the_deploy_checks():
    env = production_env(SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="siaga.example")
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_unreachable_database_is_one_line_naming_the_url_without_password():
    url = "postgres://siaga:topsecret@127.0.0.1:9/nowhere"
    result = run_manage("preflight", env=production_env(DEBUG="1", DATABASE_URL=url))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "127.0.0.1:9/nowhere" in lines[0] and "unreachable" in lines[0]
    assert "topsecret" not in result.stderr + result.stdout


def test_manage_commands_on_an_unreachable_database_do_not_dump_a_traceback():
    url = "postgres://siaga:topsecret@127.0.0.1:9/nowhere"
    result = run_manage("migrate", env=production_env(DEBUG="1", DATABASE_URL=url))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "topsecret" not in result.stderr
    assert "database unreachable at postgres://siaga:***@127.0.0.1:9/nowhere" in result.stderr


def test_env_bool_names_the_variable(monkeypatch):
    monkeypatch.setenv("FEATURE_X", "perhaps")
    with pytest.raises(ConfigError, match="FEATURE_X"):
        env_bool("FEATURE_X")
    monkeypatch.setenv("FEATURE_X", "Yes")
    assert env_bool("FEATURE_X") is True


def test_env_list_trims_and_drops_empty_items(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example, ,b.example ")
    assert env_list("HOSTS") == ["a.example", "b.example"]


def test_redact_url_hides_only_the_password():
    assert redact_url("postgres://u:p%40ss@db:5432/x") == "postgres://u:***@db:5432/x"
    assert redact_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
