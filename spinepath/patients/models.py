"""Patients and their episodes of care.

An episode is one pathway for one condition, from referral to discharge. Later stages (assessment,
consent, procedure, follow-up) hang off the episode and move it along ``Episode.Stage``; every
move is written to the episode's timeline so the record reads as a story.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from spinepath.accounts.models import Clinic
from spinepath.clinical.coding import codebook, condition_choices
from spinepath.clinical.dose_limits import prior_injection_date_problem, steroid_dose_problem
from spinepath.clinical.facts import InjectionSite
from spinepath.clinical.steroids import mpe_mg
from spinepath.clinical.vocab import Laterality, Steroid
from spinepath.lib import nhs_number, plausible
from spinepath.lib.batched import insert
from spinepath.lib.dates import day
from spinepath.lib.validation import QuickValidation


def validate_nhs_number(value: str) -> None:
    problem = nhs_number.problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_nhs_number")


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Not known"


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    WELSH = "cy", "Welsh"
    POLISH = "pl", "Polish"
    PUNJABI = "pa", "Punjabi"
    URDU = "ur", "Urdu"
    BENGALI = "bn", "Bengali"
    GUJARATI = "gu", "Gujarati"
    ARABIC = "ar", "Arabic"
    ROMANIAN = "ro", "Romanian"
    PORTUGUESE = "pt", "Portuguese"
    SPANISH = "es", "Spanish"
    OTHER = "other", "Other (see notes)"


class PatientQuerySet(models.QuerySet["Patient"]):
    def unrestricted(self) -> PatientQuerySet:
        """Patients whose processing is not restricted: what lists and searches show."""
        return self.filter(restricted_at__isnull=True)

    def search(self, term: str) -> PatientQuerySet:
        """Match a name, an NHS number or MRN (spaces ignored), or a date of birth."""
        term = term.strip()
        if not term:
            return self
        digits = nhs_number.normalise(term)
        query = models.Q(mrn__iexact=term)
        if digits.isdigit():
            query |= models.Q(nhs_number=digits)
        parsed = _parse_date(term)
        if parsed:
            query |= models.Q(date_of_birth=parsed)
        words = term.replace(",", " ").split()
        if words and not parsed and not digits.isdigit():
            name_query = models.Q()
            for word in words:
                name_query &= models.Q(given_name__icontains=word) | models.Q(
                    family_name__icontains=word
                )
            query |= name_query
        return self.filter(query)


def _parse_date(text: str) -> date | None:
    from datetime import datetime

    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


_MISSING_IDENTIFIER = "Give an NHS number, a local MRN, or both."
_DUPLICATE_NHS_NUMBER = "Another patient in this clinic has this NHS number."
_DUPLICATE_MRN = "Another patient in this clinic has this MRN."
_CONSTRAINT_FIELDS = {
    _MISSING_IDENTIFIER: "nhs_number",
    _DUPLICATE_NHS_NUMBER: "nhs_number",
    _DUPLICATE_MRN: "mrn",
}


class Patient(QuickValidation, models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    given_name = models.CharField("given name", max_length=100)
    family_name = models.CharField("family name", max_length=100)
    date_of_birth = models.DateField("date of birth")
    sex = models.CharField(max_length=10, choices=Sex.choices)
    nhs_number = models.CharField(
        "NHS number",
        max_length=10,
        blank=True,
        validators=[validate_nhs_number],
        help_text="10 digits; spaces are fine.",
    )
    mrn = models.CharField(
        "local MRN", max_length=30, blank=True, help_text="The hospital or clinic record number."
    )
    email = models.EmailField(blank=True, help_text="Follow-up questionnaires are sent here.")
    phone = models.CharField(max_length=30, blank=True)
    preferred_language = models.CharField(
        max_length=10, choices=Language.choices, default=Language.ENGLISH
    )
    interpreter_needed = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Patient rights (patients/rights.py): set and cleared only by its workflows, each audited.
    restricted_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Processing restricted since (Art. 18)."
    )
    restricted_reason = models.TextField(blank=True, editable=False)
    erased_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Identity removed (pseudonymised) on."
    )

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(nhs_number="") | ~models.Q(mrn=""),
                name="patient_has_nhs_number_or_mrn",
                violation_error_message=_MISSING_IDENTIFIER,
            ),
            models.UniqueConstraint(
                fields=["clinic", "nhs_number"],
                condition=~models.Q(nhs_number=""),
                name="unique_nhs_number_per_clinic",
                violation_error_message=_DUPLICATE_NHS_NUMBER,
            ),
            models.UniqueConstraint(
                fields=["clinic", "mrn"],
                condition=~models.Q(mrn=""),
                name="unique_mrn_per_clinic",
                violation_error_message=_DUPLICATE_MRN,
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "family_name"]),
            models.Index(fields=["clinic", "date_of_birth"]),
            # A join from an episode finds its patient's clinic in the index alone (the
            # worklists' counts by stage read no patient row).
            models.Index(fields=["id", "clinic"], name="patient_clinic_by_id"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def clean_fields(self, exclude: Any = None) -> None:
        # Normalise before the field validators run, so "943 476 5919" is not refused as too long.
        self.nhs_number = nhs_number.normalise(self.nhs_number)
        self.mrn = self.mrn.strip()
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        """A date of birth in the future, or one that makes the patient older than anyone lives,
        is a typing error; "today" is the record's own creation day."""
        on = timezone.localdate(self.created_at) if self.created_at else timezone.localdate()
        problem = plausible.date_problem(
            self.date_of_birth,
            not_after=on,
            after_words="today",
            not_before=plausible.years_before(on, plausible.OLDEST_AGE_YEARS),
            before_words=f"{plausible.OLDEST_AGE_YEARS} years ago",
        )
        if problem:
            raise ValidationError({"date_of_birth": problem})

    def validate_constraints(self, exclude: Any = None) -> None:
        """Check the per-clinic rules whichever door the record came through, naming the field.

        Forms never carry ``clinic`` (the view sets it), and Django skips a constraint whose
        fields are excluded, so the duplicate would otherwise reach the database as an
        IntegrityError. Conditional constraints report as non-field errors; move them onto the
        field the person has to correct.
        """
        exclude = set(exclude or ()) - {"clinic"}
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            errors: dict[str, list[ValidationError]] = {}
            for field, field_errors in exc.error_dict.items():
                for error in field_errors:
                    errors.setdefault(_CONSTRAINT_FIELDS.get(error.message, field), []).append(
                        error
                    )
            raise ValidationError(errors) from None

    def save_or_explain(self) -> None:
        """Save; if a concurrent request took the same NHS number or MRN between validation and
        saving, raise the same ``ValidationError`` a form would show instead of a server error."""
        try:
            with transaction.atomic():
                self.save()
        except IntegrityError:
            self.validate_constraints()
            raise

    @property
    def is_restricted(self) -> bool:
        return self.restricted_at is not None

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def nhs_number_display(self) -> str:
        return nhs_number.formatted(self.nhs_number) if self.nhs_number else ""

    def age_on(self, day: date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())


