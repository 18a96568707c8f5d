"""Fixtures that wire the personas of ``spinepath.testing`` into tests, and a real Chromium for
page tests.

Builders live in ``spinepath/testing.py`` (tests import them from there); this file only says which
persona a fixture name stands for: tests read as "a clinician of clinic A does X to a patient of
clinic B", which is how access rules are written.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from spinepath.testing import (
    ApiClient,
    api_client_for,
    make_clinic,
    make_episode,
    make_patient,
    make_staff,
    make_superuser,
)

# Playwright's sync API runs an event loop in the test thread; the live-server tests still touch
# the ORM from that thread between page actions, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_configure(config: pytest.Config) -> None:
    # Every persona gets a password; the production hasher costs ~0.25 s a user. Hashing strength
    # is Django's concern, not ours, so tests use the fastest hasher Django ships. Set once for the
    # session (not per test) so worlds built by module-scoped fixtures hash fast too.
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Browser worlds sign in once per module, and each test's transaction rolls back the
    # session's "last seen" write: a slow module would meet the 15-minute idle limit. The limits
    # themselves are tested at their production values (accounts/tests/test_session_timeouts.py).
    settings.SPINEPATH_SESSION_IDLE_MINUTES = 12 * 60
    _flush_past_the_audit_delete_trigger()


def _flush_past_the_audit_delete_trigger() -> None:
    """On SQLite a trigger refuses DELETE on the audit log, and a transactional test's flush
    empties tables with DELETE: the test runner's flush (only) drops the trigger, deletes and
    puts it back, in its one transaction, as an owner would deliberately do."""
    from django.db.backends.sqlite3.base import DatabaseOperations

    from spinepath.accounts.chain import SQLITE_DROP, SQLITE_TRIGGERS

    sql_flush = DatabaseOperations.sql_flush

    def flush(self: Any, style: Any, tables: Any, **kwargs: Any) -> list[str]:
        statements: list[str] = sql_flush(self, style, tables, **kwargs)
        if "accounts_auditevent" not in tables:
            return statements
        return [*SQLITE_DROP, *statements, *SQLITE_TRIGGERS]

    DatabaseOperations.sql_flush = flush  # type: ignore[method-assign]


# Modules that take longest, started first (longest first): with ``-n`` a run ends when its last
# worker does, so a minute-long sweep must not be dealt out last. (``--maxschedchunk=1`` in
# pyproject.toml makes xdist deal tests one at a time, in this order.)
RUN_FIRST = (
    "spinepath/tests/test_browser_every_page.py",
    "spinepath/tests/test_setup.py",
    "spinepath/accounts/tests/test_production_settings.py",
    "spinepath/procedures/tests/test_browser_demo_patient.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test that drives Chromium is a browser test, so `-m "not browser"` leaves out all of
    # them (the PostgreSQL pass of .ci/run does), whether or not its module says so.
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)

    def rank(item: pytest.Item) -> int:
        module = item.nodeid.split("::", 1)[0]
        if module in RUN_FIRST:
            return RUN_FIRST.index(module)
        return len(RUN_FIRST) + (0 if item.get_closest_marker("browser") else 1)

    items.sort(key=rank)  # stable: within a rank, the collection order


# --- Personas: two clinics, staff in each role, a patient and a referral in each ----------------


@pytest.fixture
def clinic_a(db: Any) -> Any:
    return make_clinic("ta", "Clinic A", phone="0113 496 0001")


@pytest.fixture
def clinic_b(db: Any) -> Any:
    return make_clinic("tb", "Clinic B", phone="0161 496 0002")


@pytest.fixture
def clinician_a(clinic_a: Any) -> Any:
    return make_staff("alice", "clinician", clinic_a)


@pytest.fixture
def physio_a(clinic_a: Any) -> Any:
    return make_staff("phil", "physiotherapist", clinic_a)


@pytest.fixture
def admin_a(clinic_a: Any) -> Any:
    return make_staff("ada", "admin", clinic_a)


@pytest.fixture
def analyst_a(clinic_a: Any) -> Any:
    return make_staff("ann", "analyst", clinic_a)


@pytest.fixture
def clinician_b(clinic_b: Any) -> Any:
    return make_staff("bob", "clinician", clinic_b)


@pytest.fixture
def admin_b(clinic_b: Any) -> Any:
    return make_staff("bea", "admin", clinic_b)


@pytest.fixture
def superuser(db: Any) -> Any:
    return make_superuser("root")


@pytest.fixture
def patient_a(clinic_a: Any) -> Any:
    return make_patient(clinic_a)


@pytest.fixture
def patient_b(clinic_b: Any) -> Any:
    return make_patient(
        clinic_b, given_name="Brian", family_name="Baker", nhs_number="4010232137", sex="male"
    )


@pytest.fixture
def episode_a(patient_a: Any) -> Any:
    return make_episode(patient_a)


@pytest.fixture
def episode_b(patient_b: Any) -> Any:
    return make_episode(patient_b, condition="spinal_stenosis", laterality="bilateral")


@pytest.fixture
def api_a(client: Any, clinician_a: Any) -> ApiClient:
    return api_client_for(client, clinician_a)


# --- A world built once per module -------------------------------------------------------------


@pytest.fixture(scope="module")
def module_db(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Database access for a whole module, so a world that takes seconds to build (the demo) is
    built once and shared by the module's tests, e.g.::

        @pytest.fixture(scope="module")
        def world(module_db):
            return build_demo(patients=40, seed=7, today=TODAY)

    What is built here is committed, not rolled back: the module's tests see it and, marked
    ``django_db`` (or asking for ``db``) as they must be for pytest-django to set up a test
    database, have their own changes rolled back as usual. After the module the database is
    flushed, as it is after a transactional test, so no other module sees the world.
    """
    from django.core.management import call_command

    with django_db_blocker.unblock():
        try:
            yield
        finally:
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def module_live_server(module_db: None) -> Iterator[Any]:
    """A live server over a module's shared world, for page tests that only read it.

    pytest-django's ``live_server`` makes each test that uses it transactional, flushing the
    database after the test, so a world it serves must be built again for every test.
    """
    from django.test.utils import modify_settings
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("localhost")
    try:
        with modify_settings(ALLOWED_HOSTS={"append": "localhost"}):
            yield server
    finally:
        server.stop()


# --- Browser -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium per test session (per xdist worker); each test gets its own context."""
    if not os.path.exists(CHROMIUM):
        message = f"Debian's chromium is not installed at {CHROMIUM} (make test installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1024, "height": 768}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
