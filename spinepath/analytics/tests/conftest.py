"""The hand-worked registry, built once per test module (it takes the workflows ~20 s) inside a
transaction rolled back at the module's end; each test runs in its own savepoint within it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from spinepath.analytics.tests.registry import Registry, build


@pytest.fixture(scope="module")
def built_registry(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Registry]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield build()
        transaction.set_rollback(True)


@pytest.fixture
def registry(built_registry: Registry, db: Any) -> Registry:
    return built_registry
