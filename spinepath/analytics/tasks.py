"""Background tasks of the analytics app (run by ``manage.py run_worker`` like every task)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django_tasks import task

from spinepath.analytics.facts import rebuild_pending
from spinepath.analytics.summary import refresh_summary

KEEP_RESULTS = timedelta(days=1)
"""How long a successful rebuild's task row is kept: one is left per burst of answers, so they
would otherwise pile up by the thousand; a failed one stays for someone to read."""


@task()
def refresh_outcome_summary() -> int:
    """Rebuild the dashboard's summary tables from the outcome facts (``summary.py``)."""
    return refresh_summary()


def enqueue_refresh() -> bool:
    """Ask the worker for a refresh unless one is already waiting; True when enqueued. (One
    running may have read the facts before the latest change, so a running one does not count.)"""
    return _enqueue_unless_waiting(refresh_outcome_summary)


@task()
def rebuild_pending_outcomes() -> int:
    """Count the follow-up answers waiting in ``PendingAnswer`` into the outcome facts
    (``facts.rebuild_pending``); returns the number of procedures rebuilt."""
    from django_tasks_db.models import DBTaskResult

    rebuilt = rebuild_pending()
    DBTaskResult.objects.successful().filter(
        task_path=rebuild_pending_outcomes.module_path,
        finished_at__lt=timezone.now() - KEEP_RESULTS,
    ).delete()
    return rebuilt


def enqueue_rebuild() -> bool:
    """Ask the worker to count the waiting answers unless a task is already waiting to start;
    True when enqueued. Called in the submission's transaction, after its ``PendingAnswer`` row
    (``facts._wait_for_submissions`` says why that order). A running task may have listed the
    rows before this one, so only a waiting (READY) task counts."""
    return _enqueue_unless_waiting(rebuild_pending_outcomes)


def _enqueue_unless_waiting(work: Any) -> bool:
    """Enqueue ``work`` unless a task of it is waiting to start (READY); True when enqueued."""
    from django_tasks_db.models import DBTaskResult

    if DBTaskResult.objects.filter(task_path=work.module_path, status="READY").exists():
        return False
    work.enqueue()
    return True


def rebuild_queued() -> bool:
    """A rebuild task is waiting or running: the answers waiting will be counted."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=rebuild_pending_outcomes.module_path, status__in=("READY", "RUNNING")
    ).exists()
