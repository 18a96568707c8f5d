"""Steroid equivalence, regions and the exposure checks run before every steroid injection.

Doses are compared in methylprednisolone-equivalent milligrams (MPE) so that injections with
different steroids can be added up [25]. Relative potencies for depot and intra-articular use may
differ from the anti-inflammatory table [26]; the UI says so wherever an MPE figure is shown.

All windows are rolling, measured back from the planned date and **include the planned
injection**: an injection counts in a window of ``n`` days when it was given 0 to ``n - 1`` days
before the planned date (window lengths in ``RuleSetConfig``: 183, 365 and 1095 days by default).

The antithrombotic hold table lives with the other thresholds in ``RuleSetConfig``; its helpers are
re-exported here because clinicians look for "what must be held" next to "how much steroid".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from spinepath.clinical.antithrombotics import (
    BLEEDING_RISK,
    BleedingRisk,
    earliest_hold_date,
    hold_hours,
    remaining_hold_hours,
)
from spinepath.clinical.facts import InjectionSite
from spinepath.clinical.ruleset import DEFAULT, RuleSetConfig
from spinepath.clinical.vocab import Outcome, Steroid

__all__ = [
    "BLEEDING_RISK",
    "EQUIVALENCE",
    "BleedingRisk",
    "GivenInjection",
    "PlannedInjection",
    "Region",
    "SteroidCheck",
    "SteroidCheckRequest",
    "SteroidInfo",
    "SteroidInjection",
    "SteroidReason",
    "SteroidStatus",
    "check_steroid_exposure",
    "cumulative_12m_status",
    "cumulative_36m_status",
    "earliest_hold_date",
    "hold_hours",
    "is_particulate",
    "mpe_mg",
    "region_of",
    "remaining_hold_hours",
]


@dataclass(frozen=True)
class SteroidInfo:
    """``equivalent_mg`` is the dose equal to 4 mg methylprednisolone."""

    equivalent_mg: float
    particulate: bool | None
    note: str = ""

    @property
    def factor(self) -> float:
        return 4 / self.equivalent_mg


EQUIVALENCE: dict[Steroid, SteroidInfo] = {
    Steroid.METHYLPREDNISOLONE: SteroidInfo(4, True, "acetate suspension [R1]"),
    Steroid.TRIAMCINOLONE: SteroidInfo(4, True, "acetonide suspension [R1]"),
    Steroid.DEXAMETHASONE: SteroidInfo(0.75, False, "sodium phosphate solution [29][30]"),
    Steroid.BETAMETHASONE: SteroidInfo(
        0.6, True, "acetate/phosphate suspension [R2]; some tables give 0.75 mg [25]"
    ),
    Steroid.PREDNISOLONE: SteroidInfo(5, None, "oral; counts toward cumulative exposure"),
    Steroid.HYDROCORTISONE: SteroidInfo(20, None, "counts toward cumulative exposure"),
}


def mpe_mg(steroid: Steroid, dose_mg: float) -> float:
    """``dose_mg`` of ``steroid`` in methylprednisolone-equivalent mg, to 0.01 mg.

    Multiplying before dividing and rounding to hundredths keeps thresholds exact: 15 mg of
    dexamethasone is 80 MPE, not 80.000000001, so "> 80" does not fire on it.
    """
    return round(dose_mg * 4 / EQUIVALENCE[steroid].equivalent_mg, 2)


def is_particulate(steroid: Steroid) -> bool:
    return bool(EQUIVALENCE[steroid].particulate)


class Region(StrEnum):
    LUMBAR_EPIDURAL = "lumbar_epidural"
    LUMBAR_FACET = "lumbar_facet"
    SACROILIAC = "sacroiliac"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


_REGIONS: dict[InjectionSite, Region] = {
    InjectionSite.TRANSFORAMINAL_EPIDURAL: Region.LUMBAR_EPIDURAL,
    InjectionSite.INTERLAMINAR_EPIDURAL: Region.LUMBAR_EPIDURAL,
    InjectionSite.CAUDAL_EPIDURAL: Region.LUMBAR_EPIDURAL,
    InjectionSite.FACET_JOINT_INJECTION: Region.LUMBAR_FACET,
    InjectionSite.MEDIAL_BRANCH_BLOCK: Region.LUMBAR_FACET,
    InjectionSite.RADIOFREQUENCY_DENERVATION: Region.LUMBAR_FACET,
    InjectionSite.SACROILIAC_JOINT_INJECTION: Region.SACROILIAC,
}


def region_of(site: InjectionSite | str) -> Region | None:
    """The spinal region an injection counts toward; ``None`` for ``other_joint``."""
    return _REGIONS.get(InjectionSite(site))


class SteroidStatus(StrEnum):
    OK = "ok"
    WARN = "warn"
    BLOCK = "block"

    @property
    def severity(self) -> int:
        return list(SteroidStatus).index(self)

    @property
    def blocks(self) -> bool:
        """The injection needs the operating clinician's written override to go ahead."""
        return self is SteroidStatus.BLOCK


