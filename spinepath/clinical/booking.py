"""May this episode be booked onto this session? Every conflict, explained, and the stop dates.

Booking puts a date on the plan, so the date-dependent rules are asked again for the session's
date rather than the assessment's: the steroid checks (``steroids.check_steroid_exposure`` on the
session date, whose earliest eligible date is offered) and the antithrombotic holds
(``antithrombotics``: the hold hours of the rule set, rounded up to whole days). Everything else
comes from the stored decision: an outcome that stops the pathway can never be booked, and any
other restrictive reason must have been cleared by a clinician's written reason first.

Holds are planned from the booking: the patient keeps taking the medicine until told, and the
instruction says which calendar day is the first without it. A dose may be taken at any hour, so
the first day without it is the session date minus the hold in whole days (the core's
``earliest_hold_date`` counted from a dose taken that day): a dose late on the day before still
leaves the full hold by the morning of the session. The instruction must reach the patient before
that day, so a first day without the medicine on or before the booking day cannot work.

Nothing here reads the clock: the booking day is an input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from spinepath.clinical.antithrombotics import (
    ANTICOAGULANTS,
    BLEEDING_RISK,
    BleedingRisk,
    earliest_hold_date,
    restart_hours,
)
from spinepath.clinical.rules import Reason
from spinepath.clinical.ruleset import DEFAULT, RuleSetConfig
from spinepath.clinical.steroids import (
    GivenInjection,
    PlannedInjection,
    SteroidCheck,
    check_steroid_exposure,
)
from spinepath.clinical.vocab import Antithrombotic, Imaging, Outcome, Procedure, lower_label

RECHECKED_FOR_THE_DATE = frozenset(
    {
        "ANTITHROMBOTIC_NOT_HELD",
        "STEROID_INTERVAL_TOO_SHORT",
        "STEROID_REGION_LIMIT",
        "STEROID_CUMULATIVE_LIMIT",
    }
)
"""Decision reasons that depend on the date, so booking checks them again for the session date
instead of asking for a written reason against the assessment-day finding."""

RECHECKED_WHEN_WARFARIN_HELD = frozenset({"INR_HIGH"})
"""The INR is measured again on the day (the checklist re-runs the rules) once warfarin is held."""


@dataclass(frozen=True)
class Conflict:
    """One reason this booking may not go ahead, like a rule's reason: code, words, source."""

    code: str
    message: str
    source: str
    action: str | None = None
    earliest_date: dt.date | None = None
    """A date from which this conflict would not arise, when there is one."""


@dataclass(frozen=True)
class Hold:
    """A medicine to stop before the session: nothing of it on ``stop_on`` or after."""

    drug: Antithrombotic
    hold_hours: float
    stop_on: dt.date
    restart_after_hours: int

    @property
    def last_dose_on(self) -> dt.date:
        return self.stop_on - dt.timedelta(days=1)

    @property
    def name(self) -> str:
        return lower_label(self.drug.value)

    @property
    def is_anticoagulant(self) -> bool:
        return self.drug in ANTICOAGULANTS


@dataclass(frozen=True)
class BookingRequest:
    procedure: Procedure
    planned_imaging: Imaging
    session_date: dt.date
    session_modality: Imaging
    booked_on: dt.date
    consent_valid: bool
    decision_outcome: Outcome | None
    unjustified: Sequence[Reason] = ()
    """The stored decision's reasons that no clinician has written a reason against."""
    antithrombotics: Sequence[Antithrombotic] | None = ()
    """``None``: medication not recorded."""
    crcl_ml_min: float | None = None
    planned_steroid: PlannedInjection | None = None
    """Any date: it is checked on the session date."""
    steroid_history: Sequence[GivenInjection] = field(default_factory=tuple)


@dataclass(frozen=True)
class BookingCheck:
    conflicts: list[Conflict]
    holds: list[Hold]
    steroid: SteroidCheck | None

    @property
    def allowed(self) -> bool:
        return not self.conflicts

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.conflicts]

    @property
    def earliest_date(self) -> dt.date | None:
        """The first date every dated conflict clears, when every conflict is a dated one."""
        if not self.conflicts or any(c.earliest_date is None for c in self.conflicts):
            return None
        return max(c.earliest_date for c in self.conflicts if c.earliest_date is not None)


def hold_days(drug: Antithrombotic, config: RuleSetConfig, crcl_ml_min: float | None) -> int:
    """Whole days from a dose to the first date the hold is met (the core's rounding)."""
    today = dt.date(2000, 1, 1)  # any day: only the difference is used
    return (earliest_hold_date(drug, 0.0, today, config, crcl_ml_min) - today).days


