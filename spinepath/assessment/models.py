"""Baseline assessments and the suitability decisions made from them.

An assessment records what the clinician found, in columns (so it can be queried and edited); a
decision stores the exact facts object and rule-set version it was computed from, so it can be
re-run and explained years later even if the patient's record or the rules have changed since.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.utils import timezone

from spinepath.clinical.coding import procedure_choices
from spinepath.clinical.decision import Reason, reasons_to_justify_on_the_day
from spinepath.clinical.dose_limits import steroid_dose_problem
from spinepath.clinical.rules import rule_codes
from spinepath.clinical.vocab import Imaging, LocalAnaesthetic, Outcome, Steroid
from spinepath.lib.dates import day
from spinepath.lib.plausible import in_range, validate_finite
from spinepath.lib.prepared import Prepared
from spinepath.lib.validation import QuickValidation
from spinepath.patients.models import EpisodeRecord

# A procedure needs an assessment at most this old (followup.md: baseline within 6 weeks).
ASSESSMENT_VALID_FOR = timedelta(weeks=6)

IMAGING_CHOICES = [
    (Imaging.ULTRASOUND.value, "Ultrasound"),
    (Imaging.FLUOROSCOPY.value, "Fluoroscopy (X-ray)"),
    (Imaging.CT.value, "CT"),
]
INJECTABLE_STEROID_CHOICES = [
    (Steroid.METHYLPREDNISOLONE.value, "Methylprednisolone acetate"),
    (Steroid.TRIAMCINOLONE.value, "Triamcinolone acetonide"),
    (Steroid.DEXAMETHASONE.value, "Dexamethasone sodium phosphate (non-particulate)"),
    (Steroid.BETAMETHASONE.value, "Betamethasone"),
]
LOCAL_ANAESTHETIC_CHOICES = [(la.value, la.value.capitalize()) for la in LocalAnaesthetic]
OUTCOME_CHOICES = [(o.value, o.value.replace("_", " ").capitalize()) for o in Outcome]
REASON_CODE_CHOICES = [(code, code.replace("_", " ").capitalize()) for code in rule_codes()]


# Columns the form and the API take as they are (the plan, red flags, allergies and medication
# need translating between "not assessed" and a list, so they are handled by each door).
OBSERVATION_FIELDS = (
    "symptom_duration_weeks",
    "leg_pain_dominant",
    "neurogenic_claudication",
    "conservative_care_weeks",
    "inr",
    "platelets",
    "bleeding_disorder",
    "thrombotic_risk_high",
    "crcl_ml_min",
    "diabetes",
    "hba1c_mmol_mol",
    "pregnant",
    "immunosuppressed",
    "infection_systemic",
    "infection_local",
    "weight_kg",
    "mbb_date",
    "mbb_relief_percent",
    "notes",
)


class Assessment(EpisodeRecord, QuickValidation, models.Model):
    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="assessments"
    )
    assessed_on = models.DateField(default=timezone.localdate)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    # The plan being assessed.
    procedure = models.CharField(max_length=40, choices=procedure_choices())
    imaging = models.CharField(max_length=20, choices=IMAGING_CHOICES)
    steroid = models.CharField(max_length=30, choices=INJECTABLE_STEROID_CHOICES, blank=True)
    steroid_dose_mg = models.FloatField(
        "steroid dose (mg)", null=True, blank=True, validators=[validate_finite]
    )
    local_anaesthetic = models.CharField(
        max_length=30, choices=LOCAL_ANAESTHETIC_CHOICES, blank=True
    )

    # Red flags: ``red_flags_screened`` False means "not screened" (the rules defer).
    red_flags_screened = models.BooleanField(default=False)
    red_flags = models.JSONField(default=list, blank=True)

    # Symptoms and conservative care.
    symptom_duration_weeks = models.FloatField(
        null=True, blank=True, validators=in_range("duration_weeks")
    )
    leg_pain_dominant = models.BooleanField(null=True, blank=True)
    neurogenic_claudication = models.BooleanField(null=True, blank=True)
    conservative_care_weeks = models.FloatField(
        null=True, blank=True, validators=in_range("conservative_care_weeks")
    )

    # Safety facts; None everywhere means "not assessed", which is not "no".
    allergies_recorded = models.BooleanField(default=False)
    allergies = models.JSONField(default=list, blank=True)
    medication_recorded = models.BooleanField(default=False)
    antithrombotics = models.JSONField(
        default=list, blank=True, help_text="[{drug, hours_since_last_dose, indication}]"
    )
    inr = models.FloatField("INR", null=True, blank=True, validators=in_range("inr"))
    platelets = models.FloatField(
        "platelets (×10⁹/L)", null=True, blank=True, validators=in_range("platelets")
    )
    bleeding_disorder = models.BooleanField(null=True, blank=True)
    thrombotic_risk_high = models.BooleanField(
        "high clotting risk",
        null=True,
        blank=True,
        help_text="A mechanical heart valve, a coronary stent in the last 12 months or a clot in "
        "the last 3 months: the prescriber must agree any stop of an antithrombotic.",
    )
    crcl_ml_min = models.FloatField(
        "creatinine clearance (ml/min)",
        null=True,
        blank=True,
        validators=in_range("crcl_ml_min"),
        help_text="Below 50 ml/min the dabigatran hold is longer.",
    )
    diabetes = models.BooleanField(null=True, blank=True)
    hba1c_mmol_mol = models.FloatField(
        "HbA1c (mmol/mol)", null=True, blank=True, validators=in_range("hba1c_mmol_mol")
    )
    pregnant = models.BooleanField(null=True, blank=True)
    immunosuppressed = models.BooleanField(null=True, blank=True)
    infection_systemic = models.BooleanField(null=True, blank=True)
    infection_local = models.BooleanField("infection at the injection site", null=True, blank=True)
    weight_kg = models.FloatField(
        "weight (kg)", null=True, blank=True, validators=in_range("weight_kg")
    )
    mbb_date = models.DateField("last medial branch block", null=True, blank=True)
    mbb_relief_percent = models.FloatField(
        "relief from it (%)", null=True, blank=True, validators=in_range("relief_percent")
    )
    notes = models.TextField(blank=True, validators=[ProhibitNullCharactersValidator()])

    class Meta:
        ordering = ["-assessed_on", "-created_at"]

    def __str__(self) -> str:
        return f"Assessment on {day(self.assessed_on)}"

    def clean(self) -> None:
        """Consistency the rules rely on; the form and the API both get it through full_clean."""
        errors: dict[str, str] = {}
        if self.steroid and self.steroid_dose_mg is None:
            errors["steroid_dose_mg"] = "Give the steroid dose in mg."
        elif self.steroid and (dose := steroid_dose_problem(self.steroid, self.steroid_dose_mg)):
            errors["steroid_dose_mg"] = dose  # above 0, at most the drug's plausible dose
        if not self.steroid and self.steroid_dose_mg is not None:
            errors["steroid_dose_mg"] = "A dose is given but no steroid is chosen."
        if self.red_flags and not self.red_flags_screened:
            errors["red_flags_screened"] = "Red flags are ticked: confirm the screen."
        if self.allergies and not self.allergies_recorded:
            errors["allergies_recorded"] = "Allergies are ticked: confirm they were checked."
        # Intervals are measured back from the assessment date: a date after it would hide
        # recent injections from the checks (and the core refuses a block dated after it).
        # "Today" is the record's own day, so a saved assessment never becomes invalid later.
        recorded_on = timezone.localdate(self.created_at) if self.created_at else None
        born = self.episode.patient.date_of_birth if self.episode_id else None
        if self.assessed_on and recorded_on and self.assessed_on > recorded_on:
            errors["assessed_on"] = "The assessment cannot be dated in the future."
        elif self.assessed_on and born and self.assessed_on < born:
            errors["assessed_on"] = "Cannot be before the patient's date of birth."
        if self.assessed_on and self.mbb_date and self.mbb_date > self.assessed_on:
            errors["mbb_date"] = "The block cannot be dated after the assessment."
        elif self.mbb_date and born and self.mbb_date < born:
            errors["mbb_date"] = "Cannot be before the patient's date of birth."
        if (self.mbb_date is None) != (self.mbb_relief_percent is None):
            errors["mbb_relief_percent"] = "Give both the date and the relief of the block."
        for name in ("steroid_dose_mg",):
            value = getattr(self, name)
            if value is not None and value < 0:
                errors.setdefault(name, "Cannot be negative.")
        if self.diabetes is False and self.hba1c_mmol_mol is not None:
            errors["hba1c_mmol_mol"] = "HbA1c is given but diabetes is answered 'No'."
        if errors:
            raise ValidationError(errors)

    def is_current_on(self, day: date) -> bool:
        return self.assessed_on <= day <= self.assessed_on + ASSESSMENT_VALID_FOR

    @property
    def latest_decision(self) -> Decision | None:
        """``self.decisions.order_by("-evaluated_at", "-id").first()``, compiled once."""
        return _cached_on(_decision_reads()[0].first(assessment=self.pk), self)

    def decision_at_assessment(self) -> Decision | None:
        """The newest decision made at assessment (or re-evaluation), not a day-of re-run."""
        return _cached_on(_decision_reads()[1].first(assessment=self.pk), self)


class Decision(models.Model):
    """One evaluation of the rules, frozen: facts in, outcome and reasons out."""

    class Context(models.TextChoices):
        ASSESSMENT = "assessment", "At assessment"
        DAY_OF_PROCEDURE = "day_of_procedure", "On the day of the procedure"
        RE_EVALUATION = "re_evaluation", "Re-evaluated"

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="decisions")
    context = models.CharField(max_length=20, choices=Context.choices, default=Context.ASSESSMENT)
    evaluated_at = models.DateTimeField(default=timezone.now)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    facts = models.JSONField(help_text="The facts object exactly as evaluated.")
    ruleset_name = models.CharField(max_length=100)
    ruleset_version = models.CharField(max_length=40)
    ruleset_config = models.JSONField(default=dict, help_text="Thresholds in force.")
    outcome = models.CharField(max_length=30, choices=OUTCOME_CHOICES)
    reasons = models.JSONField(default=list)
    steroid = models.JSONField(null=True, blank=True)

    # Proceeding against a restrictive outcome needs a clinician's written reason.
    proceed_reason = models.TextField(blank=True, validators=[ProhibitNullCharactersValidator()])
    proceed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proceed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-evaluated_at", "-id"]
        indexes = [
            models.Index(fields=["outcome"]),
            models.Index(fields=["context", "outcome"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.ruleset_name} {self.ruleset_version})"

    def write_reason_rows(self) -> list[DecisionReason]:
        """One ``DecisionReason`` per reason of the stored JSON, in its order (call once, in the
        transaction that stores the decision)."""
        return DecisionReason.objects.bulk_create(
            DecisionReason(
                decision=self,
                position=position,
                code=reason["code"],
                outcome=reason["outcome"],
                action=reason.get("action") or "",
            )
            for position, reason in enumerate(self.reasons)
        )

    @property
    def patient_id(self) -> Any:
        return self.assessment.episode.patient_id

    @property
    def clinic_id(self) -> int:
        return self.assessment.episode.patient.clinic_id

    @property
    def outcome_enum(self) -> Outcome:
        return Outcome(self.outcome)

    @property
    def needs_reason_to_proceed(self) -> bool:
        return self.outcome_enum.overridable

    @property
    def blocks(self) -> bool:
        """The outcome can never be overridden (the core's ``Outcome.stops_pathway``)."""
        return self.outcome_enum.stops_pathway

    @property
    def cleared_to_proceed(self) -> bool:
        return not self.blocks and not self.reasons_still_to_justify()

    def reasons_still_to_justify(self) -> list[Reason]:
        """Restrictive reasons no clinician has yet written a reason to proceed against.

        A day-of-procedure re-run may still be covered by the reason written at assessment; the
        policy is the clinical core's ``reasons_to_justify_on_the_day``.
        """
        if self.proceed_reason or self.outcome_enum == Outcome.SUITABLE:
            return []
        reasons = [Reason.model_validate(r) for r in self.reasons]
        if self.context != Decision.Context.DAY_OF_PROCEDURE:
            return reasons
        earlier = self.assessment.decision_at_assessment()
        if earlier is None or not earlier.cleared_to_proceed:
            return reasons_to_justify_on_the_day(reasons)
        return reasons_to_justify_on_the_day(
            reasons,
            earlier_outcome=earlier.outcome_enum,
            earlier_reasons=[Reason.model_validate(r) for r in earlier.reasons],
        )


def _cached_on(decision: Decision | None, assessment: Assessment) -> Decision | None:
    if decision is not None:
        decision.assessment = assessment  # as ``assessment.decisions`` would cache it
    return decision


@functools.cache
def _decision_reads() -> tuple[Prepared, Prepared]:
    """An assessment's latest decision, and its latest made at assessment: read by every
    consent, checklist, booking and page, so compiled once (lib/prepared.py), on first use
    (the models must be ready)."""
    example = (Assessment._meta.pk, 1, 2)
    latest = Prepared(
        lambda assessment: Decision.objects.filter(assessment=assessment).order_by(
            "-evaluated_at", "-id"
        )[:1],
        assessment=example,  # type: ignore[arg-type]
    )
    at_assessment = Prepared(
        lambda assessment: (
            Decision.objects.filter(assessment=assessment)
            .exclude(context=Decision.Context.DAY_OF_PROCEDURE)
            .order_by("-evaluated_at", "-id")
        )[:1],
        assessment=example,  # type: ignore[arg-type]
    )
    return latest, at_assessment


class DecisionReason(models.Model):
    """One reason of a stored decision as a row, so reasons can be filtered and counted in SQL.

    ``Decision.reasons`` stays the snapshot as shown (with message and source); these rows copy
    what analysis needs from it, written in the same transaction as the decision.
    """

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="reason_rows")
    position = models.PositiveSmallIntegerField(help_text="Order in the decision, from 0.")
    code = models.CharField(max_length=60, choices=REASON_CODE_CHOICES)
    outcome = models.CharField(max_length=30, choices=OUTCOME_CHOICES)
    action = models.TextField(blank=True, help_text="What to do, when the rule says.")

    class Meta:
        ordering = ["decision", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "position"], name="decision_reason_once_per_position"
            )
        ]
        indexes = [models.Index(fields=["code"]), models.Index(fields=["outcome"])]

    def __str__(self) -> str:
        return f"{self.code} ({self.outcome})"

    @property
    def has_action(self) -> bool:
        return bool(self.action)
