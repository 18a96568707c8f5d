"""The waiting list: open episodes not yet booked, with their referral-to-treatment clocks.

Sorted by breach date (soonest first; a paused clock, whose date is unknown, last), then by
clinical priority: an episode consented and ready to book before one still to be assessed or
consented, then by referral date. An episode whose latest decision is an urgent referral is never
on it: it needs the onward action, not a place in a queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from spinepath.accounts.models import Clinic
from spinepath.assessment.models import Decision
from spinepath.clinical.rtt import (
    DEFAULT_STANDARD_DAYS,
    Pause,
    RttClock,
    RttStatus,
    Stop,
    StopKind,
    rtt_status,
)
from spinepath.clinical.vocab import Outcome
from spinepath.patients.models import Episode
from spinepath.procedures.models import Consent, ProcedureRecord
from spinepath.scheduling.booking import check_for, plan_for
from spinepath.scheduling.models import Booking, Session

WAITING_STAGES = (Episode.Stage.REFERRED, Episode.Stage.ASSESSED, Episode.Stage.CONSENTED)


def standard_days() -> int:
    return int(getattr(settings, "SPINEPATH_RTT_STANDARD_DAYS", DEFAULT_STANDARD_DAYS))


def clock_for(episode: Episode, pauses: list[Any] | None = None) -> RttClock:
    """The episode's clock: its referral, its recorded pauses, and a stop at the first
    procedure or at discharge, whichever came first."""
    rows = pauses if pauses is not None else list(episode.rtt_pauses.all())
    stops = []
    first = (
        ProcedureRecord.objects.filter(episode=episode, entered_in_error=False)
        .order_by("performed_at")
        .values_list("performed_at", flat=True)
        .first()
    )
    if first is not None:
        stops.append(Stop(timezone.localdate(first), StopKind.TREATMENT))
    if episode.discharged_at is not None:
        stops.append(Stop(timezone.localdate(episode.discharged_at), StopKind.DISCHARGE))
    stop = min(stops, key=lambda s: s.on) if stops else None
    return RttClock(
        episode.referral_date,
        [Pause(p.start, p.reason, p.end) for p in rows if stop is None or p.start < stop.on],
        stop,
        standard_days(),
    )


@dataclass(frozen=True)
class Waiting:
    episode: Episode
    status: RttStatus
    ready: bool
    """Consented: may be booked now."""

    @property
    def sort_key(self) -> tuple[date, int, date]:
        return (
            self.status.breach_date or date.max,
            0 if self.ready else 1,
            self.episode.referral_date,
        )


def _latest_outcome() -> Subquery:
    return Subquery(
        Decision.objects.filter(assessment__episode=OuterRef("pk"))
        .order_by("-evaluated_at", "-id")
        .values("outcome")[:1]
    )


def waiting_list(clinic: Clinic | int, *, on: date) -> list[Waiting]:
    """Every episode waiting in ``clinic`` on day ``on``, in the order to book them."""
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    episodes = (
        Episode.objects.filter(
            patient__clinic_id=clinic_id,
            stage__in=WAITING_STAGES,
            patient__restricted_at__isnull=True,  # not listed while restricted (patients/rights)
        )
        .annotate(
            latest_outcome=_latest_outcome(),
            booked=Exists(Booking.objects.filter(episode=OuterRef("pk"), status="booked")),
            consented=Exists(Consent.objects.filter(episode=OuterRef("pk")).valid_for_procedure()),
        )
        .filter(booked=False)
        .filter(  # NULL (not assessed) compares as unknown in SQL: keep it explicitly
            Q(latest_outcome__isnull=True) | ~Q(latest_outcome=Outcome.URGENT_REFERRAL.value)
        )
        .select_related("patient")
        .prefetch_related("rtt_pauses")
    )
    rows = []
    for episode in episodes:
        pauses = list(episode.rtt_pauses.all())
        clock = RttClock(
            episode.referral_date,
            [Pause(p.start, p.reason, p.end) for p in pauses],
            None,
            standard_days(),
        )
        rows.append(Waiting(episode, rtt_status(clock, on), bool(episode.consented)))
    return sorted(rows, key=lambda w: w.sort_key)


def next_suitable(
    session: Session,
    *,
    on: date,
    at: datetime | None = None,
    limit: int = 3,
    scan: int = 25,
) -> list[Any]:
    """The first waiting patients (consented) the core would allow on ``session``: who to offer
    a freed slot, under the rule set in force at ``at`` (default: the end of ``on``). Looks at
    most ``scan`` consented episodes, in waiting-list order."""
    found = []
    ready = [w for w in waiting_list(session.clinic_id, on=on) if w.ready][:scan]
    for waiting in ready:
        plan = plan_for(waiting.episode)
        if plan.consent is None or plan.consent.imaging != session.modality:
            continue
        if check_for(waiting.episode, session, on=on, plan=plan, at=at).allowed:
            found.append(waiting)
            if len(found) >= limit:
                break
    return found
