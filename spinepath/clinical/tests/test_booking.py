"""Booking checks: each conflict fires on one request and not on its neighbour; stop dates."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from spinepath.clinical.booking import (
    BookingRequest,
    check_booking,
    holds_for,
)
from spinepath.clinical.preprocedure import instructions
from spinepath.clinical.rules import Reason
from spinepath.clinical.ruleset import DEFAULT
from spinepath.clinical.steroids import GivenInjection, PlannedInjection
from spinepath.clinical.tests.factories import PROPERTY
from spinepath.clinical.vocab import Antithrombotic, Imaging, Outcome, Procedure

SESSION = dt.date(2026, 12, 14)  # a Monday
BOOKED = dt.date(2026, 12, 2)
STEROID = PlannedInjection.model_validate(
    {
        "date": BOOKED,
        "procedure": "transforaminal_epidural",
        "steroid": "dexamethasone",
        "steroid_dose_mg": 6.6,
    }
)


def request(**changes: Any) -> BookingRequest:
    base = BookingRequest(
        procedure=Procedure.TRANSFORAMINAL_EPIDURAL,
        planned_imaging=Imaging.FLUOROSCOPY,
        session_date=SESSION,
        session_modality=Imaging.FLUOROSCOPY,
        booked_on=BOOKED,
        consent_valid=True,
        decision_outcome=Outcome.SUITABLE,
        planned_steroid=STEROID,
    )
    return dataclasses.replace(base, **changes)


def codes(**changes: Any) -> list[str]:
    return check_booking(request(**changes)).codes


def reason(code: str, outcome: Outcome) -> Reason:
    return Reason(code=code, outcome=outcome, message="m", source=f"src-{code}")


def test_a_clean_request_has_no_conflict() -> None:
    check = check_booking(request())
    assert check.allowed and check.holds == [] and check.earliest_date is None


def test_the_session_must_be_of_the_planned_modality() -> None:
    assert codes(session_modality=Imaging.ULTRASOUND) == ["BOOKING_WRONG_MODALITY"]
    conflict = check_booking(request(session_modality=Imaging.ULTRASOUND)).conflicts[0]
    assert "ultrasound" in conflict.message and "fluoroscopy" in conflict.message
    assert conflict.source and conflict.action


def test_no_consent_and_no_decision_and_a_past_session_are_refused() -> None:
    assert codes(consent_valid=False) == ["BOOKING_NO_CONSENT"]
    assert codes(decision_outcome=None) == ["BOOKING_NO_DECISION"]
    assert codes(session_date=BOOKED - dt.timedelta(days=1)) == ["BOOKING_SESSION_PAST"]
    assert codes(session_date=BOOKED + dt.timedelta(days=1)) == []


def test_a_stopping_decision_is_never_booked_even_with_a_reason() -> None:
    red = reason("RED_FLAG_MALIGNANCY", Outcome.URGENT_REFERRAL)
    check = check_booking(request(decision_outcome=Outcome.URGENT_REFERRAL, unjustified=[red]))
    assert check.codes == ["BOOKING_DECISION_STOPS"]
    assert "src-RED_FLAG_MALIGNANCY" in check.conflicts[0].source


def test_an_uncleared_finding_refuses_and_a_cleared_one_does_not() -> None:
    caution = reason("IMMUNOSUPPRESSION", Outcome.SUITABLE_WITH_CAUTIONS)
    outcome = Outcome.SUITABLE_WITH_CAUTIONS
    assert codes(decision_outcome=outcome, unjustified=[caution]) == [
        "BOOKING_DECISION_NOT_CLEARED"
    ]
    assert codes(decision_outcome=outcome, unjustified=[]) == []


def test_a_hold_finding_from_assessment_day_is_rechecked_for_the_session_date() -> None:
    held = reason("ANTITHROMBOTIC_NOT_HELD", Outcome.DEFER)
    inr = reason("INR_HIGH", Outcome.DEFER)
    on_warfarin = {"antithrombotics": [Antithrombotic.WARFARIN]}
    assert codes(decision_outcome=Outcome.DEFER, unjustified=[held, inr], **on_warfarin) == []
    # Without warfarin to hold, a high INR still needs a clinician.
    assert codes(decision_outcome=Outcome.DEFER, unjustified=[inr]) == [
        "BOOKING_DECISION_NOT_CLEARED"
    ]


def test_stop_dates_for_warfarin_apixaban_and_clopidogrel() -> None:
    drugs = [Antithrombotic.WARFARIN, Antithrombotic.APIXABAN, Antithrombotic.CLOPIDOGREL]
    check = check_booking(request(antithrombotics=drugs))
    assert check.allowed
    stops = {h.drug: (h.last_dose_on, h.stop_on) for h in check.holds}
    assert stops == {
        # 120 h: nothing from Wednesday 9th; 5 whole days before the session.
        Antithrombotic.WARFARIN: (dt.date(2026, 12, 8), dt.date(2026, 12, 9)),
        # 72 h: nothing from Friday 11th.
        Antithrombotic.APIXABAN: (dt.date(2026, 12, 10), dt.date(2026, 12, 11)),
        # 168 h: nothing from Monday 7th.
        Antithrombotic.CLOPIDOGREL: (dt.date(2026, 12, 6), dt.date(2026, 12, 7)),
    }


def test_a_dose_any_time_on_the_last_day_still_leaves_the_full_hold() -> None:
    for drug in (Antithrombotic.WARFARIN, Antithrombotic.APIXABAN, Antithrombotic.CLOPIDOGREL):
        (hold,) = holds_for(Procedure.CAUDAL_EPIDURAL, [drug], SESSION)
        midnight_after_last_dose = dt.datetime.combine(hold.stop_on, dt.time())
        hours = (dt.datetime.combine(SESSION, dt.time()) - midnight_after_last_dose).days * 24
        assert hours >= (DEFAULT.hold_hours(drug) or 0)


def test_a_hold_that_would_have_started_already_is_refused_with_a_date() -> None:
    too_soon = {"session_date": BOOKED + dt.timedelta(days=5)}
    warfarin = [Antithrombotic.WARFARIN]
    check = check_booking(request(antithrombotics=warfarin, **too_soon))
    assert check.codes == ["BOOKING_HOLD_NOT_POSSIBLE"]
    assert check.earliest_date == BOOKED + dt.timedelta(days=6)
    assert codes(antithrombotics=warfarin, session_date=BOOKED + dt.timedelta(days=6)) == []
    assert codes(antithrombotics=[Antithrombotic.APIXABAN], **too_soon) == []


def test_low_risk_procedures_and_aspirin_need_no_hold() -> None:
    mbb = {"procedure": Procedure.MEDIAL_BRANCH_BLOCK, "planned_steroid": None}
    assert check_booking(request(antithrombotics=[Antithrombotic.WARFARIN], **mbb)).holds == []
    assert check_booking(request(antithrombotics=[Antithrombotic.ASPIRIN])).holds == []


def test_unrecorded_medication_is_a_conflict() -> None:
    assert codes(antithrombotics=None) == ["BOOKING_MEDICATION_NOT_RECORDED"]


def test_a_steroid_too_soon_is_refused_and_the_earliest_date_offered() -> None:
    last = GivenInjection.model_validate(
        {
            "date": SESSION - dt.timedelta(days=10),
            "procedure": "caudal_epidural",
            "steroid": "dexamethasone",
            "steroid_dose_mg": 6.6,
        }
    )
    check = check_booking(request(steroid_history=[last]))
    assert check.codes == ["STEROID_INTERVAL_TOO_SHORT"]
    assert check.earliest_date == SESSION + dt.timedelta(days=4)
    assert check.conflicts[0].source == "[31][33]"
    assert codes(steroid_history=[last], session_date=SESSION + dt.timedelta(days=4)) == []


def test_the_instructions_name_the_calendar_day_to_stop() -> None:
    (hold,) = holds_for(Procedure.CAUDAL_EPIDURAL, [Antithrombotic.WARFARIN], SESSION)
    items = instructions(
        session_date=SESSION,
        start=dt.time(9, 0),
        holds=[hold],
        steroid_planned=True,
        diabetes=True,
        ionising_imaging=True,
    )
    text = {i.code: i.text for i in items}
    assert "Monday 14 December 2026 at 09:00" in text["appointment"]
    assert "Tuesday 8 December 2026" in text["stop_warfarin"]
    assert "Wednesday 9 December 2026" in text["stop_warfarin"]
    assert "6 hours after" in text["stop_warfarin"]
    assert "blood sugar" in text["diabetes"]
    plain = instructions(
        session_date=SESSION,
        start=None,
        holds=[],
        steroid_planned=True,
        diabetes=False,
        ionising_imaging=False,
    )
    assert [i.code for i in plain] == ["appointment", "eating", "driving", "bring"]


@PROPERTY
@given(
    st.sampled_from(list(Antithrombotic)),
    st.sampled_from(list(Procedure)),
    st.integers(0, 30),
)
def test_a_booking_allowed_on_a_date_is_allowed_on_any_later_one(
    drug: Antithrombotic, procedure: Procedure, days: int
) -> None:
    on = BOOKED + dt.timedelta(days=days)
    first = check_booking(request(procedure=procedure, antithrombotics=[drug], session_date=on))
    later = check_booking(
        request(procedure=procedure, antithrombotics=[drug], session_date=on + dt.timedelta(1))
    )
    if first.allowed:
        assert later.allowed
    for hold in first.holds:
        assert hold.stop_on < on