def holds_for(
    procedure: Procedure,
    drugs: Iterable[Antithrombotic],
    session_date: dt.date,
    config: RuleSetConfig = DEFAULT,
    crcl_ml_min: float | None = None,
) -> list[Hold]:
    """The medicines to stop before ``session_date`` and the first day without each.

    None for a low-risk procedure (steroids.md: no drug must be held; the decision's caution
    asks for a shared decision instead).
    """
    if BLEEDING_RISK[procedure] is not BleedingRisk.INTERMEDIATE:
        return []
    holds = []
    for drug in dict.fromkeys(drugs):
        hours = config.hold_hours(drug, crcl_ml_min)
        if hours is None:
            continue
        days = hold_days(drug, config, crcl_ml_min)
        holds.append(
            Hold(
                drug=drug,
                hold_hours=hours,
                stop_on=session_date - dt.timedelta(days=days),
                restart_after_hours=restart_hours(drug),
            )
        )
    return holds


def _sources(reasons: Iterable[Reason]) -> str:
    return " ".join(dict.fromkeys(r.source for r in reasons)) or "rules.md"


def check_booking(request: BookingRequest, config: RuleSetConfig = DEFAULT) -> BookingCheck:
    """Every conflict for booking ``request``; the holds to plan; the steroid check on the date."""
    r = request
    conflicts: list[Conflict] = []
    if r.session_date < r.booked_on:
        conflicts.append(
            Conflict(
                "BOOKING_SESSION_PAST",
                f"The session on {r.session_date.isoformat()} has already taken place.",
                "safety",
                "choose a later session",
            )
        )
    if not r.consent_valid:
        conflicts.append(
            Conflict(
                "BOOKING_NO_CONSENT",
                "There is no valid consent for this episode.",
                "safety",
                "take consent for the planned procedure first",
            )
        )
    if r.session_modality is not r.planned_imaging:
        conflicts.append(
            Conflict(
                "BOOKING_WRONG_MODALITY",
                f"This is {lower_label(r.session_modality.value)} session, and the planned "
                f"procedure is under {lower_label(r.planned_imaging.value)} guidance.",
                "the consented plan",
                f"choose a {lower_label(r.planned_imaging.value)} session",
            )
        )

    drugs = None if r.antithrombotics is None else list(r.antithrombotics)
    holds = (
        []
        if drugs is None
        else holds_for(r.procedure, drugs, r.session_date, config, r.crcl_ml_min)
    )
    conflicts.extend(_decision_conflicts(r, holds))
    if drugs is None:
        conflicts.append(
            Conflict(
                "BOOKING_MEDICATION_NOT_RECORDED",
                "Antithrombotic medication is not recorded, so no stop dates can be given.",
                "safety",
                "record antithrombotics at assessment (an empty list if none)",
            )
        )
    for hold in holds:
        if hold.stop_on <= r.booked_on:
            days = (r.session_date - hold.stop_on).days
            earliest = r.booked_on + dt.timedelta(days=1 + days)
            conflicts.append(
                Conflict(
                    "BOOKING_HOLD_NOT_POSSIBLE",
                    f"{hold.name.capitalize()} must be stopped {days} days before the session "
                    f"(from {hold.stop_on.isoformat()}), which is too late to arrange.",
                    "ASRA 2018 [19][21]",
                    f"choose a session on or after {earliest.isoformat()}",
                    earliest,
                )
            )

    steroid = None
    if r.planned_steroid is not None:
        planned = r.planned_steroid.model_copy(update={"date": r.session_date})
        history = [g for g in r.steroid_history if g.date <= r.session_date]
        steroid = check_steroid_exposure(planned, history, config)
        for reason in steroid.reasons:
            if reason.status.blocks:
                conflicts.append(
                    Conflict(
                        reason.code,
                        reason.message,
                        reason.source,
                        reason.action,
                        steroid.earliest_date,
                    )
                )
    return BookingCheck(conflicts=conflicts, holds=holds, steroid=steroid)


def _decision_conflicts(r: BookingRequest, holds: Sequence[Hold]) -> list[Conflict]:
    if r.decision_outcome is None:
        return [
            Conflict(
                "BOOKING_NO_DECISION",
                "The episode has no suitability decision.",
                "rules.md",
                "assess the patient first",
            )
        ]
    if r.decision_outcome.stops_pathway:
        stopping = [x for x in r.unjustified if x.outcome.stops_pathway]
        return [
            Conflict(
                "BOOKING_DECISION_STOPS",
                f"The decision is {lower_label(r.decision_outcome.value)}: no injection may be "
                "booked.",
                _sources(stopping),
                "follow the onward action on the episode",
            )
        ]
    rechecked = set(RECHECKED_FOR_THE_DATE)
    if any(h.drug is Antithrombotic.WARFARIN for h in holds):
        rechecked |= RECHECKED_WHEN_WARFARIN_HELD
    open_reasons = [x for x in r.unjustified if x.code not in rechecked]
    if not open_reasons:
        return []
    codes = ", ".join(x.code for x in open_reasons)
    return [
        Conflict(
            "BOOKING_DECISION_NOT_CLEARED",
            f"The decision has findings no clinician has cleared with a written reason: {codes}.",
            _sources(open_reasons),
            "a clinician reviews the decision and records a reason to proceed, or re-assesses",
        )
    ]
