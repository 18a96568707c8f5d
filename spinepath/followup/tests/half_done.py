"""A task for the worker-crash test: it writes, then waits inside its transaction until told to
go on, so the test can kill the worker half-way through."""

from __future__ import annotations

import time
from pathlib import Path

from django.db import transaction
from django_tasks import task

from spinepath.accounts.models import Clinic


@task()
def write_then_wait(signal_file: str) -> str:
    signal = Path(signal_file)
    with transaction.atomic():
        Clinic.objects.create(name="Written by a task", code="task", phone="0113 496 0999")
        if signal.read_text() != "go on":
            signal.write_text("inside")
            while signal.read_text() == "inside":
                time.sleep(0.05)
    return "done"
