"""Simultaneous recordings for one patient: the steroid checks see each other (issue 7, item 2).

Ten requests start together, each in its own thread with its own database connection, as ten
web workers would. Before the lock, every one read the same (empty) history, passed the steroid
checks and was stored; now the checks and the write share a transaction holding the patient's
lock, so one is stored and the others see it.

Run on PostgreSQL too: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name> pytest <this>``.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from spinepath.accounts.models import ApiToken, User
from spinepath.patients.locks import LockOutsideTransaction, hold_patient, lock_patient
from spinepath.procedures.models import ProcedureRecord
from spinepath.testing import procedure_fields, ready_for_procedure

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 10


@contextmanager
def worker_database(tmp_path: Path) -> Iterator[dict[str, Any] | None]:
    """Settings for each worker thread's own connection (``None``: the test database as is).

    The SQLite test database lives in memory with a shared cache, where a second writer fails at
    once ("database table is locked") instead of waiting as it does on a database file. So on
    SQLite the test's data is copied to a file and each worker connects to that file with the
    project's settings (WAL, IMMEDIATE transactions, busy timeout): the production set-up.
    """
    if connection.vendor != "sqlite":
        yield None
        return
    connection.ensure_connection()
    path = tmp_path / "workers.sqlite3"
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    # The copy keeps the in-memory database's journal mode; switch it to WAL once, here, so the
    # workers' connections do not race each other to switch it (one could lose and be told
    # "database is locked" at once, without waiting).
    target.execute("PRAGMA journal_mode=WAL")
    target.close()
    yield {**connection.settings_dict, "NAME": str(path)}


def in_threads(
    database: dict[str, Any] | None, work: Callable[[int], Any], n: int = THREADS
) -> list[Any]:
    """Run ``work(i)`` in ``n`` threads released together; each result or the exception raised."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    wrapper = type(connections["default"])

    def worker(i: int) -> None:
        if database is not None:
            connections["default"] = wrapper(database, "default")
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each worker got
            results[i] = exc
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def stored_procedures(database: dict[str, Any] | None, episode: Any) -> list[dict[str, Any]]:
    """The procedure records as the workers' database has them."""
    rows = in_threads(
        database,
        lambda _: list(
            ProcedureRecord.objects.filter(episode_id=episode.pk).values(
                "steroid_dose_mg", "steroid_check"
            )
        ),
        n=1,
    )[0]
    assert not isinstance(rows, Exception), rows
    return rows


def _post(token: str, episode: Any, body: dict[str, Any], **headers: str) -> Any:
    client = Client()
    return client.post(
        f"/api/v1/episodes/{episode.pk}/procedures",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", **headers},
    )


def _token(user: User) -> str:
    return ApiToken.objects.issue(user, name="concurrency")[1]


def test_ten_simultaneous_steroid_injections_store_one_and_the_steroid_check_refuses_nine(
    tmp_path, episode_a, clinician_a
):
    """Ten different doses (so none is a repeat of another): only the steroid checks stop them.

    Before: all ten stored with status "ok" (426.7 mg methylprednisolone-equivalent in a day).
    """
    ready_for_procedure(episode_a, clinician_a)
    token = _token(clinician_a)
    with worker_database(tmp_path) as database:
        responses = in_threads(
            database,
            lambda i: _post(
                token,
                episode_a,
                procedure_fields(steroid_dose_mg=8 - i * 0.1, performed_at=None),
            ),
        )
        stored = stored_procedures(database, episode_a)

    codes = sorted(getattr(r, "status_code", repr(r)) for r in responses)
    assert codes == [201] + [422] * (THREADS - 1), [getattr(r, "content", r) for r in responses]
    refused = [r.json() for r in responses if r.status_code == 422]
    assert all(body["detail"][0]["field"] == "steroid_override_reason" for body in refused)
    assert all("STEROID_INTERVAL_TOO_SHORT" in body["detail"][0]["msg"] for body in refused)
    assert len(stored) == 1 and stored[0]["steroid_check"]["status"] == "ok"


def test_a_double_click_or_retry_stores_one_record(tmp_path, episode_a, clinician_a):
    """The same request ten times at once: with its Idempotency-Key each gets the one record."""
    ready_for_procedure(episode_a, clinician_a)
    token = _token(clinician_a)
    body = procedure_fields(steroid="", steroid_dose_mg=None)  # no steroid: no steroid check
    with worker_database(tmp_path) as database:
        responses = in_threads(
            database, lambda i: _post(token, episode_a, body, **{"Idempotency-Key": "abc-123"})
        )
        stored = stored_procedures(database, episode_a)

    codes = sorted(getattr(r, "status_code", repr(r)) for r in responses)
    assert codes == [201] * THREADS, [getattr(r, "content", r) for r in responses]
    replayed = [r for r in responses if r.headers.get("Idempotent-Replayed") == "true"]
    assert len(replayed) == THREADS - 1  # the first answer, given again
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(stored) == 1


def test_the_same_injection_sent_again_without_a_key_is_refused(tmp_path, episode_a, clinician_a):
    """No key (a plain retry): an identical injection for the episode minutes apart is a 409."""
    ready_for_procedure(episode_a, clinician_a)
    token = _token(clinician_a)
    body = procedure_fields(steroid="", steroid_dose_mg=None)
    with worker_database(tmp_path) as database:
        responses = in_threads(database, lambda i: _post(token, episode_a, body))
        stored = stored_procedures(database, episode_a)

    codes = sorted(getattr(r, "status_code", repr(r)) for r in responses)
    assert codes == [201] + [409] * (THREADS - 1), [getattr(r, "content", r) for r in responses]
    assert all("already recorded" in r.json()["detail"] for r in responses if r.status_code == 409)
    assert len(stored) == 1


def test_the_lock_is_refused_outside_a_transaction(patient_a):
    with pytest.raises(LockOutsideTransaction):
        lock_patient(patient_a)


def test_hold_is_refused_outside_a_transaction_and_locks_without_reading_the_row(patient_a):
    with pytest.raises(LockOutsideTransaction):
        hold_patient(patient_a)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        hold_patient(patient_a.pk)
    if connection.vendor == "sqlite":  # BEGIN IMMEDIATE already holds the write lock
        assert [q["sql"] for q in queries if "patients_patient" in q["sql"]] == []
    else:
        [locked] = [q["sql"] for q in queries if "patients_patient" in q["sql"]]
        assert locked.startswith("SELECT 1 ") and locked.endswith("FOR UPDATE")