class ReferralSource(models.TextChoices):
    GP = "gp", "GP"
    PHYSIOTHERAPY = "physiotherapy", "Physiotherapy"
    ORTHOPAEDICS = "orthopaedics", "Orthopaedics / spinal surgery"
    PAIN_CLINIC = "pain_clinic", "Pain clinic"
    EMERGENCY = "emergency", "Emergency department"
    SELF = "self", "Self-referral"
    OTHER = "other", "Other"


NEW_REFERRAL_ON_ERASED = (
    "This record has been pseudonymised, so it cannot take a new referral or be re-opened: "
    "if the person comes back, register them again as a new patient."
)


class EpisodeQuerySet(models.QuerySet["Episode"]):
    def open(self) -> EpisodeQuerySet:
        return self.exclude(stage=Episode.Stage.DISCHARGED)


class Episode(QuickValidation, models.Model):
    class Stage(models.TextChoices):
        REFERRED = "referred", "Referred"
        ASSESSED = "assessed", "Assessed"
        CONSENTED = "consented", "Consented"
        TREATED = "treated", "Treated"
        FOLLOW_UP = "follow_up", "Follow-up"
        DISCHARGED = "discharged", "Discharged"

    class DischargeOutcome(models.TextChoices):
        """Why the pathway ended, for the episode page and the outcomes analysis."""

        SELF_MANAGING = "self_managing", "Improved: self-managing with exercise"
        PHYSIOTHERAPY = "physiotherapy", "Continuing physiotherapy in the community"
        SURGICAL_OPINION = "surgical_opinion", "Referred for a surgical opinion"
        OTHER_SERVICE = "other_service", "Referred to another service"
        URGENT_REFERRAL = "urgent_referral", "Referred urgently (red flags)"
        NOT_SUITABLE = "not_suitable", "Not suitable for injection"
        DECLINED = "declined", "Patient chose no further treatment"
        DID_NOT_ATTEND = "did_not_attend", "Did not attend"
        OTHER = "other", "Other (see note)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    condition = models.CharField(max_length=40, choices=condition_choices())
    laterality = models.CharField(
        max_length=20,
        choices=[(side.value, side.value.replace("_", " ").capitalize()) for side in Laterality],
        default=Laterality.NOT_APPLICABLE,
        help_text="Side of the leg or joint symptoms.",
    )
    referral_source = models.CharField(max_length=20, choices=ReferralSource.choices)
    referral_date = models.DateField()
    referral_reason = models.TextField(help_text="What the referrer asks for, in their words.")
    referrer_name = models.CharField(max_length=200, blank=True)
    conservative_care_weeks = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=plausible.in_range("conservative_care_weeks"),
        help_text="Weeks of physiotherapy or active management so far. Blank = not known.",
    )
    conservative_care_notes = models.TextField(
        blank=True, help_text="What has been tried: physiotherapy, medication, exercise."
    )
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.REFERRED)
    stage_changed_at = models.DateTimeField(default=timezone.now)
    responsible_clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="episodes",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    discharged_at = models.DateTimeField(null=True, blank=True)
    discharge_outcome = models.CharField(
        max_length=20, choices=DischargeOutcome.choices, blank=True, help_text="Why it ended."
    )
    discharge_note = models.TextField(blank=True)
    # Re-opening returns the episode to where it was, not to the start of the pathway.
    stage_before_discharge = models.CharField(max_length=20, choices=Stage.choices, blank=True)

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["-referral_date", "-created_at"]
        # The worklists list each stage's episodes by when they reached it, and count each
        # stage's waits by referral date from an index alone.
        indexes = [
            models.Index(fields=["stage", "stage_changed_at"]),
            models.Index(fields=["stage", "patient", "referral_date"], name="episode_stage_waits"),
        ]

    def __str__(self) -> str:
        return f"{self.condition_display} (referred {day(self.referral_date)})"

    def clean(self) -> None:
        """A referral is dated between the patient's birth and the day it was recorded, and a
        pseudonymised record takes no new one: care for a nameless record could not be sent a
        message, matched to a letter or checked against the person in front of the clinician."""
        if self._state.adding and self.patient_id and self.patient.erased_at is not None:
            raise ValidationError(NEW_REFERRAL_ON_ERASED)
        on = timezone.localdate(self.created_at) if self.created_at else timezone.localdate()
        born = self.patient.date_of_birth if self.patient_id else None
        problem = plausible.date_problem(
            self.referral_date,
            not_after=on,
            after_words="today",
            not_before=born,
            before_words="the patient's date of birth",
        )
        if problem:
            raise ValidationError({"referral_date": problem})

    @property
    def clinic_id(self) -> int:
        return self.patient.clinic_id

    @property
    def condition_display(self) -> str:
        return codebook().conditions[self.condition].display

    @property
    def condition_codings(self) -> tuple[Any, ...]:
        return codebook().conditions[self.condition].codings

    @property
    def is_open(self) -> bool:
        return self.stage != Episode.Stage.DISCHARGED

    def advance_to(
        self, stage: str, *, by: Any = None, summary: str = "", at: datetime | None = None
    ) -> TimelineEvent:
        """Move to ``stage`` and say so on the timeline. Stages may move back (re-assessment)."""
        if stage not in Episode.Stage.values:
            raise ValueError(f"Unknown episode stage {stage!r}")
        previous = self.get_stage_display()
        self.stage = stage
        self.stage_changed_at = at or timezone.now()
        # Re-opening a discharged episode clears the discharge; it is on the timeline.
        self.discharged_at = self.stage_changed_at if stage == Episode.Stage.DISCHARGED else None
        self.save(update_fields=["stage", "stage_changed_at", "discharged_at", "updated_at"])
        return self.log(
            TimelineEvent.Kind.STAGE,
            summary or f"Stage changed from {previous} to {self.get_stage_display()}",
            by=by,
            at=at,
        )

    def log(
        self,
        kind: str,
        summary: str,
        *,
        by: Any = None,
        detail: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> TimelineEvent:
        return insert(
            TimelineEvent(
                episode=self,
                kind=kind,
                summary=summary,
                actor=by,
                detail=detail or {},
                at=at or timezone.now(),
            )
        )


class PatientRecord:
    """A record with a ``patient`` foreign key: its clinic, for access checks and the audit log."""

    patient: Patient

    @property
    def clinic_id(self) -> int:
        return self.patient.clinic_id


class EpisodeRecord:
    """A record with an ``episode`` foreign key: its patient and clinic, reached through it."""

    episode: Episode

    @property
    def patient(self) -> Patient:
        return self.episode.patient

    @property
    def patient_id(self) -> Any:
        return self.episode.patient_id

    @property
    def clinic_id(self) -> int:
        return self.episode.patient.clinic_id


class TimelineEvent(models.Model):
    """Something that happened in an episode, in words a colleague can read at a glance."""

    class Kind(models.TextChoices):
        REFERRAL = "referral", "Referral"
        STAGE = "stage", "Stage change"
        NOTE = "note", "Note"
        ASSESSMENT = "assessment", "Assessment"
        DECISION = "decision", "Decision"
        OVERRIDE = "override", "Override"
        CONSENT = "consent", "Consent"
        PROCEDURE = "procedure", "Procedure"
        AFTERCARE = "aftercare", "Aftercare"
        FOLLOW_UP = "follow_up", "Follow-up"
        QUESTIONNAIRE = "questionnaire", "Questionnaire"
        PLAN = "plan", "Next step"
        UPDATE = "update", "Record updated"

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="timeline")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    summary = models.CharField(max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.summary}"


