"""A FHIR Bulk Data export of one clinic: requested by an administrator, run by the worker."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone

from spinepath.accounts.models import Clinic


class ExportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Running"
        COMPLETE = "complete", "Ready to download"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    request_url = models.CharField(max_length=500, blank=True)
    types = models.JSONField(default=list, help_text="Resource types asked for, in file order.")
    since = models.DateTimeField(
        null=True, blank=True, help_text="_since: only resources changed after this instant."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    output = models.JSONField(
        default=list, blank=True, help_text='Files written: [{"type": …, "count": …}].'
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["clinic", "-requested_at"])]

    def __str__(self) -> str:
        return f"FHIR export {self.pk} ({self.get_status_display()})"

    @property
    def directory(self) -> Path:
        return Path(settings.SPINEPATH_FHIR_EXPORT_DIR) / str(self.pk)

    @property
    def done(self) -> bool:
        return self.status in (self.Status.COMPLETE, self.Status.FAILED)