def cumulative_12m_status(total_mpe_mg: float, config: RuleSetConfig) -> SteroidStatus:
    """Where 12 months' steroid (methylprednisolone-equivalent) stands against the rule set.

    Over the limit blocks, over the caution level warns; a total exactly *at* either level is
    still within it. The steroid check, the ledger's figure and its colours all ask this.
    """
    if total_mpe_mg > config.steroid_cumulative_limit_12m_mg:
        return SteroidStatus.BLOCK
    if total_mpe_mg > config.steroid_cumulative_warn_12m_mg:
        return SteroidStatus.WARN
    return SteroidStatus.OK


def cumulative_36m_status(total_mpe_mg: float, config: RuleSetConfig) -> SteroidStatus:
    """36 months' steroid: over the caution level warns (there is no 36-month limit)."""
    if total_mpe_mg > config.steroid_cumulative_warn_36m_mg:
        return SteroidStatus.WARN
    return SteroidStatus.OK


_DECISION_OUTCOME = {
    SteroidStatus.WARN: Outcome.SUITABLE_WITH_CAUTIONS,
    SteroidStatus.BLOCK: Outcome.DEFER,
}


class SteroidInjection(BaseModel):
    """One steroid injection, planned or given; ``procedure`` may be ``other_joint``."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    date: dt.date
    procedure: InjectionSite
    steroid: Steroid
    # The exposure check is a calculator: it totals doses beyond any single plausible one (the
    # recording forms bound those, dose_limits.py). 10 g only keeps the sums finite, so an
    # answer is always a number (a huge dose once overflowed the totals to infinity).
    steroid_dose_mg: float = Field(ge=0, le=10_000)

    @property
    def mpe_mg(self) -> float:
        return mpe_mg(self.steroid, self.steroid_dose_mg)

    @property
    def region(self) -> Region | None:
        return region_of(self.procedure)


class PlannedInjection(SteroidInjection):
    """The steroid injection being planned."""


class GivenInjection(SteroidInjection):
    """A steroid injection already given, here or elsewhere (``other_joint`` included)."""


class SteroidCheckRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    planned: PlannedInjection
    history: list[GivenInjection] = Field(default_factory=list)

    @model_validator(mode="after")
    def _history_before_planned(self) -> Self:
        _require_history_before(self.planned, self.history)
        return self


class SteroidReason(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    status: SteroidStatus
    outcome: Outcome
    message: str
    source: str
    action: str | None = None


class SteroidCheck(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: SteroidStatus
    planned_mpe_mg: float
    total_12m_mpe_mg: float
    total_36m_mpe_mg: float
    region: Region | None
    region_count_12m: int
    days_since_last: int | None
    days_since_last_same_region: int | None
    earliest_date: dt.date | None
    reasons: list[SteroidReason]

    @property
    def blocks(self) -> bool:
        """The injection needs the operating clinician's written override to go ahead."""
        return self.status.blocks

    @property
    def blocking_codes(self) -> list[str]:
        return [reason.code for reason in self.reasons if reason.status.blocks]


STEROID_CODES = {
    "STEROID_INTERVAL_TOO_SHORT": (SteroidStatus.BLOCK, "[31][33]"),
    "STEROID_REGION_LIMIT": (SteroidStatus.BLOCK, "[32]"),
    "STEROID_REGION_FREQUENT": (SteroidStatus.WARN, "[33]"),
    "STEROID_CUMULATIVE_HIGH": (SteroidStatus.WARN, "[34]"),
    "STEROID_CUMULATIVE_LIMIT": (SteroidStatus.BLOCK, "local default (verify)"),
    "STEROID_SINGLE_DOSE_HIGH": (SteroidStatus.WARN, "local default (verify)"),
    "STEROID_PARTICULATE_TRANSFORAMINAL": (SteroidStatus.WARN, "[29][30]"),
}
"""Every code the checks can give, with its status and source (steroids.md)."""


