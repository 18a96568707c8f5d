"""Invitations, reminders and resends: what is due now, sent once, retried with back-off.

``send_due(at=)`` is the one job: ``manage.py send_followups`` runs it once and the worker runs it
on a schedule. It works in two steps, each safe to repeat and to run in two processes at once:

1. **Plan**: for each open time point, the message due at ``at`` — the invitation from 9:00 on
   the due day (a pain-diary point at its minute), a reminder on due + 3 and due + 7 days while
   not completed — becomes a ``MessageLog`` row per channel (email; text message when a phone is
   on file and an SMS backend is set). The database allows one row per time point, channel and
   kind, so a second run, or a second process, plans nothing new. Only the latest message due is
   planned: a worker that was down for a week sends one reminder, not three messages at once;
   and a message is not planned when staff resent a link after it fell due.
2. **Deliver**: each waiting row is claimed by one conditional UPDATE (only one process wins
   it), a new link is issued for it (tokens exist in clear only here, inside the message), and
   it is sent. Success marks it sent; a failure is recorded with its error and tried again after
   5, 30 and 120 minutes (``SPINEPATH_FOLLOWUP_RETRY_MINUTES``), then given up and left for staff
   to see. A link issued for a failed send is withdrawn at once.

Messages name the clinic and carry exactly one link: no clinical detail, no name or number.
Logs name message ids only, never an address.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from spinepath.accounts import access, audit
from spinepath.accounts.access import Task
from spinepath.accounts.models import AuditEvent, User
from spinepath.clinical.followup_schedule import default_config
from spinepath.followup import links
from spinepath.followup.models import FollowUpLink, Label, MessageLog, TimePoint
from spinepath.followup.sms import sms_backend
from spinepath.lib.dates import day, moment
from spinepath.lib.prepared import Prepared
from spinepath.patients.locks import hold_patient
from spinepath.patients.models import Patient, TimelineEvent

logger = logging.getLogger(__name__)

Kind = MessageLog.Kind
Channel = MessageLog.Channel
Status = MessageLog.Status

SCHEDULED: tuple[tuple[str, int], ...] = (
    (Kind.INVITATION, 0),
    (Kind.REMINDER_3, 3),
    (Kind.REMINDER_7, 7),
)
"""Each scheduled message and the days after the due date it goes (followup.md)."""


@dataclass
class Report:
    planned: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    message_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "planned": self.planned,
            "sent": self.sent,
            "failed": self.failed,
            "skipped": self.skipped,
        }


# --- When ----------------------------------------------------------------------------------------


def send_moment(time_point: TimePoint, days_after: int) -> datetime:
    """When a message ``days_after`` the due date may go: from 9:00 clinic time that day (a
    pain-diary point: its own minute)."""
    if time_point.label == Label.DIARY and time_point.due_at is not None:
        return time_point.due_at + timedelta(days=days_after)
    send_day = time_point.due_on + timedelta(days=days_after)
    return timezone.make_aware(
        datetime.combine(send_day, time(settings.SPINEPATH_FOLLOWUP_SEND_FROM_HOUR))
    )


def kind_due(time_point: TimePoint, at: datetime) -> str | None:
    """The latest scheduled message due at ``at``, or ``None`` (pain-diary points, whose window
    is hours, get their invitation only)."""
    schedule = SCHEDULED[:1] if time_point.label == Label.DIARY else SCHEDULED
    due = [kind for kind, days in schedule if send_moment(time_point, days) <= at]
    return due[-1] if due else None


def channels_for(patient: Patient) -> list[str]:
    channels = []
    if patient.email:
        channels.append(Channel.EMAIL)
    if patient.phone and settings.SPINEPATH_SMS_BACKEND:
        channels.append(Channel.SMS)
    return channels


def worth_sending(
    time_point: TimePoint, at: datetime, *, resend: bool = False, locked: bool | None = None
) -> str:
    """Why a message for ``time_point`` should no longer go at ``at``; empty when it should.
    ``locked``: whether its links are locked, when the caller already read it for many points."""
    if time_point.completed_at is not None:
        return "the questionnaire was already answered"
    if time_point.cancelled_at is not None:
        return "the time point was cancelled"
    if not time_point.episode.is_open:
        return "the episode was discharged"
    if at >= links.window_closes(time_point):
        return "the time to answer had passed"
    if not resend and (links.is_locked(time_point) if locked is None else locked):
        return "the link is locked after wrong dates of birth"
    return ""


# --- Plan ----------------------------------------------------------------------------------------


def _longest_window_days() -> int:
    """No link outlives this many days after its due date: older time points are not read."""
    configured = settings.SPINEPATH_FOLLOWUP_LINK_DAYS or 0
    return max(configured, default_config().timing.link_expiry_days) + 2


def plan(at: datetime) -> list[MessageLog]:
    """Queue every scheduled message due at ``at`` that has not been queued before."""
    today = timezone.localdate(at)
    candidates = (
        TimePoint.objects.open()
        .filter(
            due_on__lte=today,
            due_on__gte=today - timedelta(days=_longest_window_days()),
            episode__discharged_at__isnull=True,
            # A restricted record gets no message (patients/rights.py); planned after the lift.
            episode__patient__restricted_at__isnull=True,
        )
        .select_related("episode__patient__clinic")
    )
    already: set[tuple[int, str, str]] = set()
    latest: dict[tuple[int, str], datetime] = {}
    for tp_id, channel, kind, created_at in MessageLog.objects.filter(
        time_point__in=candidates
    ).values_list("time_point_id", "channel", "kind", "created_at"):
        already.add((tp_id, channel, kind))
        latest[tp_id, channel] = max(created_at, latest.get((tp_id, channel), created_at))
    locked = links.locked_points(candidates)  # one query for all, not one a time point
    queued = []
    for time_point in candidates:
        kind = kind_due(time_point, at)
        if kind is None or worth_sending(time_point, at, locked=time_point.pk in locked):
            continue
        moment = send_moment(time_point, dict(SCHEDULED)[kind])
        for channel in channels_for(time_point.episode.patient):
            if (time_point.pk, channel, kind) in already:
                continue
            if latest.get((time_point.pk, channel), moment) > moment:
                continue  # staff sent a new link since this message fell due: that will do
            try:
                with transaction.atomic():
                    queued.append(
                        MessageLog.objects.create(
                            time_point=time_point,
                            channel=channel,
                            kind=kind,
                            status=Status.QUEUED,
                            next_attempt_at=at,
                            created_at=at,
                        )
                    )
            except IntegrityError:  # another process planned it a moment ago
                continue
    return queued


# --- Deliver -------------------------------------------------------------------------------------


def waiting(at: datetime) -> Iterable[int]:
    """Messages to (re)try at ``at``: queued, or failed with a retry now due."""
    return list(
        MessageLog.objects.filter(
            Q(status=Status.QUEUED) | Q(status=Status.FAILED),
            next_attempt_at__lte=at,
            # Held while the record is restricted: still waiting, judged again once lifted.
            time_point__episode__patient__restricted_at__isnull=True,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)
    )


def _claim(message_id: int, at: datetime) -> bool:
    """Take the message for this process: one conditional UPDATE, so exactly one process wins
    it. A claimed message is ``queued`` with no next attempt until it is sent or fails."""
    return (
        MessageLog.objects.filter(
            Q(status=Status.QUEUED) | Q(status=Status.FAILED),
            pk=message_id,
            next_attempt_at__lte=at,
        ).update(status=Status.QUEUED, next_attempt_at=None)
        == 1
    )


# The claimed message with what the checks and the text read (lib/prepared.py: compiled once).
_CLAIMED = Prepared(
    lambda pk: MessageLog.objects.select_related("time_point__episode__patient__clinic").filter(
        pk=pk
    ),
    pk=(MessageLog._meta.pk, 1, 2),  # type: ignore[arg-type]
)


def deliver(message_id: int, *, at: datetime | None = None) -> MessageLog | None:
    """Send one waiting message (``None`` when another process has it or it is not due)."""
    at = at or timezone.now()
    if not _claim(message_id, at):
        return None
    message = _CLAIMED.get(pk=message_id)
    time_point = message.time_point
    if time_point.episode.patient.restricted_at is not None:
        # Restricted since it was listed: put it back, held until the restriction is lifted.
        MessageLog.objects.filter(pk=message_id).update(next_attempt_at=at)
        return None
    reason = worth_sending(time_point, at, resend=message.kind == Kind.RESEND)
    if not reason and message.channel not in channels_for(time_point.episode.patient):
        reason = "the address or number is no longer on file"
    if reason:
        message.status = Status.FAILED
        message.last_error = f"Not sent: {reason}."
        message.save(update_fields=["status", "last_error"])
        return message
    link, url = links.issue(time_point, at=at)
    patient = time_point.episode.patient
    try:
        if message.channel == Channel.EMAIL:
            _email(patient, render_message(message, url, link), at)
        else:
            sms_backend().send(patient.phone, render_message(message, url, link).body)
    except Exception as error:  # any failure of the transport is recorded and retried
        FollowUpLink.objects.filter(pk=link.pk).update(revoked_at=at)
        message.attempts += 1
        message.status = Status.FAILED
        message.last_error = describe(error, patient)
        message.next_attempt_at = next_attempt(message.attempts, at)
        message.save(update_fields=["attempts", "status", "last_error", "next_attempt_at"])
        logger.warning(
            "Follow-up message %s failed (attempt %s, %s)",
            message.pk,
            message.attempts,
            type(error).__name__,
        )
        return message
    message.attempts += 1
    message.status = Status.SENT
    message.sent_at = at
    message.link = link
    message.last_error = ""
    message.save(update_fields=["attempts", "status", "sent_at", "link", "last_error"])
    logger.info("Follow-up message %s sent (%s, %s)", message.pk, message.kind, message.channel)
    return message


def next_attempt(attempts: int, at: datetime) -> datetime | None:
    """Back-off: the wait after the n-th failed attempt, or ``None`` once they are used up."""
    waits = settings.SPINEPATH_FOLLOWUP_RETRY_MINUTES
    if attempts > len(waits):
        return None
    return at + timedelta(minutes=waits[attempts - 1])


_EMAIL = re.compile(r"[^\s<>@'\"]+@[^\s<>@'\"]+")


def describe(error: Exception, patient: Patient) -> str:
    """The error in words for staff, without the patient's address or number in it."""
    text = f"{type(error).__name__}: {error}"
    for secret in (patient.email, patient.phone):
        if secret:
            text = text.replace(secret, "[recipient]")
    return _EMAIL.sub("[address]", text)[:500]


