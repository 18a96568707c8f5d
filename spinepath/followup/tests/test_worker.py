"""The background worker: django-tasks with its database backend, running the sender."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from spinepath.followup import sending
from spinepath.followup.management.commands.run_worker import enqueue_unless_waiting
from spinepath.followup.models import MessageLog
from spinepath.followup.tasks import send_followups
from spinepath.followup.tests.factories import make_time_point

# Committed transactions, as in production: the worker loop closes and reopens its database
# connection between tasks, which a test wrapped in one transaction would not survive.
pytestmark = pytest.mark.django_db(transaction=True)


def run_worker_until_idle() -> None:
    call_command("run_worker", "--batch", "--no-startup-delay", verbosity=0)


def test_the_schedule_enqueues_one_sender_and_the_worker_runs_it(smtp, clinic_a):
    make_time_point(clinic_a, due_on=timezone.localdate() - timedelta(days=1))
    assert enqueue_unless_waiting() is True
    assert enqueue_unless_waiting() is False  # one already waiting: not a second
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    run_worker_until_idle()
    result = DBTaskResult.objects.get()
    assert result.status == "SUCCESSFUL" and result.task_path == send_followups.module_path
    assert result.return_value["sent"] == 1
    assert len(smtp.arrived) == 1 and MessageLog.objects.get().status == "sent"
    # The next tick enqueues again; the run finds nothing new to send.
    assert enqueue_unless_waiting() is True
    run_worker_until_idle()
    assert len(smtp.arrived) == 1


def test_a_staff_resend_is_sent_by_the_worker(
    smtp, clinic_a, clinician_a, django_capture_on_commit_callbacks: Any
):
    time_point = make_time_point(clinic_a, due_on=timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        sending.resend_link(time_point, by=clinician_a)
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    run_worker_until_idle()
    assert len(smtp.arrived) == 1 and "new link" in smtp.arrived[0].body
    # The invitation also fell due this morning; the resend replaces it rather than doubling up.
    assert list(MessageLog.objects.values_list("kind", "status")) == [("resend", "sent")]


def test_the_schedule_enqueues_the_booking_reminders_too():
    from spinepath.followup.management.commands.run_worker import periodic_tasks
    from spinepath.scheduling.tasks import send_booking_reminders

    paths = [task.module_path for task in periodic_tasks()]
    assert paths[0] == send_followups.module_path
    assert send_booking_reminders.module_path in paths
    assert enqueue_unless_waiting(send_booking_reminders) is True
    assert enqueue_unless_waiting(send_booking_reminders) is False
    run_worker_until_idle()
    result = DBTaskResult.objects.get(task_path=send_booking_reminders.module_path)
    assert result.status == "SUCCESSFUL" and result.return_value == 0
