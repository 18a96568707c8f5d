"""Consent, the day-of safety checklist and the procedures done here.

Injections given elsewhere are ``patients.PriorInjection``: the injection history belongs beside
the patient, so the assessment can read it without reaching up to this app.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from spinepath.assessment.models import IMAGING_CHOICES, LOCAL_ANAESTHETIC_CHOICES
from spinepath.clinical.checklist import CHECKLIST, ITEMS_BY_CODE, Phase
from spinepath.clinical.coding import complication_choices, procedure_choices
from spinepath.clinical.consent_info import procedure_title
from spinepath.clinical.dose_limits import (
    RADIATION_FIELDS,
    contrast_problem,
    local_anaesthetic_problems,
    procedure_time_problem,
    radiation_problem,
    steroid_dose_problem,
)
from spinepath.clinical.steroids import mpe_mg
from spinepath.clinical.vocab import Approach, Laterality, Procedure, Steroid, label
from spinepath.lib.dates import day
from spinepath.lib.validation import QuickValidation
from spinepath.patients.models import STEROID_CHOICES, EpisodeRecord

APPROACH_CHOICES = [(a.value, label(a.value)) for a in Approach]


# --- Consent ------------------------------------------------------------------------------------

SIGNATURE_DATA_URL_PREFIX = "data:image/png;base64,"
SIGNATURE_MAX_CHARS = 300_000
"""A drawn signature is a small PNG; 300,000 characters of base64 is about 220 kB."""
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def validate_signature_image(value: str) -> None:
    """A drawn signature must be a PNG data URL of bounded size, and really a PNG."""
    if not value:
        return
    if len(value) > SIGNATURE_MAX_CHARS:
        raise ValidationError(
            "The drawn signature is too large. Clear it and sign again, or type your name.",
            code="signature_too_large",
        )
    if not value.startswith(SIGNATURE_DATA_URL_PREFIX):
        raise ValidationError(
            "The drawn signature is not a PNG image. Clear it and sign again, or type your name.",
            code="signature_not_png",
        )
    try:
        raw = base64.b64decode(value[len(SIGNATURE_DATA_URL_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if not raw.startswith(_PNG_MAGIC):
        raise ValidationError(
            "The drawn signature could not be read. Clear it and sign again, or type your name.",
            code="signature_unreadable",
        )


SIDE_CHOICES = [
    (Laterality.LEFT.value, "Left"),
    (Laterality.RIGHT.value, "Right"),
    (Laterality.BILATERAL.value, "Both sides"),
    (Laterality.NOT_APPLICABLE.value, "Not applicable (midline)"),
]


class ConsentDeleteError(Exception):
    """Consent and procedure records are never deleted; mark them entered-in-error instead."""


class ConsentQuerySet(models.QuerySet["Consent"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise ConsentDeleteError("Consent records are never deleted: mark them entered in error.")

    def valid_for_procedure(self) -> ConsentQuerySet:
        return self.filter(
            status=Consent.Status.ACTIVE,
            decision=Consent.Decision.PERMIT,
            withdrawn_at__isnull=True,
        )


class Consent(EpisodeRecord, QuickValidation, models.Model):
    """A patient's decision about a planned procedure, and exactly what they were told.

    Status codes are FHIR Consent.status (draft, active, inactive, entered-in-error) and the
    decision is FHIR Consent.decision (permit, deny). ``information`` is the information sheet as
    shown (``spinepath.clinical.consent_info``), so the form can be reproduced whatever the
    wording says today. A record is never deleted: a mistake is marked entered-in-error.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        ENTERED_IN_ERROR = "entered-in-error", "Entered in error"

    class Decision(models.TextChoices):
        PERMIT = "permit", "Permit: the patient agrees"
        DENY = "deny", "Deny: the patient declines"

    class SignatureMethod(models.TextChoices):
        TYPED = "typed", "Typed name and date"
        DRAWN = "drawn", "Drawn on the screen"

    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="consents"
    )
    assessment = models.ForeignKey(
        "assessment.Assessment",
        on_delete=models.PROTECT,
        related_name="consents",
        help_text="The assessed plan the patient consented to.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    decision = models.CharField(max_length=10, choices=Decision.choices)

    # Exactly what the patient was shown.
    information_version = models.CharField(max_length=40)
    information = models.JSONField(help_text="The information sheet as shown to the patient.")

    # The plan, copied at consent time so later edits to the assessment do not change it.
    procedure = models.CharField(max_length=40, choices=procedure_choices())
    imaging = models.CharField(max_length=20, choices=IMAGING_CHOICES)
    steroid = models.CharField(max_length=30, choices=STEROID_CHOICES, blank=True)
    steroid_dose_mg = models.FloatField("steroid dose (mg)", null=True, blank=True)
    local_anaesthetic = models.CharField(
        max_length=30, choices=LOCAL_ANAESTHETIC_CHOICES, blank=True
    )
    levels = models.JSONField(default=list, blank=True)
    side = models.CharField(max_length=20, choices=SIDE_CHOICES)

    # The discussion.
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    patient_questions = models.TextField(blank=True)
    capacity_confirmed = models.BooleanField(default=False)
    interpreter_used = models.BooleanField(default=False)

    # Signature.
    signature_method = models.CharField(
        max_length=10, choices=SignatureMethod.choices, default=SignatureMethod.TYPED
    )
    signed_name = models.CharField(max_length=200, blank=True)
    signed_on = models.DateField(null=True, blank=True)
    signature_image = models.TextField(
        blank=True,
        validators=[validate_signature_image],
        help_text="A drawn signature as a PNG data URL.",
    )

    # Withdrawal and correction.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    entered_in_error_reason = models.TextField(blank=True)

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "active", "inactive", "entered-in-error"]),
                name="consent_status_is_fhir_code",
            ),
            models.CheckConstraint(
                condition=models.Q(decision__in=["permit", "deny"]),
                name="consent_decision_is_fhir_code",
            ),
            models.CheckConstraint(
                condition=~models.Q(decision="permit") | models.Q(capacity_confirmed=True),
                name="consent_permit_needs_capacity",
                violation_error_message="Confirm the patient has capacity before they agree.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="active") | models.Q(decision="permit"),
                name="consent_active_only_when_permit",
            ),
        ]
        indexes = [models.Index(fields=["episode", "status"])]

    def __str__(self) -> str:
        return f"Consent {self.pk} ({self.status}, {self.decision})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        signed = bool(self.signed_name.strip()) or bool(self.signature_image)
        if self.decision == self.Decision.PERMIT:
            if not self.capacity_confirmed:
                errors["capacity_confirmed"] = (
                    "Confirm the patient has capacity to make this decision before they agree."
                )
            if not signed:
                errors["signed_name"] = "The patient must sign: type their name, or draw it."
        if self.signature_method == self.SignatureMethod.TYPED and self.signature_image:
            errors["signature_image"] = "A typed signature has no drawing."
        if self.signature_method == self.SignatureMethod.DRAWN and not self.signature_image:
            errors["signature_image"] = "Draw the signature in the box, or type the name instead."
        if signed and self.signed_on is None:
            errors["signed_on"] = "Give the date of the signature."
        # "The future" is after the day the record was made, so a saved consent stays valid.
        recorded_on = timezone.localdate(self.created_at) if self.created_at else None
        if self.signed_on and recorded_on and self.signed_on > recorded_on:
            errors["signed_on"] = "The signature date cannot be in the future."
        if self.status == self.Status.ACTIVE and self.decision != self.Decision.PERMIT:
            errors["status"] = "Only an agreement (permit) can be active."
        if self.status == self.Status.ENTERED_IN_ERROR and not self.entered_in_error_reason.strip():
            errors["entered_in_error_reason"] = "Say why this record was entered in error."
        if self.withdrawn_at and not self.withdrawn_reason.strip():
            errors["withdrawn_reason"] = "Say why consent was withdrawn."
        if errors:
            raise ValidationError(errors)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ConsentDeleteError("Consent records are never deleted: mark them entered in error.")

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def status_words(self) -> str:
        """Where this consent stands, in words for people rather than FHIR codes."""
        if self.status == self.Status.ENTERED_IN_ERROR:
            return "Entered in error"
        if self.withdrawn_at is not None:
            return "Withdrawn"
        if self.decision == self.Decision.DENY:
            return "Declined"
        if self.status == self.Status.ACTIVE:
            return "Consent given"
        if self.status == self.Status.DRAFT:
            return "Not yet completed"
        return "No longer in force"

    def is_valid_for_procedure(self) -> bool:
        """Active, an agreement, and not withdrawn: the procedure may go ahead on this consent."""
        return (
            self.status == self.Status.ACTIVE
            and self.decision == self.Decision.PERMIT
            and self.withdrawn_at is None
        )

    @property
    def procedure_title(self) -> str:
        return procedure_title(Procedure(self.procedure))

    @property
    def imaging_display(self) -> str:
        return _IMAGING_WORDS.get(self.imaging, self.imaging)


