"""What was done when a decision stopped the pathway.

An ``urgent_referral`` or ``not_suitable`` decision can never be overridden, so the episode cannot
move on to consent; what it needs instead is an onward action: the urgent referral made (to whom,
when, how, and later what it found) or, for a patient not suitable, the plan. Until that is
recorded the episode sits at the top of the worklists under "Needs urgent action".
"""

from __future__ import annotations

from datetime import datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from spinepath.clinical.vocab import Outcome
from spinepath.lib.validation import QuickValidation
from spinepath.patients.models import EpisodeRecord


class OnwardAction(EpisodeRecord, QuickValidation, models.Model):
    class Kind(models.TextChoices):
        URGENT_REFERRAL = "urgent_referral", "Urgent referral made"
        NOT_SUITABLE_PLAN = "not_suitable_plan", "Plan for a patient not suitable"

    class Method(models.TextChoices):
        PHONE = "phone", "Telephone"
        ELECTRONIC = "electronic", "Electronic referral"
        EMAIL = "email", "Secure email"
        LETTER = "letter", "Letter"
        IN_PERSON = "in_person", "In person (handed over, or sent to A&E)"

    class Result(models.TextChoices):
        PENDING = "pending", "Pending"
        CONFIRMED = "confirmed", "Cause confirmed"
        EXCLUDED = "excluded", "Cause excluded"

    KIND_FOR_OUTCOME = {
        Outcome.URGENT_REFERRAL: Kind.URGENT_REFERRAL,
        Outcome.NOT_SUITABLE: Kind.NOT_SUITABLE_PLAN,
    }

    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="onward_actions"
    )
    decision = models.OneToOneField(
        "assessment.Decision", on_delete=models.PROTECT, related_name="onward_action"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)

    # The urgent referral.
    to_whom = models.CharField(
        "referred to",
        max_length=200,
        blank=True,
        help_text="The team or person who accepted the referral, e.g. 'on-call spinal registrar'.",
    )
    method = models.CharField("how", max_length=20, choices=Method.choices, blank=True)
    made_at = models.DateTimeField("when", null=True, blank=True)
    result = models.CharField(
        "what the referral found", max_length=20, choices=Result.choices, blank=True
    )
    result_on = models.DateField("date of the result", null=True, blank=True)
    result_notes = models.TextField("about the result", blank=True)
    result_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    result_recorded_at = models.DateTimeField(null=True, blank=True)

    # The plan, for a patient not suitable.
    plan = models.TextField(
        blank=True, help_text="What happens instead, e.g. referral to another service."
    )

    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def is_referral(self) -> bool:
        return self.kind == OnwardAction.Kind.URGENT_REFERRAL

    def clean(self) -> None:
        """The record's own rules, whichever door it came through (page, API, demo)."""
        errors: dict[str, str] = {}
        decision = self.decision if self.decision_id else None
        if decision is not None and self.KIND_FOR_OUTCOME.get(decision.outcome) != self.kind:
            errors["kind"] = (
                f"The decision is '{decision.get_outcome_display().lower()}': "
                "this is not the action it needs."
            )
        if self.is_referral:
            errors.update(self._referral_problems())
        elif len(self.plan.strip()) < 10:
            errors["plan"] = "Write the plan for this patient (at least a short sentence)."
        if errors:
            raise ValidationError(errors)

    def _referral_problems(self) -> dict[str, str]:
        # Dates are compared as moments, never converted, so any date typed in is an error
        # message rather than an overflow.
        tz = timezone.get_current_timezone()
        errors: dict[str, str] = {}
        if not self.to_whom.strip():
            errors["to_whom"] = "Say to whom the referral was made."
        if not self.method:
            errors["method"] = "Say how the referral was made."
        assessed_on = self.decision.assessment.assessed_on if self.decision_id else None
        if self.made_at is None:
            errors["made_at"] = "Give the date and time the referral was made."
        elif self.recorded_at and self.made_at > self.recorded_at:
            errors["made_at"] = "The referral cannot be dated after the time it is recorded."
        elif assessed_on and self.made_at < datetime.combine(assessed_on, time.min, tzinfo=tz):
            errors["made_at"] = "The referral cannot be dated before the assessment that found it."
        if self.result in ("", OnwardAction.Result.PENDING):
            if self.result_on is not None:
                errors["result_on"] = "A pending referral has no result date yet."
        elif self.result_on is None:
            errors["result_on"] = "Give the date of the result."
        else:
            end_of_result_day = datetime.combine(self.result_on, time.max, tzinfo=tz)
            recorded = self.result_recorded_at or self.recorded_at
            if self.made_at is not None and end_of_result_day < self.made_at:
                errors["result_on"] = "The result cannot be dated before the referral."
            elif recorded and self.result_on > timezone.localdate(recorded):
                errors["result_on"] = "The result cannot be dated in the future."
        return errors
