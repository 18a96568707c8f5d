"""A patient's rehabilitation programme, its exercises, and the log of sessions done.

The programme is built from the core's proposal (``clinical.rehab.propose_programme``) and then
edited by a physiotherapist; the exercises are codes of the core's library, so their words stay
in one versioned file. The adherence log is what the patient's secure page writes (done, pain
during 0-10); the physiotherapist reads it week by week.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from spinepath.clinical.coding import condition_choices
from spinepath.clinical.rehab import BY_CODE, LIBRARY, PHASES, Exercise, Phase, phase_for_day
from spinepath.clinical.vocab import Condition
from spinepath.lib.validation import QuickValidation
from spinepath.patients.models import Episode, EpisodeRecord

PHASE_CHOICES = [(p.value, f"{p.value}. {PHASES[p].name} ({PHASES[p].when})") for p in Phase]
EXERCISE_CHOICES = [(e.code, e.name) for e in LIBRARY]


class StartBack(models.TextChoices):
    LOW = "low", "Low risk"
    MEDIUM = "medium", "Medium risk"
    HIGH = "high", "High risk"


class Programme(EpisodeRecord, QuickValidation, models.Model):
    """One rehabilitation programme for one episode, counted from the day of the injection."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="rehab_programmes")
    condition = models.CharField(max_length=40, choices=condition_choices())
    start_back_risk = models.CharField(
        "STarT Back risk", max_length=10, choices=StartBack.choices, blank=True
    )
    injection_date = models.DateField(help_text="Day 0 of the programme's phases.")
    library_version = models.CharField(max_length=40)
    notes = models.TextField(blank=True, help_text="For the patient: shown on the printout.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    weeks_summarised = models.PositiveSmallIntegerField(
        default=0,
        help_text="Weeks since the injection whose adherence the timeline already summarises.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Programme {self.pk} from {self.injection_date}"

    def clean(self) -> None:
        made_on = timezone.localdate(self.created_at)
        if self.injection_date and self.injection_date > made_on:
            raise ValidationError(
                {"injection_date": "The injection date cannot be after the programme is made."}
            )

    @property
    def condition_code(self) -> Condition:
        return Condition(self.condition)

    def day_on(self, on: dt.date) -> int:
        """Days since the injection on ``on`` (0 on the day; never below 0)."""
        return max(0, (on - self.injection_date).days)

    def phase_on(self, on: dt.date) -> Phase:
        return phase_for_day(self.day_on(on))

    def exercise_codes(self) -> set[str]:
        """The codes of the programme's exercises (its prefetched items when it holds them)."""
        return {item.exercise_code for item in self.items.all()}

    def items_for_phase(self, phase: Phase) -> list[ProgrammeItem]:
        return [item for item in self.items.all() if item.phase == phase]


class ProgrammeItem(QuickValidation, models.Model):
    """One exercise in one phase of a programme, with the physiotherapist's dosage if changed."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="items")
    phase = models.PositiveSmallIntegerField(choices=PHASE_CHOICES)
    exercise_code = models.CharField(max_length=40, choices=EXERCISE_CHOICES)
    position = models.PositiveSmallIntegerField(default=0)
    dosage = models.CharField(
        max_length=200, blank=True, help_text="Leave blank for the library's dosage."
    )

    class Meta:
        ordering = ["phase", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "phase", "exercise_code"], name="one_exercise_once_a_phase"
            )
        ]

    def __str__(self) -> str:
        return f"{self.exercise.name} (phase {self.phase})"

    @property
    def exercise(self) -> Exercise:
        return BY_CODE[self.exercise_code]

    @property
    def dosage_shown(self) -> str:
        return self.dosage or self.exercise.dosage

    def clean(self) -> None:
        exercise = BY_CODE.get(self.exercise_code)
        if exercise is None:
            return  # the field's choices name the problem
        errors: dict[str, Any] = {}
        if self.phase not in {p.value for p in exercise.phases}:
            errors["phase"] = f"{exercise.name} is not an exercise for phase {self.phase}."
        condition = Condition(self.programme.condition)
        if not exercise.suits(condition):
            errors["exercise_code"] = (
                f"{exercise.name} is not used for this patient's condition "
                f"({self.programme.get_condition_display()})."
            )
        if errors:
            raise ValidationError(errors)


class AdherenceLog(QuickValidation, models.Model):
    """One session of one exercise, as the patient (or staff for them) logged it."""

    class Source(models.TextChoices):
        PATIENT = "patient", "Patient"
        STAFF = "staff", "Staff"

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="adherence")
    exercise_code = models.CharField(max_length=40, choices=EXERCISE_CHOICES)
    on = models.DateField("date")
    done = models.BooleanField()
    pain_during = models.PositiveSmallIntegerField(
        "pain during (0-10)",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.exercise_code} on {self.on}: {'done' if self.done else 'not done'}"

    @property
    def patient_id(self) -> Any:
        return self.programme.episode.patient_id

    @property
    def clinic_id(self) -> int:
        return self.programme.clinic_id

    def clean(self) -> None:
        errors: dict[str, str] = {}
        programme = self.programme
        if self.on and self.on < programme.injection_date:
            errors["on"] = "A session cannot be logged before the injection."
        elif self.on and self.on > timezone.localdate(self.recorded_at):
            errors["on"] = "A session cannot be logged for a day that has not come yet."
        if self.exercise_code and self.exercise_code not in programme.exercise_codes():
            errors["exercise_code"] = "This exercise is not in the patient's programme."
        if self.pain_during is not None and not self.done:
            errors["pain_during"] = "Pain during an exercise is given only for a session done."
        if self.source == self.Source.STAFF and self.recorded_by_id is None:
            errors["recorded_by"] = "A log entered by staff names who entered it."
        if errors:
            raise ValidationError(errors)


class LeafletGiven(EpisodeRecord, models.Model):
    """Which version of a leaflet a patient was given, and when: the aftercare leaflet is given
    when the procedure is recorded (the procedures hook). The words are rebuilt from the
    versioned wording on demand; this row says which version was in force."""

    class Kind(models.TextChoices):
        AFTERCARE = "aftercare", "Aftercare leaflet"

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="leaflets_given")
    procedure = models.ForeignKey(
        "procedures.ProcedureRecord", on_delete=models.PROTECT, related_name="leaflets_given"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    version = models.CharField(max_length=40)
    given_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-given_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "kind"], name="one_leaflet_of_a_kind_per_procedure"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.version}) for procedure {self.procedure_id}"
