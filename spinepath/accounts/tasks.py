"""Background tasks of the accounts app: forgetting old submission claims."""

from __future__ import annotations

from django_tasks import task

from spinepath.accounts.idempotency import purge


@task()
def purge_submission_claims() -> int:
    """Delete submission tokens and Idempotency-Keys older than their keeping time (the API
    replay copies held with them included); on the worker's periodic schedule."""
    return purge()
