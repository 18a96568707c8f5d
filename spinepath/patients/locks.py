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
"""

from __future__ import annotations

import uuid

from django.db import transaction

from spinepath.patients.models import Patient


class LockOutsideTransaction(RuntimeError):
    """``lock_patient`` was called outside ``transaction.atomic()``: it would lock nothing."""


def lock_patient(patient: Patient | uuid.UUID | str) -> Patient:
    """Lock ``patient`` until the current transaction ends; return it fresh from the database."""
    if not transaction.get_connection().in_atomic_block:
        raise LockOutsideTransaction("lock_patient must be called inside transaction.atomic().")
    pk = patient.pk if isinstance(patient, Patient) else patient
    return Patient.objects.select_for_update().get(pk=pk)
