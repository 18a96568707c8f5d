"""A synthetic registry from ``generate_registry``, built once per test module inside a
transaction rolled back at the module's end (each test runs in a savepoint within it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import transaction

from spinepath.analytics.facts import rebuild_outcomes
from spinepath.registry.generate import generate

AT = datetime(2026, 6, 30, 18, 0, tzinfo=UTC)
PROCEDURES = 1500


@pytest.fixture(scope="module")
def built_registry(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Any]:
    with django_db_blocker.unblock(), transaction.atomic():
        result = generate(PROCEDURES, seed=16, clinics=2, at=AT)
        rebuild_outcomes(result.procedure_ids, at=AT)  # as generate_registry does
        yield result
        transaction.set_rollback(True)


@pytest.fixture
def registry(built_registry: Any, db: Any) -> Any:
    return built_registry