_IMAGING_WORDS = {"ultrasound": "Ultrasound", "fluoroscopy": "Fluoroscopy (X-ray)", "ct": "CT"}


PHASE_CHOICES = [(phase.value, phase.label) for phase in Phase]


class SafetyCheck(EpisodeRecord, QuickValidation, models.Model):
    """The day-of safety checklist (NatSSIPs sign in, time out, sign out) for one consent.

    Sign in creates the record: the day's facts are entered and the suitability decision is
    re-run with them (``decision``). Time out and sign out are confirmed on the same record later;
    each item's answer, who gave it and when is a ``SafetyCheckItem``. ``missing``,
    ``contradictions``, ``ready_for_procedure`` and ``complete`` are what the clinical core
    (``clinical/checklist.py``) said after the last save, kept so lists and the API need not
    re-run it.
    """

    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="safety_checks"
    )
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="safety_checks")
    decision = models.ForeignKey(
        "assessment.Decision",
        on_delete=models.PROTECT,
        related_name="safety_checks",
        help_text="The suitability decision re-run with the day's facts at sign in.",
    )
    checked_on = models.DateField(default=timezone.localdate)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who signed in.",
    )
    checked_at = models.DateTimeField(default=timezone.now, help_text="When sign in was saved.")
    day_facts = models.JSONField(
        default=dict, blank=True, help_text="What was found on the day, as entered at sign in."
    )
    glucose_mmol_l = models.FloatField("blood glucose (mmol/L)", null=True, blank=True)
    ready_for_procedure = models.BooleanField(
        default=False, help_text="Sign in and time out complete, and no tick contradicted."
    )
    complete = models.BooleanField(default=False, help_text="All three phases complete.")
    missing = models.JSONField(default=list, blank=True, help_text="Item codes not confirmed.")
    contradictions = models.JSONField(
        default=list, blank=True, help_text="[{item, message}]: ticks the facts say are not so."
    )
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        state = "complete" if self.complete else "incomplete"
        return f"Safety check {day(self.checked_on)} ({state})"

    @property
    def answers(self) -> dict[str, bool]:
        """{item code: confirmed} over every phase answered so far."""
        return {item.code: item.confirmed for item in self.items.all()}

    def missing_in(self, phase: Phase | str) -> list[str]:
        return [code for code in self.missing if ITEMS_BY_CODE[code].phase == phase]


