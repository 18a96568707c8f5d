"""The background worker: django-tasks-db's ``db_worker``, plus the schedule of periodic tasks.

django-tasks has no periodic tasks of its own, so this command starts one small thread beside
the worker loop that enqueues each task named in ``SPINEPATH_PERIODIC_TASKS`` (the follow-up
sender, the booking reminders) every ``SPINEPATH_FOLLOWUP_SEND_EVERY_SECONDS``, unless one is
already waiting or running; the worker loop then runs them like any other task. The tasks are
named by dotted path in the settings, so an app above this one in the layers (scheduling) adds its
own without this module importing it.
One process holds both, so ``make run`` starts one command beside the web server and stops it with
the server. A second worker is safe: the sender claims each message with a conditional update.
There is no auto-reload (it would run two schedules); restart the worker after code changes.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from spinepath.followup.tasks import send_followups

logger = logging.getLogger(__name__)

WAITING = ("READY", "RUNNING")
KEEP_RESULTS = timedelta(days=7)


def periodic_tasks() -> list[Any]:
    """The tasks the schedule enqueues, from ``SPINEPATH_PERIODIC_TASKS`` (the follow-up sender
    first, whatever the setting says: follow-up is what the worker was made for)."""
    tasks: list[Any] = [send_followups]
    for path in settings.SPINEPATH_PERIODIC_TASKS:
        found = import_string(path)
        if found.module_path not in {t.module_path for t in tasks}:
            tasks.append(found)
    return tasks


def enqueue_unless_waiting(task: Any = send_followups) -> bool:
    """Enqueue ``task`` unless one is already queued or running; True when enqueued."""
    pending = DBTaskResult.objects.filter(task_path=task.module_path, status__in=WAITING).exists()
    if pending:
        return False
    task.enqueue()
    return True


def prune_old_results() -> int:
    """Forget the periodic tasks' successful runs after a week (one every few minutes adds up);
    failed runs stay for someone to read."""
    deleted, _ = (
        DBTaskResult.objects.successful()
        .filter(
            task_path__in=[t.module_path for t in periodic_tasks()],
            finished_at__lt=timezone.now() - KEEP_RESULTS,
        )
        .delete()
    )
    return deleted


def worker_id_here() -> str:
    """``spinepath:<host>:<pid>:<random>``: whoever finds a task this worker claimed can tell
    whether the worker still lives (same host, pid alive)."""
    from django.utils.crypto import get_random_string

    return f"spinepath:{socket.gethostname()[:30]}:{os.getpid()}:{get_random_string(6)}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def reclaim_abandoned() -> int:
    """Put back to READY every task a dead worker on this machine left RUNNING.

    A worker killed inside a task (power cut, OOM killer, SIGKILL) leaves its task RUNNING for
    ever: the schedule then sees a periodic task "already waiting" and never enqueues it again,
    so follow-ups would silently stop. The task's own writes died with the worker's database
    transaction, so running it again is what finishes the work; every task here is safe to run
    twice (the sender claims each message; refreshes rebuild). Tasks claimed by workers on
    other machines, or by workers whose id does not say where they run, are left alone.
    """
    host = socket.gethostname()[:30]
    reclaimed = 0
    for result in DBTaskResult.objects.running().only("id", "worker_ids"):
        worker = (result.worker_ids or [""])[-1]
        parts = worker.split(":")
        if len(parts) != 4 or parts[0] != "spinepath" or parts[1] != host:
            continue
        if not parts[2].isdigit() or _alive(int(parts[2])):
            continue
        reclaimed += DBTaskResult.objects.filter(id=result.id, status="RUNNING").update(
            status="READY", started_at=None
        )
        logger.warning(
            "Re-queued task %s: its worker (pid %s) died while running it", result.id, parts[2]
        )
    return reclaimed


class Schedule(threading.Thread):
    """Enqueues each periodic task now and then every ``every`` seconds until stopped."""

    def __init__(self, every: float) -> None:
        super().__init__(name="followup-schedule", daemon=True)
        self.every = every
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                reclaim_abandoned()
                for task in periodic_tasks():
                    if enqueue_unless_waiting(task):
                        logger.info("Enqueued %s", task.module_path)
                prune_old_results()
            except Exception:  # a database hiccup must not stop the schedule
                logger.exception("Could not enqueue the periodic tasks")
            finally:
                connection.close()
            self.stopped.wait(self.every)


class ScheduledWorker(Worker):
    """db_worker's loop, with the follow-up schedule beside it."""

    def __init__(self, *, send_every: float, managed: bool, **options: Any) -> None:
        super().__init__(**options)
        self.send_every = send_every
        self.managed = managed

    def configure_signals(self) -> None:
        super().configure_signals()
        if self.managed:
            # Ctrl-C in a terminal reaches every process of ``make run``; the worker leaves it to
            # make, which stops it with one SIGTERM: the task in hand finishes, then it exits.
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    def run(self) -> None:
        reclaim_abandoned()
        if self.send_every > 0 and not self.batch:
            Schedule(self.send_every).start()
        super().run()


class Command(DbWorkerCommand):
    help = "Run the background worker and enqueue the follow-up sender on a schedule."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        # Our own default id says where the worker runs, so a dead worker's task can be re-run.
        parser.set_defaults(worker_id=None)
        parser.add_argument(
            "--send-every",
            type=float,
            default=None,
            help="Seconds between follow-up sends (default: SPINEPATH_FOLLOWUP_SEND_EVERY_SECONDS;"
            " 0 turns the schedule off).",
        )
        parser.add_argument(
            "--managed",
            action="store_true",
            help="Ignore Ctrl-C and stop on SIGTERM only (make run stops the worker itself).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        every = options["send_every"]
        if every is None:
            every = float(settings.SPINEPATH_FOLLOWUP_SEND_EVERY_SECONDS)
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ScheduledWorker(
            send_every=every,
            managed=options["managed"],
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"] or worker_id_here(),
            excluded_queue_names=excluded,
        )
        # No auto-reload: a reloading parent and child would each run a schedule.
        worker.configure_signals()
        try:
            worker.run()
        finally:
            worker.reset_signals()
