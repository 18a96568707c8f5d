"""Procedure bleeding risk and antithrombotic holds (ASRA 2018 [19][20][21][22]).

The hold hours themselves are thresholds and live in ``RuleSetConfig``; this module knows which
drugs are which and turns "hours since the last dose" into the date a clinician can book.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from enum import StrEnum

from spinepath.clinical.ruleset import DEFAULT, RuleSetConfig
from spinepath.clinical.vocab import Antithrombotic, Procedure


class BleedingRisk(StrEnum):
    LOW = "low"
    INTERMEDIATE = "intermediate"


BLEEDING_RISK: dict[Procedure, BleedingRisk] = {
    Procedure.TRANSFORAMINAL_EPIDURAL: BleedingRisk.INTERMEDIATE,
    Procedure.INTERLAMINAR_EPIDURAL: BleedingRisk.INTERMEDIATE,
    Procedure.CAUDAL_EPIDURAL: BleedingRisk.INTERMEDIATE,
    Procedure.FACET_JOINT_INJECTION: BleedingRisk.LOW,
    Procedure.MEDIAL_BRANCH_BLOCK: BleedingRisk.LOW,
    Procedure.RADIOFREQUENCY_DENERVATION: BleedingRisk.LOW,
    Procedure.SACROILIAC_JOINT_INJECTION: BleedingRisk.LOW,
}

ANTICOAGULANTS = frozenset(
    {
        Antithrombotic.WARFARIN,
        Antithrombotic.APIXABAN,
        Antithrombotic.RIVAROXABAN,
        Antithrombotic.EDOXABAN,
        Antithrombotic.DABIGATRAN,
        Antithrombotic.ENOXAPARIN_PROPHYLACTIC,
        Antithrombotic.ENOXAPARIN_THERAPEUTIC,
        Antithrombotic.HEPARIN_SUBCUTANEOUS,
    }
)
P2Y12_INHIBITORS = frozenset(
    {Antithrombotic.CLOPIDOGREL, Antithrombotic.PRASUGREL, Antithrombotic.TICAGRELOR}
)

RESTART_HOURS: dict[Antithrombotic, int] = {Antithrombotic.WARFARIN: 6}
"""When to restart after the procedure [21]; anything not listed follows local protocol."""
DEFAULT_RESTART_HOURS = 24


def hold_hours(
    drug: Antithrombotic, config: RuleSetConfig = DEFAULT, crcl_ml_min: float | None = None
) -> float | None:
    """Hours to hold ``drug`` before an intermediate-risk procedure; ``None`` means no hold.

    ``crcl_ml_min`` (creatinine clearance) lengthens the dabigatran hold when it is low.
    """
    return config.hold_hours(drug, crcl_ml_min)


def remaining_hold_hours(
    drug: Antithrombotic,
    hours_since_last_dose: float | None,
    config: RuleSetConfig = DEFAULT,
    crcl_ml_min: float | None = None,
) -> float | None:
    """Hours still to wait (0 when the hold is met); ``None`` when the drug needs no hold.

    An unknown time of the last dose is treated as a dose just taken: the full hold remains.
    """
    hold = config.hold_hours(drug, crcl_ml_min)
    if hold is None:
        return None
    since = 0.0 if hours_since_last_dose is None else hours_since_last_dose
    return max(0.0, hold - since)


def earliest_hold_date(
    drug: Antithrombotic,
    hours_since_last_dose: float | None,
    on: dt.date,
    config: RuleSetConfig = DEFAULT,
    crcl_ml_min: float | None = None,
) -> dt.date:
    """The first date on which the hold for ``drug`` is satisfied, counting from ``on``.

    Facts carry dates, not times, so remaining hours round *up* to whole days: a hold that ends
    mid-afternoon tomorrow is met "tomorrow" only if the procedure is late enough, so the safe
    answer is the next full day after the remaining hours.
    """
    remaining = remaining_hold_hours(drug, hours_since_last_dose, config, crcl_ml_min)
    if not remaining:
        return on
    return on + dt.timedelta(days=math.ceil(remaining / 24))


def restart_hours(drug: Antithrombotic) -> int:
    return RESTART_HOURS.get(drug, DEFAULT_RESTART_HOURS)


def hold_needed(
    drugs: Iterable[Antithrombotic] | None, procedure: Procedure, config: RuleSetConfig = DEFAULT
) -> bool:
    """Whether the day-of checklist must confirm a hold: any drug with a hold before an
    intermediate-risk procedure. ``None`` (medication not recorded) is asked about too."""
    if drugs is None:
        return True
    if BLEEDING_RISK[procedure] is not BleedingRisk.INTERMEDIATE:
        return False  # steroids.md: no drug must be held for a low-risk procedure
    return any(hold_hours(drug, config) is not None for drug in drugs)
