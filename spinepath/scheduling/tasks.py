"""Background tasks (django-tasks, as ``followup.tasks``): the booking emails."""

from __future__ import annotations

from django_tasks import task

from spinepath.scheduling import messages


@task()
def send_booking_instructions(booking_id: int) -> bool:
    """Email the link to a new booking's instructions; enqueued when the booking commits."""
    return messages.send_instructions(booking_id)


@task()
def send_booking_reminders() -> int:
    """Send the reminders due two days before each session; safe to run any number of times."""
    return messages.send_due()
