"""Sessions (injection lists), bookings onto them, and the waiting clock's pauses.

A session is one list: a date, a start time, a room, the imaging it has (an ultrasound clinic, a
fluoroscopy or CT list) and a capacity in slots; procedures take different numbers of slots
(``SLOTS_FOR``). A booking puts one episode on one session; it is never deleted: it is cancelled,
moved (to a new booking, which it names) or marked did-not-attend, each with a reason.

The referral-to-treatment clock (``clinical/rtt.py``) starts at the episode's referral date; its
pauses are recorded here, and it stops at the first procedure or at discharge (read from those
records, so there is one source for each).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from spinepath.accounts.models import Clinic
from spinepath.assessment.models import IMAGING_CHOICES
from spinepath.clinical.coding import procedure_choices
from spinepath.clinical.vocab import Procedure
from spinepath.lib.dates import day
from spinepath.lib.validation import QuickValidation
from spinepath.patients.models import EpisodeRecord

SLOTS_FOR: dict[str, int] = {Procedure.RADIOFREQUENCY_DENERVATION.value: 2}
"""Slots a procedure takes on a list; anything not named takes one."""


def slots_for(procedure: str) -> int:
    return SLOTS_FOR.get(procedure, 1)


class Session(QuickValidation, models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="sessions")
    date = models.DateField()
    start_time = models.TimeField("start time")
    room = models.CharField(max_length=100)
    modality = models.CharField("imaging", max_length=20, choices=IMAGING_CHOICES)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        help_text="The clinician giving the injections.",
    )
    capacity = models.PositiveSmallIntegerField(
        "capacity (slots)", help_text="Most procedures take one slot; radiofrequency takes two."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date", "start_time", "room"]
        indexes = [models.Index(fields=["clinic", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1) & models.Q(capacity__lte=40),
                name="session_capacity_1_to_40",
                violation_error_message="A session holds from 1 to 40 slots.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_modality_display()} list, {day(self.date)} {self.start_time:%H:%M}"

    def clean(self) -> None:
        if self.operator_id and self.clinic_id and self.operator.clinic_id != self.clinic_id:
            raise ValidationError({"operator": "The operator must work in this clinic."})
        if self.operator_id and not self.operator.is_clinician:
            raise ValidationError({"operator": "The operator must be a clinician."})

    def slots_used(self) -> int:
        booked = self.bookings.filter(status=Booking.Status.BOOKED)
        return booked.aggregate(n=models.Sum("slots"))["n"] or 0


class Booking(EpisodeRecord, QuickValidation, models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CANCELLED = "cancelled", "Cancelled"
        MOVED = "moved", "Moved"
        DID_NOT_ATTEND = "did_not_attend", "Did not attend"

    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="bookings"
    )
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="bookings")
    procedure = models.CharField(max_length=40, choices=procedure_choices())
    slots = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BOOKED)
    reason = models.TextField(blank=True, help_text="Why it was cancelled, moved or missed.")
    moved_to = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="moved_from"
    )
    holds = models.JSONField(
        default=list, blank=True, help_text="[{drug, stop_on, hold_hours}] as planned."
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    booked_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(null=True, blank=True)
    instructions_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    rebook_requested_at = models.DateTimeField(null=True, blank=True)
    # The patient's link to their instructions: only a hash of the random token is stored.
    link_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    link_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    link_tries = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["session__date", "session__start_time", "booked_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode"],
                condition=models.Q(status="booked"),
                name="one_live_booking_per_episode",
                violation_error_message="This episode is already booked.",
            )
        ]

    def __str__(self) -> str:
        return f"Booking on {self.session} ({self.get_status_display()})"


class RttPause(EpisodeRecord, QuickValidation, models.Model):
    """A patient-initiated pause of the waiting clock: from ``start`` up to ``end``."""

    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="rtt_pauses"
    )
    start = models.DateField()
    end = models.DateField(null=True, blank=True, help_text="Blank while the pause lasts.")
    reason = models.CharField(max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["start"]

    def __str__(self) -> str:
        return f"Paused from {day(self.start)}: {self.reason}"