# --- Words ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    subject: str
    body: str


def render_message(message: MessageLog, url: str, link: FollowUpLink) -> Words:
    """The message's subject and text: the clinic's name, the one link, when it stops working."""
    time_point = message.time_point
    clinic = time_point.episode.patient.clinic
    diary = time_point.label == Label.DIARY
    context: dict[str, Any] = {
        "clinic": clinic,
        "url": url,
        # A reminder to someone who never had the invitation (no address on file until now, or a
        # worker that was down) reads as the invitation it is.
        "reminder": message.kind in (Kind.REMINDER_3, Kind.REMINDER_7)
        and MessageLog.objects.filter(
            time_point=time_point, channel=message.channel, status=Status.SENT
        )
        .exclude(pk=message.pk)
        .exists(),
        "resend": message.kind == Kind.RESEND,
        "diary": diary,
        "until": moment(link.expires_at) if diary else day(link.expires_at - timedelta(seconds=1)),
    }
    template = "sms" if message.channel == Channel.SMS else "email"
    body = render_to_string(f"followup/messages/{template}.txt", context).strip() + "\n"
    subject = f"Your follow-up questionnaire from {clinic.name}"
    if context["reminder"]:
        subject = f"Reminder: {subject[0].lower()}{subject[1:]}"
    return Words(subject=subject, body=body)


