"""Injections: those given elsewhere (or before spinepath), and later consent and procedures here.

The steroid checks need every injection a patient has had, wherever it was given, so injections
recorded as given elsewhere are first-class records, not free-text history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from spinepath.clinical.facts import InjectionSite
from spinepath.clinical.steroids import mpe_mg
from spinepath.clinical.vocab import Steroid


def site_choices() -> list[tuple[str, str]]:
    return [(site.value, site.value.replace("_", " ").capitalize()) for site in InjectionSite]


STEROID_CHOICES = [(s.value, s.value.capitalize()) for s in Steroid]


class PriorInjection(models.Model):
    """An injection given elsewhere, entered by a clinician so that exposure checks count it."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="prior_injections"
    )
    given_on = models.DateField("date given")
    site = models.CharField(max_length=40, choices=site_choices())
    steroid = models.CharField(max_length=30, choices=STEROID_CHOICES, blank=True)
    steroid_dose_mg = models.FloatField("steroid dose (mg)", null=True, blank=True)
    relief_percent = models.PositiveSmallIntegerField(
        "relief (%)", null=True, blank=True, help_text="Best relief the patient reports, 0–100."
    )
    where = models.CharField(max_length=200, blank=True, help_text="Hospital or clinic.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    entered_in_error = models.BooleanField(default=False)

    class Meta:
        ordering = ["-given_on"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(steroid="") & models.Q(steroid_dose_mg__isnull=True))
                | (~models.Q(steroid="") & models.Q(steroid_dose_mg__gte=0)),
                name="prior_injection_steroid_has_dose",
                violation_error_message="Give the steroid dose with the steroid (and only then).",
            ),
            models.CheckConstraint(
                condition=models.Q(relief_percent__isnull=True) | models.Q(relief_percent__lte=100),
                name="prior_injection_relief_is_percent",
                violation_error_message="Relief is a percentage from 0 to 100.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_site_display()} on {self.given_on:%d %b %Y}"

    @property
    def clinic_id(self) -> int:
        return self.patient.clinic_id

    @property
    def mpe_mg(self) -> float | None:
        if not self.steroid or self.steroid_dose_mg is None:
            return None
        return mpe_mg(Steroid(self.steroid), self.steroid_dose_mg)
