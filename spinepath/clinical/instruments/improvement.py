"""What counts as improvement: the responder thresholds of instruments.md [46][47][48][50].

Change is always baseline minus follow-up, so a positive number is improvement. These are
published responder definitions rather than clinic thresholds, so they are constants here.
"""

from __future__ import annotations

from typing import Literal

from spinepath.clinical.vocab import Condition

NRS_MEANINGFUL_POINTS = 2
NRS_MEANINGFUL_FRACTION = 0.30
NRS_SUBSTANTIAL_FRACTION = 0.50
ODI_MEANINGFUL_POINTS = 10
ODI_MEANINGFUL_FRACTION = 0.30
RMDQ_MEANINGFUL_POINTS = 5
RMDQ_MEANINGFUL_FRACTION = 0.30
MBB_POSITIVE_PERCENT = 50
MBB_SUBSTANTIAL_PERCENT = 80

RESPONDER_TABLE = {
    "nrs": {"meaningful": "reduction ≥ 30% of baseline and ≥ 2 points", "substantial": "≥ 50%"},
    "odi": {"meaningful": "reduction ≥ 10 points or ≥ 30%", "substantial": None},
    "rmdq": {"meaningful": "reduction ≥ 5 points or ≥ 30%", "substantial": None},
    "pgic": {"meaningful": "1 or 2 (much / very much improved)", "substantial": "1"},
    "mbb": {"meaningful": "relief ≥ 50%", "substantial": "relief ≥ 80%"},
}
"""The table as shown to clinicians beside relief figures."""


def _fraction(baseline: float, follow: float) -> float:
    """Reduction as a fraction of baseline; 0 when there was nothing to reduce."""
    return (baseline - follow) / baseline if baseline > 0 else 0.0


def is_meaningful_nrs(baseline: float, follow: float) -> bool:
    """Reduction of at least 30% of baseline *and* at least 2 points."""
    reduction = baseline - follow
    return (
        reduction >= NRS_MEANINGFUL_POINTS
        and _fraction(baseline, follow) >= NRS_MEANINGFUL_FRACTION
    )


def is_substantial_nrs(baseline: float, follow: float) -> bool:
    """Reduction of at least 50%; also required to be meaningful, so 2 → 1 is not substantial.

    Without that, a one-point change from a low baseline would be "substantial" but not
    "meaningful", which no clinician would accept.
    """
    return (
        is_meaningful_nrs(baseline, follow)
        and _fraction(baseline, follow) >= NRS_SUBSTANTIAL_FRACTION
    )


def is_meaningful_odi(baseline: float, follow: float) -> bool:
    reduction = baseline - follow
    return reduction > 0 and (
        reduction >= ODI_MEANINGFUL_POINTS or _fraction(baseline, follow) >= ODI_MEANINGFUL_FRACTION
    )


def is_meaningful_rmdq(baseline: float, follow: float) -> bool:
    reduction = baseline - follow
    return reduction > 0 and (
        reduction >= RMDQ_MEANINGFUL_POINTS
        or _fraction(baseline, follow) >= RMDQ_MEANINGFUL_FRACTION
    )


def is_meaningful_pgic(score: int) -> bool:
    return score in (1, 2)


def is_substantial_pgic(score: int) -> bool:
    return score == 1


def is_positive_mbb(relief_percent: float) -> bool:
    return relief_percent >= MBB_POSITIVE_PERCENT


def is_substantial_mbb(relief_percent: float) -> bool:
    return relief_percent >= MBB_SUBSTANTIAL_PERCENT


LEG_CONDITIONS = frozenset({Condition.SCIATICA})


def primary_pain_measure(
    condition: Condition, leg_pain_dominant: bool | None
) -> Literal["nrs_leg", "nrs_back"]:
    """Leg pain NRS when the pain is leg-dominant, otherwise back pain NRS.

    The recorded ``leg_pain_dominant`` decides. When it was not recorded, sciatica is leg pain by
    definition; for every other condition back pain is the safer default.
    """
    if leg_pain_dominant is None:
        leg_pain_dominant = condition in LEG_CONDITIONS
    return "nrs_leg" if leg_pain_dominant else "nrs_back"