# --- Injections given elsewhere ------------------------------------------------------------------


def site_choices() -> list[tuple[str, str]]:
    return [(site.value, site.value.replace("_", " ").capitalize()) for site in InjectionSite]


STEROID_CHOICES = [(s.value, s.value.capitalize()) for s in Steroid]


class PriorInjection(PatientRecord, QuickValidation, models.Model):
    """An injection given elsewhere, entered by a clinician so that exposure checks count it.

    Recorded with an assessment (or through the API), read by the injection history
    (``patients/history.py``). Its table keeps the name it had in the procedures app.
    """

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
        db_table = "procedures_priorinjection"
        ordering = ["-given_on"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(steroid="") & models.Q(steroid_dose_mg__isnull=True))
                | (~models.Q(steroid="") & models.Q(steroid_dose_mg__gt=0)),
                name="prior_injection_steroid_has_positive_dose",
                violation_error_message="Give the steroid dose with the steroid (and only then).",
            ),
            models.CheckConstraint(
                condition=models.Q(relief_percent__isnull=True) | models.Q(relief_percent__lte=100),
                name="prior_injection_relief_is_percent",
                violation_error_message="Relief is a percentage from 0 to 100.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_site_display()} on {day(self.given_on)}"

    def clean(self) -> None:
        """The dose within the drug's plausible single dose; the date not in the future, not
        before the patient was born and not absurdly old (all against the record's own date)."""
        errors: dict[str, str] = {}
        if self.steroid and (problem := steroid_dose_problem(self.steroid, self.steroid_dose_mg)):
            errors["steroid_dose_mg"] = problem
        if self.given_on is not None:
            recorded = timezone.localdate(self.recorded_at) if self.recorded_at else None
            patient = self.patient if self.patient_id else None
            problem = prior_injection_date_problem(
                self.given_on,
                recorded_on=recorded or timezone.localdate(),
                date_of_birth=patient.date_of_birth if patient else None,
            )
            if problem:
                errors["given_on"] = problem
        if errors:
            raise ValidationError(errors)

    @property
    def mpe_mg(self) -> float | None:
        if not self.steroid or self.steroid_dose_mg is None:
            return None
        return mpe_mg(Steroid(self.steroid), self.steroid_dose_mg)


class BreakGlassGrant(models.Model):
    """Emergency access by one member of staff to one patient of another clinic.

    Made only through ``patients.break_glass.break_glass_grant``: a written reason, a few hours
    at most, every look audited and flagged, the patient's clinic's administrators told. It opens
    a read-only view of the record, never the other clinic's pages or workflows.
    """

    MAX_HOURS = 12
    MIN_REASON = 20

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(help_text="Why the record is needed now, in your own words.")
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return f"Emergency access {self.pk} until {self.expires_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        problems: dict[str, str] = {}
        if len(self.reason.strip()) < self.MIN_REASON:
            problems["reason"] = (
                f"Say why you need this record now, in at least {self.MIN_REASON} characters."
            )
        if self.granted_at and self.expires_at:
            hours = (self.expires_at - self.granted_at).total_seconds() / 3600
            if not 0 < hours <= self.MAX_HOURS:
                problems["expires_at"] = f"Emergency access lasts 1 to {self.MAX_HOURS} hours."
        if problems:
            raise ValidationError(problems)

    def is_open(self, at: datetime) -> bool:
        return self.granted_at <= at < self.expires_at
