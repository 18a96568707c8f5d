"""Background tasks (django-tasks; the database backend here, RQ or Celery backends later run
the same code unchanged)."""

from __future__ import annotations

from django_tasks import task

from spinepath.followup import sending


@task()
def send_followups() -> dict[str, int]:
    """Send every invitation, reminder and resend due now, and retry failures whose wait is over.

    Enqueued on a schedule by ``manage.py run_worker`` and at once by a staff resend; safe to run
    any number of times (``sending.send_due``)."""
    return sending.send_due().as_dict()
