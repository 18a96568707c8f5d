"""Day-of-procedure policies: which holds the checklist confirms, what needs a new reason."""

from __future__ import annotations

from spinepath.clinical.antithrombotics import hold_needed
from spinepath.clinical.decision import Reason, reasons_to_justify_on_the_day
from spinepath.clinical.vocab import Antithrombotic, Outcome, Procedure


def reason(code: str, outcome: Outcome) -> Reason:
    return Reason(code=code, outcome=outcome, message="m", source="s")


DEFER_DRUG = reason("ANTITHROMBOTIC_NOT_HELD", Outcome.DEFER)
CAUTION_CARE = reason("CONSERVATIVE_CARE_INSUFFICIENT", Outcome.SUITABLE_WITH_CAUTIONS)
STEROID_BLOCK = reason("STEROID_INTERVAL_TOO_SHORT", Outcome.DEFER)


def test_a_hold_is_confirmed_for_apixaban_before_an_epidural() -> None:
    assert hold_needed([Antithrombotic.APIXABAN], Procedure.CAUDAL_EPIDURAL)


def test_no_hold_is_confirmed_for_apixaban_before_a_low_risk_block() -> None:
    assert not hold_needed([Antithrombotic.APIXABAN], Procedure.MEDIAL_BRANCH_BLOCK)


def test_no_hold_is_confirmed_for_aspirin_or_none() -> None:
    assert not hold_needed([Antithrombotic.ASPIRIN], Procedure.CAUDAL_EPIDURAL)
    assert not hold_needed([], Procedure.CAUDAL_EPIDURAL)


def test_unrecorded_medication_is_asked_about() -> None:
    assert hold_needed(None, Procedure.MEDIAL_BRANCH_BLOCK)


def test_a_restrictive_reason_on_the_day_needs_justifying() -> None:
    assert reasons_to_justify_on_the_day([DEFER_DRUG, CAUTION_CARE]) == [DEFER_DRUG, CAUTION_CARE]


def test_steroid_reasons_are_left_to_the_point_of_injection() -> None:
    assert reasons_to_justify_on_the_day([STEROID_BLOCK]) == []


def test_an_earlier_reason_covers_the_same_findings() -> None:
    assert (
        reasons_to_justify_on_the_day(
            [CAUTION_CARE],
            earlier_outcome=Outcome.SUITABLE_WITH_CAUTIONS,
            earlier_reasons=[CAUTION_CARE],
        )
        == []
    )


def test_an_earlier_reason_does_not_cover_a_new_finding() -> None:
    assert reasons_to_justify_on_the_day(
        [DEFER_DRUG, CAUTION_CARE],
        earlier_outcome=Outcome.DEFER,
        earlier_reasons=[CAUTION_CARE],
    ) == [DEFER_DRUG, CAUTION_CARE]


def test_an_earlier_reason_does_not_cover_a_worse_outcome() -> None:
    worse = reason("CONSERVATIVE_CARE_INSUFFICIENT", Outcome.DEFER)
    assert reasons_to_justify_on_the_day(
        [worse],
        earlier_outcome=Outcome.SUITABLE_WITH_CAUTIONS,
        earlier_reasons=[CAUTION_CARE],
    ) == [worse]
