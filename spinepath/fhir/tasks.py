"""Background tasks of the FHIR app (run by ``manage.py run_worker`` like every task)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from spinepath.fhir import export


@task()
def run_export(job_id: str) -> dict[str, Any]:
    """Write one Bulk Data export's NDJSON files (``export.export_run``)."""
    return export.export_run(job_id)
