"""One lock per patient, for every workflow whose safety check reads what it is about to change.

The steroid checks count the patient's injections and then a new one is written; without a lock,
ten simultaneous recordings each see the same history and all pass. A workflow that checks and
writes calls ``lock_patient`` first thing inside its ``transaction.atomic()`` block, and makes
every check after it:

* PostgreSQL: ``SELECT … FOR UPDATE`` on the patient's row, held until the transaction ends, so a
  second workflow for the same patient waits at this line and then sees the first one's writes;
* SQLite: every transaction is ``BEGIN IMMEDIATE`` (settings), which takes the database's write
  lock before the first read, so transactions that write are already one at a time.

Other patients are not held up on PostgreSQL; on SQLite everything that writes queues briefly.

A workflow that only needs the lock, not the patient's row, calls ``hold_patient``: the same lock
on PostgreSQL (one plain ``SELECT 1 … FOR UPDATE``, no model built), and on SQLite no statement
at all, since the transaction already holds the database's write lock.
"""

from __future__ import annotations

import uuid

from django.db import connections, router, transaction

from spinepath.patients.models import Patient


class LockOutsideTransaction(RuntimeError):
    """``lock_patient`` was called outside ``transaction.atomic()``: it would lock nothing."""


def lock_patient(patient: Patient | uuid.UUID | str) -> Patient:
    """Lock ``patient`` until the current transaction ends; return it fresh from the database."""
    if not transaction.get_connection().in_atomic_block:
        raise LockOutsideTransaction("lock_patient must be called inside transaction.atomic().")
    pk = patient.pk if isinstance(patient, Patient) else patient
    return Patient.objects.select_for_update().get(pk=pk)


def hold_patient(patient: Patient | uuid.UUID | str) -> None:
    """Lock ``patient`` until the current transaction ends, without reading the row back."""
    using = router.db_for_write(Patient)
    connection = connections[using]
    if not connection.in_atomic_block:
        raise LockOutsideTransaction("hold_patient must be called inside transaction.atomic().")
    if not connection.features.has_select_for_update:
        # SQLite: BEGIN IMMEDIATE took the database's write lock when the transaction began.
        return
    pk = patient.pk if isinstance(patient, Patient) else patient
    meta, quote = Patient._meta, connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            # SQL names from the models, quoted (bandit B608).
            f"SELECT 1 FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s FOR UPDATE",  # nosec B608
            [meta.pk.get_db_prep_value(pk, connection)],
        )
        if cursor.fetchone() is None:
            raise Patient.DoesNotExist(f"No patient {pk} to lock.")
