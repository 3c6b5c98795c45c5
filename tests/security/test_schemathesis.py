"""Schemathesis against the project's own OpenAPI schema (the one /api/schema/ serves), with
the real Django app in process on the real PostGIS: no 5xx on any generated request, valid or
not, and every documented response matches its schema.

Bounded: a few examples per operation (SCHEMATHESIS_MAX_EXAMPLES, default 6), no shrinking
beyond Hypothesis' defaults, each example under a transaction that is rolled back.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tests.factories import make_token

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "6"))


def _openapi() -> dict:
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw))


# The examples and fuzzing phases only: the coverage phase enumerates every boundary of every
# parameter (minutes on this API); a fixed seed keeps runs comparable.
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 112,
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "generation": {"max-examples": MAX_EXAMPLES},
    }
)
schema = schemathesis.openapi.from_dict(_openapi(), config=CONFIG)
schema.app = get_wsgi_application()


@pytest.fixture
def admin_headers(db):
    # In process, as Django's test client does: the request must not close the test's
    # connection (its transaction holds the token and is rolled back afterwards).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        # admin passes every role check, so the generated requests reach the views.
        yield {"Authorization": f"Token {make_token('admin')}"}
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_against_its_schema(case, admin_headers):
    case.call_and_validate(
        headers=admin_headers, checks=[not_a_server_error, response_schema_conformance]
    )