def _email(patient: Patient, words: Words, at: datetime) -> None:
    EmailMessage(
        subject=words.subject,
        body=words.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[patient.email],
    ).send(fail_silently=False)


# --- The job -------------------------------------------------------------------------------------


def send_due(*, at: datetime | None = None) -> Report:
    """Plan and deliver everything due at ``at`` (default now); repeatable at no cost."""
    at = at or timezone.now()
    report = Report()
    report.planned = len(plan(at))
    for message_id in waiting(at):
        message = deliver(message_id, at=at)
        if message is None:
            continue
        report.message_ids.append(message.pk)
        if message.status == Status.SENT:
            report.sent += 1
        elif message.attempts == 0:
            report.skipped += 1
        else:
            report.failed += 1
    return report


# --- Staff: send a new link --------------------------------------------------------------------


class ResendRefused(Exception):
    """Why a new link cannot be sent, in words for the member of staff."""


def resend_link(time_point: TimePoint, *, by: User, at: datetime | None = None) -> list[MessageLog]:
    """Withdraw the time point's links (which also lifts a lock) and queue a new one by every
    channel on file; the worker sends it within moments (``send_due``). Timeline and audit."""
    at = at or timezone.now()
    with transaction.atomic():
        hold_patient(time_point.episode.patient_id)
        time_point = TimePoint.objects.select_related("episode__patient__clinic").get(
            pk=time_point.pk
        )
        patient = time_point.episode.patient
        if by.clinic_id != patient.clinic_id:
            raise ResendRefused("This patient belongs to another clinic.")
        if not access.may(by, Task.FOLLOW_UP):
            raise ResendRefused("Only a clinician or physiotherapist may send a new link.")
        reason = worth_sending(time_point, at, resend=True)
        if reason:
            raise ResendRefused(f"No new link was sent: {reason}.")
        channels = channels_for(patient)
        if not channels:
            raise ResendRefused(
                "No new link was sent: there is no email address (or mobile number for text "
                "messages) on file. Add one to the patient's details, or take the answers by "
                "phone."
            )
        links.revoke_all(time_point, at=at)
        messages = [
            MessageLog.objects.create(
                time_point=time_point,
                channel=channel,
                kind=Kind.RESEND,
                status=Status.QUEUED,
                next_attempt_at=at,
                created_at=at,
            )
            for channel in channels
        ]
        how = " and ".join(Channel(c).label.lower() for c in channels)
        time_point.episode.log(
            TimelineEvent.Kind.FOLLOW_UP,
            f"New follow-up link sent by {how} ({time_point.get_label_display()}); "
            "earlier links withdrawn",
            by=by,
            detail={"time_point": time_point.pk, "messages": [m.pk for m in messages]},
            at=at,
        )
        audit.record(
            None,
            AuditEvent.Action.UPDATE,
            time_point,
            changed_fields=["links"],
            reason="Resent the follow-up link",
            user=by,
            channel=AuditEvent.Channel.UI,
            at=at,
        )
        transaction.on_commit(_enqueue_sender)
    return messages


def _enqueue_sender() -> None:
    from spinepath.followup.tasks import send_followups

    send_followups.enqueue()
