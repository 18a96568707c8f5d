"""Background tasks of the analytics app (run by ``manage.py run_worker`` like every task)."""

from __future__ import annotations

from django_tasks import task

from spinepath.analytics.summary import refresh_summary


@task()
def refresh_outcome_summary() -> int:
    """Rebuild the dashboard's summary tables from the outcome facts (``summary.py``)."""
    return refresh_summary()


def enqueue_refresh() -> bool:
    """Ask the worker for a refresh unless one is already waiting; True when enqueued. (One
    running may have read the facts before the latest change, so a running one does not count.)"""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=refresh_outcome_summary.module_path, status="READY"
    ).exists()
    if waiting:
        return False
    refresh_outcome_summary.enqueue()
    return True
