"""Request overhead: a token-authenticated API call and /healthz, against raw SQL floors."""

from __future__ import annotations

import psycopg
from django.db import connection
from django.test import Client

from accounts.querysets import hash_token
from accounts.services import issue_token
from bench.harness import Result, measure
from geo.sql import engine_versions


def run() -> list[Result]:
    key = issue_token("bench-runner", "operator").key
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {key}")

    def api_call():
        response = client.get("/api/auth/me/")
        if response.status_code != 200:
            raise RuntimeError(response.status_code)

    ours = measure(api_call, n=500)

    # Floor: the one query the request cannot avoid (token lookup by hash), raw on the same
    # connection.
    digest = hash_token(key)
    with connection.cursor() as cursor:

        def token_lookup():
            cursor.execute(
                "SELECT u.id, u.role FROM accounts_apitoken t"
                " JOIN accounts_user u ON u.id = t.user_id"
                " WHERE t.key_hash = %s AND t.revoked_at IS NULL",
                [digest],
            )
            cursor.fetchone()

        floor = measure(token_lookup, n=500)

    health = Client(HTTP_HOST="127.0.0.1")

    def healthz():
        if health.get("/healthz").status_code != 200:
            raise RuntimeError("healthz")

    health_t = measure(healthz, n=100)

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)

    def raw_probe():
        with psycopg.connect(**params) as conn, conn.cursor() as cursor:
            engine_versions(cursor)

    probe_t = measure(raw_probe, n=100)
    return [
        Result(
            "GET /api/auth/me/ (token, in-process)",
            "p50 ms",
            ours.median,
            floor.median,
            "raw token-lookup SQL",
        ),
        Result(
            "GET /api/auth/me/ (token, in-process)",
            "p95 ms",
            ours.pct(95),
            floor.pct(95),
            "raw token-lookup SQL",
        ),
        Result(
            "GET /healthz (in-process)",
            "p50 ms",
            health_t.median,
            probe_t.median,
            "raw connect + version queries",
        ),
    ]