@dataclass(frozen=True)
class _Exposure:
    """What the checks see on one candidate date: windows counted back from ``on``."""

    on: dt.date
    planned: SteroidInjection
    history: Sequence[SteroidInjection]
    config: RuleSetConfig

    def _within(self, injection: SteroidInjection, days: int) -> bool:
        return 0 <= (self.on - injection.date).days < days

    def total_mpe(self, days: int) -> float:
        given = sum(i.mpe_mg for i in self.history if self._within(i, days))
        return round(given + self.planned.mpe_mg, 2)

    def count(self, days: int, region: Region | None = None) -> int:
        """Injections in the window (same ``region`` if given), the planned one included."""
        given = [i for i in self.history if self._within(i, days)]
        if region is not None:
            given = [i for i in given if i.region is region]
        return len(given) + 1

    def days_since(self, region: Region | None = None) -> int | None:
        dates = [i.date for i in self.history if region is None or i.region is region]
        return (self.on - max(dates)).days if dates else None

    def blocked(self) -> list[str]:
        """Codes of the ``block`` checks that fail on this date."""
        config, region = self.config, self.planned.region
        codes = []
        since = self.days_since()
        if since is not None and since < config.steroid_min_interval_days:
            codes.append("STEROID_INTERVAL_TOO_SHORT")
        if (
            region is not None
            and self.count(config.window_12m_days, region) >= config.steroid_region_limit_count
        ):
            codes.append("STEROID_REGION_LIMIT")
        total_12m = self.total_mpe(config.window_12m_days)
        if cumulative_12m_status(total_12m, config) is SteroidStatus.BLOCK:
            codes.append("STEROID_CUMULATIVE_LIMIT")
        return codes


def _require_history_before(planned: SteroidInjection, history: Iterable[SteroidInjection]) -> None:
    for index, given in enumerate(history):
        if given.date > planned.date:
            raise ValueError(
                f"history[{index}].date {given.date} is after the planned date {planned.date}"
            )


def _earliest_date(
    planned: SteroidInjection, history: Sequence[SteroidInjection], config: RuleSetConfig
) -> dt.date | None:
    """The first date on or after the planned one on which no ``block`` check fails.

    Every block check only improves as time passes (intervals grow, injections leave windows),
    so it is enough to try the planned date and each date on which something changes: an
    injection's interval ending or it leaving the 12-month window. ``None`` when even an empty
    window would block, i.e. the planned dose alone is over the cumulative limit.
    """
    candidates = {planned.date}
    for given in history:
        candidates.add(given.date + dt.timedelta(days=config.steroid_min_interval_days))
        candidates.add(given.date + dt.timedelta(days=config.window_12m_days))
    for on in sorted(c for c in candidates if c >= planned.date):
        if not _Exposure(on, planned, history, config).blocked():
            return on
    return None


def check_steroid_exposure(
    planned: SteroidInjection,
    history: Iterable[SteroidInjection],
    config: RuleSetConfig = DEFAULT,
) -> SteroidCheck:
    """Run every steroid check in steroids.md for ``planned`` against ``history``."""
    history = list(history)
    _require_history_before(planned, history)
    exposure = _Exposure(planned.date, planned, history, config)
    earliest = _earliest_date(planned, history, config)
    findings = _findings(exposure, earliest)
    status = max((f.status for f in findings), key=lambda s: s.severity, default=SteroidStatus.OK)
    region = planned.region
    return SteroidCheck(
        status=status,
        planned_mpe_mg=planned.mpe_mg,
        total_12m_mpe_mg=exposure.total_mpe(config.window_12m_days),
        total_36m_mpe_mg=exposure.total_mpe(config.window_36m_days),
        region=region,
        region_count_12m=exposure.count(config.window_12m_days, region) if region else 0,
        days_since_last=exposure.days_since(),
        days_since_last_same_region=exposure.days_since(region) if region else None,
        earliest_date=earliest,
        reasons=findings,
    )