class SafetyCheckItem(models.Model):
    """One checklist item as answered: the answer, who gave it and when."""

    safety_check = models.ForeignKey(SafetyCheck, on_delete=models.PROTECT, related_name="items")
    code = models.CharField(max_length=60, choices=[(i.code, i.label) for i in CHECKLIST])
    phase = models.CharField(max_length=10, choices=PHASE_CHOICES)
    confirmed = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["safety_check", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["safety_check", "code"], name="safety_check_item_once_per_check"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code}: {'yes' if self.confirmed else 'no'}"

    @property
    def label(self) -> str:
        return ITEMS_BY_CODE[self.code].label


class ProcedureRecordQuerySet(models.QuerySet["ProcedureRecord"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise ConsentDeleteError("Procedure records are never deleted: mark them entered in error.")

    def counted(self) -> ProcedureRecordQuerySet:
        """Records that stand: the ones the ledger and outcomes count."""
        return self.filter(entered_in_error=False)


class ProcedureRecord(EpisodeRecord, QuickValidation, models.Model):
    """What was done, with what, how it went. Never deleted; a mistake is entered-in-error."""

    class Discharge(models.TextChoices):
        WELL = "well", "Well, home with an adult"
        OBSERVED = "observed_longer", "Observed longer, then home"
        ADMITTED = "admitted", "Admitted"
        TRANSFERRED = "transferred", "Transferred for urgent care"

    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="procedures"
    )
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="procedures")
    safety_check = models.ForeignKey(
        SafetyCheck, on_delete=models.PROTECT, related_name="procedures"
    )
    performed_at = models.DateTimeField(default=timezone.now)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assistant = models.CharField(max_length=200, blank=True)

    # What and where.
    procedure = models.CharField(max_length=40, choices=procedure_choices())
    levels = models.JSONField(default=list, blank=True)
    side = models.CharField(max_length=20, choices=SIDE_CHOICES)
    approach = models.CharField(max_length=40, choices=APPROACH_CHOICES)
    imaging = models.CharField(max_length=20, choices=IMAGING_CHOICES)
    dose_area_product = models.FloatField(
        "dose-area product (mGy·cm²)", null=True, blank=True, help_text="Fluoroscopy."
    )
    screening_time_s = models.FloatField(
        "screening time (s)", null=True, blank=True, help_text="Fluoroscopy."
    )
    dose_length_product = models.FloatField(
        "dose-length product (mGy·cm)", null=True, blank=True, help_text="CT."
    )

    # What was injected.
    steroid = models.CharField(max_length=30, choices=STEROID_CHOICES, blank=True)
    steroid_dose_mg = models.FloatField("steroid dose (mg)", null=True, blank=True)
    local_anaesthetic = models.CharField(
        max_length=30, choices=LOCAL_ANAESTHETIC_CHOICES, blank=True
    )
    local_anaesthetic_percent = models.FloatField("concentration (%)", null=True, blank=True)
    local_anaesthetic_ml = models.FloatField("volume (mL)", null=True, blank=True)
    contrast_agent = models.CharField(max_length=100, blank=True)
    contrast_ml = models.FloatField("contrast volume (mL)", null=True, blank=True)
    needle = models.CharField(max_length=100, blank=True, help_text="e.g. 22G 90 mm spinal")

    # How it went.
    complications = models.JSONField(default=list, blank=True, help_text="Complication codes.")
    complication_notes = models.TextField(blank=True)
    observations = models.TextField(blank=True, help_text="Pulse, BP, SpO₂, pain score.")
    discharged_at = models.DateTimeField(null=True, blank=True)
    discharge_condition = models.CharField(max_length=20, choices=Discharge.choices, blank=True)
    notes = models.TextField(blank=True)

    # Steroid safety at the point of injection.
    steroid_check = models.JSONField(
        null=True, blank=True, help_text="The steroid exposure check as it was shown."
    )
    steroid_override_reason = models.TextField(blank=True)

    # What was given against the consent (clinical/consent_match.py): differences that needed a
    # written reason, and the reason.
    consent_variances = models.JSONField(default=list, blank=True)
    consent_variance_reason = models.TextField(blank=True)

    # After discharge: complications noticed later, entered by an amendment (DischargeAmendment).
    late_complications = models.JSONField(default=list, blank=True, help_text="Complication codes.")
    late_complication_notes = models.TextField(blank=True)

    # The form or API request that made the record, so a repeated submission stores nothing.
    submission_id = models.CharField(max_length=64, blank=True, editable=False)

    entered_in_error = models.BooleanField(default=False)
    entered_in_error_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ProcedureRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-performed_at", "-id"]
        indexes = [
            models.Index(fields=["performed_at"]),
            models.Index(fields=["episode", "performed_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(steroid="") & models.Q(steroid_dose_mg__isnull=True))
                | (~models.Q(steroid="") & models.Q(steroid_dose_mg__gt=0)),
                name="procedure_steroid_has_positive_dose",
                violation_error_message="Give the steroid dose with the steroid (and only then).",
            ),
            models.UniqueConstraint(
                fields=["episode", "submission_id"],
                condition=~models.Q(submission_id=""),
                name="procedure_one_record_per_submission",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure_title} on {day(self.performed_at)}"

    def tidy(self) -> None:
        """Free text without surrounding spaces, levels as a list, each complication once."""
        for field in self._meta.concrete_fields:
            value = getattr(self, field.attname)
            if isinstance(field, models.CharField | models.TextField) and isinstance(value, str):
                setattr(self, field.attname, value.strip())
        self.levels = list(self.levels or [])
        self.complications = list(dict.fromkeys(self.complications or []))

    def clean(self) -> None:
        """Every number within its plausible bounds (``clinical/dose_limits.py``) and the time no
        later than the record was made; the workflow adds what needs the consent."""
        errors: dict[str, str] = {}
        if self.steroid and (problem := steroid_dose_problem(self.steroid, self.steroid_dose_mg)):
            errors["steroid_dose_mg"] = problem
        for name in RADIATION_FIELDS:
            if problem := radiation_problem(name, getattr(self, name)):
                errors[name] = problem
        errors.update(
            local_anaesthetic_problems(
                self.local_anaesthetic, self.local_anaesthetic_percent, self.local_anaesthetic_ml
            )
        )
        if problem := contrast_problem(self.contrast_ml):
            errors["contrast_ml"] = problem
        if self.performed_at and self.created_at:
            if problem := procedure_time_problem(self.performed_at, self.created_at):
                errors["performed_at"] = problem
            if self.discharged_at is not None and self.discharged_at < self.performed_at:
                errors["discharged_at"] = "Discharge cannot be before the procedure."
            elif self.discharged_at is not None and self.discharged_at > self.created_at:
                errors["discharged_at"] = (
                    "Discharge cannot be after the record is made: record it when it happens "
                    "(amend the discharge from the procedure record)."
                )
        if errors:
            raise ValidationError(errors)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ConsentDeleteError("Procedure records are never deleted: mark them entered in error.")

    @property
    def procedure_title(self) -> str:
        return procedure_title(Procedure(self.procedure))

    @property
    def mpe_mg(self) -> float | None:
        if not self.steroid or self.steroid_dose_mg is None:
            return None
        return mpe_mg(Steroid(self.steroid), self.steroid_dose_mg)

    @property
    def steroid_status(self) -> str | None:
        return (self.steroid_check or {}).get("status")

    def write_complication_rows(self, *, at: datetime, new: bool = False) -> None:
        """Make the ``ProcedureComplication`` rows match ``complications`` and
        ``late_complications``: rows still true keep their time, new ones are recorded ``at``,
        ones an amendment took away go. Call in the transaction that saves the record
        (``new``: the record was inserted in it, so it has no rows yet)."""
        wanted = {(code, False) for code in self.complications}
        wanted |= {(code, True) for code in self.late_complications}
        rows = [] if new else list(self.complication_rows.all())
        have = {(row.code, row.late) for row in rows}
        gone = [row.pk for row in rows if (row.code, row.late) not in wanted]
        if gone:
            ProcedureComplication.objects.filter(pk__in=gone).delete()
        ProcedureComplication.objects.bulk_create(
            ProcedureComplication(procedure=self, code=code, late=late, recorded_at=at)
            for code, late in sorted(wanted - have)
        )


class DischargeAmendment(models.Model):
    """A later change to a procedure's discharge or late complications: what it was, what it
    became, who changed it, when and why. Rows are only added, never changed."""

    procedure = models.ForeignKey(
        ProcedureRecord, on_delete=models.PROTECT, related_name="discharge_amendments"
    )
    amended_at = models.DateTimeField(default=timezone.now)
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    before = models.JSONField(help_text="The discharge fields as they were.")
    after = models.JSONField(help_text="The discharge fields as amended.")

    class Meta:
        ordering = ["amended_at", "id"]

    def __str__(self) -> str:
        return f"Discharge amendment {self.pk} to procedure {self.procedure_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ConsentDeleteError("An amendment is never changed: add another one.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ConsentDeleteError("An amendment is never deleted: add another one.")

    @property
    def changed_fields(self) -> list[str]:
        return [key for key in self.after if self.after.get(key) != self.before.get(key)]

    @property
    def episode(self) -> Any:
        return self.procedure.episode

    @property
    def clinic_id(self) -> int:
        return self.procedure.clinic_id


class ProcedureComplicationQuerySet(models.QuerySet["ProcedureComplication"]):
    def counted(self) -> ProcedureComplicationQuerySet:
        """Complications of records that stand (not entered in error): the ones outcomes count."""
        return self.filter(procedure__entered_in_error=False)


class ProcedureComplication(models.Model):
    """One complication code of a procedure record as a row, so complications can be counted in
    SQL. ``ProcedureRecord.complications`` and ``late_complications`` stay the record as entered;
    the rows follow them, written in the same transaction."""

    procedure = models.ForeignKey(
        ProcedureRecord, on_delete=models.PROTECT, related_name="complication_rows"
    )
    code = models.CharField(max_length=40, choices=complication_choices())
    late = models.BooleanField(
        default=False, help_text="Noticed after discharge (added by a discharge amendment)."
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ProcedureComplicationQuerySet.as_manager()

    class Meta:
        ordering = ["procedure", "late", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "code", "late"], name="procedure_complication_once"
            )
        ]
        indexes = [models.Index(fields=["code"])]

    def __str__(self) -> str:
        return f"{self.code}{' (late)' if self.late else ''}"
