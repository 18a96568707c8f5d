"""Property test over the whole API: whatever a client sends, the answer is never a 500, and
every answer matches the OpenAPI document (its body's schema and its content type).

Schemathesis generates requests from the OpenAPI document (valid and invalid bodies, odd path
and query values) and calls the app in-process with a real staff token and demo-like records.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from spinepath.testing import api_client_for, make_decision, make_episode, make_patient
from spinepath.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Any:
    """Requests go straight to the WSGI app, not through Django's test client, so stop them
    closing the database connection that holds the test's transaction (as the client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db: Any, client: Any, clinician_a: Any, clinic_a: Any) -> dict[str, str]:
    patient = make_patient(clinic_a)
    make_decision(make_episode(patient), clinician_a)
    return api_client_for(client, clinician_a).headers


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_request_makes_the_api_fail(case: Any, bearer: dict[str, str]) -> None:
    case.call_and_validate(
        headers=bearer,
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