def _reason(code: str, message: str, action: str | None = None) -> SteroidReason:
    status, source = STEROID_CODES[code]
    return SteroidReason(
        code=code,
        status=status,
        outcome=_DECISION_OUTCOME[status],
        message=message,
        source=source,
        action=action,
    )


def _findings(exposure: _Exposure, earliest: dt.date | None) -> list[SteroidReason]:
    config, planned = exposure.config, exposure.planned
    region = planned.region
    blocked = exposure.blocked()
    if earliest is None:
        wait = "no date clears the limits: reduce the planned dose"
    else:
        wait = f"earliest date {earliest.isoformat()}"
    reasons = []

    if "STEROID_INTERVAL_TOO_SHORT" in blocked:
        reasons.append(
            _reason(
                "STEROID_INTERVAL_TOO_SHORT",
                f"Only {exposure.days_since()} days have passed since the last steroid injection; "
                f"at least {config.steroid_min_interval_days} days are needed.",
                wait,
            )
        )

    twelve = config.window_12m_days
    if region is not None:
        in_region = exposure.count(twelve, region)
        if "STEROID_REGION_LIMIT" in blocked:
            reasons.append(
                _reason(
                    "STEROID_REGION_LIMIT",
                    f"This would be steroid injection {in_region} in the {region.label} region "
                    f"within 12 months; the limit is {config.steroid_region_limit_count - 1}.",
                    wait,
                )
            )
    frequent = []
    if region is not None and (
        config.steroid_region_frequent_count
        <= exposure.count(twelve, region)
        < config.steroid_region_limit_count
    ):
        frequent.append(
            f"injection {exposure.count(twelve, region)} in the {region.label} region in 12 months"
        )
    anywhere = exposure.count(config.window_6m_days)
    if anywhere >= config.steroid_any_site_frequent_count_6m:
        frequent.append(f"steroid injection {anywhere} at any site in 6 months")
    if frequent:
        reasons.append(
            _reason(
                "STEROID_REGION_FREQUENT",
                f"Frequent steroid injections: this would be {' and '.join(frequent)}.",
                "confirm the previous injections gave at least 50% sustained relief",
            )
        )

    total_12m, total_36m = exposure.total_mpe(twelve), exposure.total_mpe(config.window_36m_days)
    high = []
    if cumulative_12m_status(total_12m, config) is not SteroidStatus.OK:
        high.append(
            f"{total_12m:g} mg in 12 months (over {config.steroid_cumulative_warn_12m_mg:g})"
        )
    if cumulative_36m_status(total_36m, config) is not SteroidStatus.OK:
        high.append(
            f"{total_36m:g} mg in 36 months (over {config.steroid_cumulative_warn_36m_mg:g})"
        )
    if high:
        reasons.append(
            _reason(
                "STEROID_CUMULATIVE_HIGH",
                f"High cumulative steroid exposure including this injection: {'; '.join(high)} "
                "methylprednisolone-equivalent.",
                "consider a lower dose or local anaesthetic only; check bone health and glucose",
            )
        )
    if "STEROID_CUMULATIVE_LIMIT" in blocked:
        reasons.append(
            _reason(
                "STEROID_CUMULATIVE_LIMIT",
                f"Cumulative steroid in 12 months would be {total_12m:g} mg "
                f"methylprednisolone-equivalent, over the limit of "
                f"{config.steroid_cumulative_limit_12m_mg:g} mg.",
                wait,
            )
        )

    if planned.mpe_mg > config.steroid_single_dose_warn_mg:
        reasons.append(
            _reason(
                "STEROID_SINGLE_DOSE_HIGH",
                f"The planned dose is {planned.mpe_mg:g} mg methylprednisolone-equivalent, above "
                f"{config.steroid_single_dose_warn_mg:g} mg for a single injection.",
                "consider a lower dose",
            )
        )

    if planned.procedure is InjectionSite.TRANSFORAMINAL_EPIDURAL and is_particulate(
        planned.steroid
    ):
        reasons.append(
            _reason(
                "STEROID_PARTICULATE_TRANSFORAMINAL",
                f"{planned.steroid.value.capitalize()} is a particulate steroid, which carries a "
                "risk of embolic spinal cord or brain injury in a transforaminal epidural.",
                "use dexamethasone (non-particulate)",
            )
        )
    return reasons
