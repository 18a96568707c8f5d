"""Registering a patient: the one path for the page, the API, the demo and the tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent, User
from spinepath.patients.models import Patient


def patient_register(
    request: HttpRequest | None,
    *,
    patient: Patient,
    by: User | None,
    changed_fields: Iterable[str] = (),
    at: datetime | None = None,
) -> Patient:
    """Save the unsaved ``patient`` of ``patient.clinic`` and audit the creation, both dated ``at``.

    Validated by the model first (``full_clean``, so the date of birth is judged against the day
    of registration, not the wall clock); a concurrent registration of the same NHS number or MRN
    raises the same ``ValidationError`` a form shows, and nothing is saved.
    """
    at = at or timezone.now()
    patient.created_at = at
    patient.full_clean()
    with transaction.atomic():
        patient.save_or_explain()
        audit.record(
            request,
            AuditEvent.Action.CREATE,
            patient,
            changed_fields=changed_fields,
            user=by,
            at=at,
        )
    return patient
