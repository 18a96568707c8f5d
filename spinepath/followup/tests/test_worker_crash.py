"""The worker killed inside a task leaves no partial record, and the next worker runs the task
again: it finds the task its dead predecessor left RUNNING and puts it back in the queue.

Real processes on a database file (the test database of the suite lives in memory on SQLite and
in a transaction elsewhere, out of another process's reach).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

SHELL_COUNTS = (
    "from spinepath.accounts.models import Clinic; from django_tasks_db.models import DBTaskResult;"
    "print(Clinic.objects.filter(code='task').count(),"
    " ','.join(r.status for r in DBTaskResult.objects.all()))"
)


def _env(database: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG")}
    return keep | {"DATABASE_URL": f"sqlite:///{database}", "DEBUG": "1"}


def _manage(database: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=_env(database),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def _worker(database: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "run_worker",
            "--send-every",
            "0",
            "--interval",
            "0.1",
            "--no-startup-delay",
            *args,
        ],
        cwd=settings.BASE_DIR,
        env=_env(database),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_worker_killed_inside_a_task_leaves_nothing_and_the_task_runs_again(tmp_path):
    database, signal_file = tmp_path / "worker.sqlite3", tmp_path / "signal"
    signal_file.write_text("")
    _manage(database, "migrate", "--no-input", "-v0")
    _manage(
        database,
        "shell",
        "-c",
        "from spinepath.followup.tests.half_done import write_then_wait;"
        f"write_then_wait.enqueue({str(signal_file)!r})",
    )

    worker = _worker(database)
    deadline = time.monotonic() + 120
    while signal_file.read_text() != "inside":
        assert worker.poll() is None, worker.stdout.read() if worker.stdout else ""
        assert time.monotonic() < deadline, "the task never started"
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)  # no clean-up of any kind, as a power cut
    worker.wait(timeout=30)
    assert _manage(database, "shell", "-c", SHELL_COUNTS) == "0 RUNNING"

    signal_file.write_text("go on")
    again = _worker(database, "--batch")
    output, _ = again.communicate(timeout=120)
    assert again.returncode == 0, output
    assert _manage(database, "shell", "-c", SHELL_COUNTS) == "1 SUCCESSFUL"
