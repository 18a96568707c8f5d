"""Questionnaire answers, whoever gave them, and a clinic's licensed wording.

One response model serves the baseline (entered by staff in clinic, or by the patient beforehand)
and follow-up (answered by the patient from a link): raw answers are kept alongside the score, the
instrument version and who entered them, so a score can always be recomputed and explained.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from spinepath.clinical import instruments
from spinepath.clinical.instruments import INSTRUMENTS
from spinepath.patients.models import PatientRecord


def instrument_choices() -> list[tuple[str, str]]:
    return [(code, instrument.name) for code, instrument in INSTRUMENTS.items()]


class QuestionnaireResponse(PatientRecord, models.Model):
    class Source(models.TextChoices):
        STAFF = "staff", "Entered by staff"
        PATIENT = "patient", "Answered by the patient"

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        ENTERED_IN_ERROR = "entered_in_error", "Entered in error"

    class Context(models.TextChoices):
        BASELINE = "baseline", "Baseline"
        FOLLOW_UP = "follow_up", "Follow-up"
        DAY_OF_PROCEDURE = "day_of_procedure", "Day of procedure"

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="questionnaire_responses"
    )
    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="questionnaire_responses"
    )
    assessment = models.ForeignKey(
        "assessment.Assessment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="questionnaires",
    )
    instrument = models.CharField(max_length=20, choices=instrument_choices())
    instrument_version = models.CharField(max_length=40)
    context = models.CharField(max_length=20, choices=Context.choices, default=Context.BASELINE)
    answers = models.JSONField(default=dict)
    score = models.FloatField(null=True, blank=True)
    band = models.CharField(max_length=30, blank=True)
    subscores = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.COMPLETED)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-completed_at", "-created_at"]
        indexes = [models.Index(fields=["episode", "instrument"])]

    def __str__(self) -> str:
        return f"{self.instrument} {self.score}"

    @property
    def instrument_name(self) -> str:
        return INSTRUMENTS[self.instrument].name

    @property
    def band_label(self) -> str:
        return self.band.replace("_", " ")

    def apply_score(self) -> None:
        """Score the raw answers; raises ``instruments.NotScorable`` naming the bad field."""
        result = instruments.score(self.instrument, self.answers)
        self.instrument_version = result.version
        self.score = result.score
        self.band = result.band or ""
        self.subscores = dict(result.subscores)

    @classmethod
    def scored(cls, **fields: Any) -> QuestionnaireResponse:
        response = cls(**fields)
        response.apply_score()
        return response


class LicensedWording(models.Model):
    """A clinic's licensed item wording for an instrument (ODI, RMDQ, STarT Back).

    Kept in the database, never in the repository: the licence belongs to the clinic.
    """

    instrument = models.CharField(max_length=20, unique=True, choices=instrument_choices())
    wording = models.JSONField()
    source_name = models.CharField(max_length=200, help_text="The file it was loaded from.")
    loaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Licensed wording for {self.instrument}"
