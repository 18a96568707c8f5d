"""Follow-up records: when each questionnaire is due, what was answered, links and messages.

A ``TimePoint`` is one questionnaire owed by the patient after a procedure (or the baseline asked
again on the day). Its answers are ``FollowUpAnswer`` rows, one per instrument item, unique so a
questionnaire submitted twice is stored once. ``FollowUpLink`` is the secret link a patient uses
(only its hash is stored) and ``MessageLog`` every invitation and reminder sent about it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from spinepath.lib.dates import day
from spinepath.patients.models import EpisodeRecord


class Label(models.TextChoices):
    """The time point labels of followup.md (api.md uses the same codes)."""

    BASELINE = "baseline", "Baseline"
    DIARY = "diary", "Pain diary"
    WEEKS_2 = "2w", "2 weeks"
    WEEKS_6 = "6w", "6 weeks"
    MONTHS_3 = "3m", "3 months"
    MONTHS_6 = "6m", "6 months"
    MONTHS_12 = "12m", "12 months"


class TimePointQuerySet(models.QuerySet["TimePoint"]):
    def active(self) -> TimePointQuerySet:
        """Time points still owed or answered: not cancelled with their procedure."""
        return self.filter(cancelled_at__isnull=True)

    def completed(self) -> TimePointQuerySet:
        return self.filter(completed_at__isnull=False)

    def open(self) -> TimePointQuerySet:
        return self.active().filter(completed_at__isnull=True)


class TimePoint(EpisodeRecord, models.Model):
    """One questionnaire owed after a procedure, due on a date (diary points: at an hour)."""

    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="time_points"
    )
    procedure = models.ForeignKey(
        "procedures.ProcedureRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="time_points",
        help_text="The procedure it follows; empty for a baseline not tied to one.",
    )
    label = models.CharField(max_length=10, choices=Label.choices)
    due_on = models.DateField()
    due_at = models.DateTimeField(
        null=True, blank=True, help_text="Diary points: the hour the answer is due."
    )
    instruments = models.JSONField(default=list, help_text="Instrument codes asked, in order.")

    # Status.
    completed_at = models.DateTimeField(null=True, blank=True)
    late = models.BooleanField(default=False, help_text="Answered after its window's grace.")
    staff_entered = models.BooleanField(default=False, help_text="Answers taken by phone/clinic.")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    scores = models.JSONField(
        default=dict,
        blank=True,
        help_text="Scores per instrument on completion, e.g. {'nrs_leg': 3, 'odi': 40.0}.",
    )
    cancelled_at = models.DateTimeField(
        null=True, blank=True, help_text="Its procedure was marked entered in error."
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = TimePointQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "label"],
                condition=~models.Q(label="diary"),
                name="followup_one_time_point_per_label",
                violation_error_message="This procedure already has that time point.",
            ),
            models.UniqueConstraint(
                fields=["procedure", "label", "due_at"],
                condition=models.Q(label="diary"),
                name="followup_one_diary_point_per_hour",
                violation_error_message="This procedure already has a diary point at that hour.",
            ),
            models.CheckConstraint(
                condition=~models.Q(label="diary") | models.Q(due_at__isnull=False),
                name="followup_diary_point_has_hour",
                violation_error_message="A pain diary point needs the hour it is due.",
            ),
        ]
        indexes = [models.Index(fields=["due_on", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.get_label_display()} due {day(self.due_on)}"

    @property
    def completed(self) -> bool:
        return self.completed_at is not None

    def clean(self) -> None:
        """A follow-up falls on or after its procedure's day; a diary point has its hour."""
        errors: dict[str, str] = {}
        if self.procedure_id is not None and self.due_on is not None:
            performed_on = timezone.localdate(self.procedure.performed_at)
            if self.due_on < performed_on:
                errors["due_on"] = "A follow-up cannot be due before its procedure."
        if self.label == Label.DIARY and self.due_at is None:
            errors["due_at"] = "A pain diary point needs the hour it is due."
        if errors:
            raise ValidationError(errors)


class FollowUpAnswer(models.Model):
    """One item's answer at one time point; saved as the patient goes, stored once per item."""

    class Source(models.TextChoices):
        PATIENT = "patient", "Answered by the patient"
        STAFF = "staff", "Entered by staff"

    time_point = models.ForeignKey(TimePoint, on_delete=models.PROTECT, related_name="answers")
    instrument = models.CharField(max_length=20)
    item = models.CharField(max_length=40, help_text="The instrument's item id, e.g. 'score'.")
    value = models.JSONField(help_text="The answer as the instrument scores it.")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PATIENT)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["time_point", "instrument", "item"]
        constraints = [
            models.UniqueConstraint(
                fields=["time_point", "instrument", "item"],
                name="followup_one_answer_per_item",
                violation_error_message="That question already has an answer.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument}.{self.item} = {self.value}"


class FollowUpLink(models.Model):
    """A patient's secret link to one time point; only the token's hash is kept."""

    time_point = models.ForeignKey(TimePoint, on_delete=models.PROTECT, related_name="links")
    token_hash = models.CharField(max_length=128, unique=True)
    expires_at = models.DateTimeField()
    failed_dob_tries = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    first_used_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(
        null=True, blank=True, help_text="Replaced by a resent link, or withdrawn by staff."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Link for {self.time_point}"

    @property
    def locked(self) -> bool:
        return self.locked_at is not None


class MessageLog(models.Model):
    """Every invitation and reminder: queued, sent or failed, with its attempts."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"

    class Kind(models.TextChoices):
        INVITATION = "invitation", "Invitation"
        REMINDER_3 = "reminder_3", "Reminder (due + 3 days)"
        REMINDER_7 = "reminder_7", "Reminder (due + 7 days)"
        RESEND = "resend", "Link resent by staff"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    time_point = models.ForeignKey(TimePoint, on_delete=models.PROTECT, related_name="messages")
    link = models.ForeignKey(
        FollowUpLink, on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["time_point", "channel", "kind"],
                condition=~models.Q(kind="resend"),
                name="followup_one_message_per_kind",
                violation_error_message="That message has already been sent for this time point.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.get_channel_display()}: {self.status}"


class PlanChoice(models.TextChoices):
    """The next steps followup.md offers when relief has ended or never came."""

    REPEAT_INJECTION = "repeat_injection", "Repeat the injection"
    DIAGNOSTIC_BLOCK_TO_RF = "diagnostic_block_rf", "Diagnostic block, then radiofrequency"
    PHYSIOTHERAPY = "physiotherapy", "Continue or intensify physiotherapy"
    SURGICAL_OPINION = "surgical_opinion", "Refer for a surgical opinion"
    DISCHARGE = "discharge", "Discharge"


class NextStepPlan(EpisodeRecord, models.Model):
    """The step chosen after a procedure's relief ended or never came, and why."""

    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="next_step_plans"
    )
    procedure = models.ForeignKey(
        "procedures.ProcedureRecord", on_delete=models.PROTECT, related_name="next_step_plans"
    )
    choice = models.CharField(max_length=30, choices=PlanChoice.choices)
    reason = models.TextField()
    relief = models.JSONField(default=dict, help_text="The relief summary the choice was made on.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return f"{self.get_choice_display()} ({day(self.decided_at)})"
