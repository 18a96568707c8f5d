"""Steroid equivalence and the exposure checks of steroids.md, at their thresholds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from spinepath.clinical.examples import steroid_check_example
from spinepath.clinical.facts import InjectionSite
from spinepath.clinical.ruleset import DEFAULT
from spinepath.clinical.steroids import (
    EQUIVALENCE,
    GivenInjection,
    PlannedInjection,
    Region,
    SteroidCheck,
    SteroidCheckRequest,
    SteroidStatus,
    check_steroid_exposure,
    earliest_hold_date,
    is_particulate,
    mpe_mg,
    region_of,
)
from spinepath.clinical.tests.factories import PROPERTY
from spinepath.clinical.vocab import Antithrombotic, Outcome, Procedure, Steroid

PLANNED = dt.date(2026, 11, 24)


def planned(
    procedure: str = "caudal_epidural",
    steroid: str = "triamcinolone",
    dose: float = 40,
    on: dt.date = PLANNED,
) -> PlannedInjection:
    return PlannedInjection.model_validate(
        {"date": on, "procedure": procedure, "steroid": steroid, "steroid_dose_mg": dose}
    )


def given_on(
    date: str,
    procedure: str = "caudal_epidural",
    steroid: str = "triamcinolone",
    dose: float = 40,
) -> GivenInjection:
    return GivenInjection.model_validate(
        {"date": date, "procedure": procedure, "steroid": steroid, "steroid_dose_mg": dose}
    )


def check(history: list[GivenInjection], **kwargs: Any) -> SteroidCheck:
    return check_steroid_exposure(planned(**kwargs), history)


def codes(result: SteroidCheck) -> list[str]:
    return [reason.code for reason in result.reasons]


# --- equivalence and regions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("steroid", "dose", "mpe"),
    [
        ("methylprednisolone", 40, 40),
        ("triamcinolone", 40, 40),
        ("dexamethasone", 8, 42.67),
        ("dexamethasone", 15, 80),
        ("betamethasone", 6, 40),
        ("betamethasone", 12, 80),
        ("prednisolone", 50, 40),
        ("hydrocortisone", 100, 20),
    ],
)
def test_doses_convert_to_methylprednisolone_equivalents(
    steroid: str, dose: float, mpe: float
) -> None:
    assert mpe_mg(Steroid(steroid), dose) == mpe


def test_every_steroid_has_an_equivalence_and_only_dexamethasone_is_non_particulate() -> None:
    assert set(EQUIVALENCE) == set(Steroid)
    assert EQUIVALENCE[Steroid.DEXAMETHASONE].factor == pytest.approx(5.333, abs=1e-3)
    assert EQUIVALENCE[Steroid.BETAMETHASONE].factor == pytest.approx(6.667, abs=1e-3)
    injectable = [Steroid.METHYLPREDNISOLONE, Steroid.TRIAMCINOLONE, Steroid.BETAMETHASONE]
    assert all(is_particulate(s) for s in injectable)
    assert not is_particulate(Steroid.DEXAMETHASONE)


@pytest.mark.parametrize(
    ("site", "region"),
    [
        ("transforaminal_epidural", Region.LUMBAR_EPIDURAL),
        ("interlaminar_epidural", Region.LUMBAR_EPIDURAL),
        ("caudal_epidural", Region.LUMBAR_EPIDURAL),
        ("facet_joint_injection", Region.LUMBAR_FACET),
        ("medial_branch_block", Region.LUMBAR_FACET),
        ("radiofrequency_denervation", Region.LUMBAR_FACET),
        ("sacroiliac_joint_injection", Region.SACROILIAC),
        ("other_joint", None),
    ],
)
def test_regions(site: str, region: Region | None) -> None:
    assert region_of(site) is region


def test_injection_sites_mirror_procedures_plus_other_joint() -> None:
    assert {s.value for s in InjectionSite} == {p.value for p in Procedure} | {"other_joint"}
    assert InjectionSite.OTHER_JOINT.procedure is None
    assert InjectionSite.CAUDAL_EPIDURAL.procedure is Procedure.CAUDAL_EPIDURAL


# --- the api.md example ------------------------------------------------------------------------


def test_the_api_example() -> None:
    request = SteroidCheckRequest.model_validate(steroid_check_example())
    body = check_steroid_exposure(request.planned, request.history).model_dump(mode="json")
    assert body == {
        "status": "ok",
        "planned_mpe_mg": 40,
        "total_12m_mpe_mg": 80,
        "total_36m_mpe_mg": 80,
        "region": "lumbar_epidural",
        "region_count_12m": 2,
        "days_since_last": 84,
        "days_since_last_same_region": 84,
        "earliest_date": "2026-11-24",
        "reasons": [],
    }


def test_history_after_the_planned_date_is_rejected() -> None:
    with pytest.raises(ValidationError, match=r"history\[0\]\.date"):
        SteroidCheckRequest.model_validate(
            {"planned": planned().model_dump(), "history": [given_on("2026-11-25").model_dump()]}
        )


def test_an_unknown_procedure_is_rejected_naming_the_field() -> None:
    with pytest.raises(ValidationError) as error:
        SteroidCheckRequest.model_validate(
            {
                "planned": {
                    "date": "2026-11-24",
                    "procedure": "knee",
                    "steroid": "triamcinolone",
                    "steroid_dose_mg": 40,
                }
            }
        )
    assert error.value.errors()[0]["loc"] == ("planned", "procedure")


# --- each check at its threshold ---------------------------------------------------------------


def test_interval_14_days_passes_and_13_days_blocks() -> None:
    ok = check([given_on("2026-11-10")])
    blocked = check([given_on("2026-11-11")])
    assert "STEROID_INTERVAL_TOO_SHORT" not in codes(ok)
    assert ok.days_since_last == 14
    assert codes(blocked) == ["STEROID_INTERVAL_TOO_SHORT"]
    assert blocked.status is SteroidStatus.BLOCK
    assert blocked.earliest_date == dt.date(2026, 11, 25)
    (reason,) = blocked.reasons
    assert reason.outcome is Outcome.DEFER
    assert reason.action == "earliest date 2026-11-25"
    assert reason.source == "[31][33]"


REGION_DATES = ["2025-12-15", "2026-02-15", "2026-04-15", "2026-07-15"]


def test_the_fourth_in_a_region_warns_and_the_fifth_blocks() -> None:
    fourth = check([given_on(d, dose=10) for d in REGION_DATES[1:]])
    fifth = check([given_on(d, dose=10) for d in REGION_DATES])

    assert fourth.region_count_12m == 4
    assert codes(fourth) == ["STEROID_REGION_FREQUENT"]
    assert fourth.status is SteroidStatus.WARN

    assert fifth.region_count_12m == 5
    assert codes(fifth) == ["STEROID_REGION_LIMIT"]
    assert fifth.status is SteroidStatus.BLOCK
    # The oldest leaves the 12-month window 365 days after it was given.
    assert fifth.earliest_date == dt.date(2026, 12, 15)


def test_the_third_in_a_region_is_fine() -> None:
    assert check([given_on(d, dose=10) for d in REGION_DATES[2:]]).reasons == []


def test_other_regions_do_not_count_toward_the_region_limit() -> None:
    result = check([given_on(d, "sacroiliac_joint_injection", dose=10) for d in REGION_DATES])
    assert result.region_count_12m == 1
    assert "STEROID_REGION_LIMIT" not in codes(result)


def test_the_fourth_anywhere_in_six_months_warns() -> None:
    recent = ["2026-06-01", "2026-08-01", "2026-10-01"]
    result = check([given_on(d, "other_joint", dose=10) for d in recent])
    assert codes(result) == ["STEROID_REGION_FREQUENT"]
    assert "steroid injection 4 at any site in 6 months" in result.reasons[0].message
    fewer = check([given_on(d, "other_joint", dose=10) for d in recent[1:]])
    assert fewer.reasons == []
    # 2026-05-25 is 183 days before: outside the six-month window.
    edge = check([given_on(d, "other_joint", dose=10) for d in ["2026-05-25", *recent[1:]]])
    assert edge.reasons == []


def test_cumulative_200_in_12_months_is_fine_and_over_200_warns() -> None:
    at = check([given_on("2026-06-01", dose=160)])
    over = check([given_on("2026-06-01", dose=161)])
    assert at.total_12m_mpe_mg == 200 and at.reasons == []
    assert over.total_12m_mpe_mg == 201
    assert codes(over) == ["STEROID_CUMULATIVE_HIGH"]
    assert over.reasons[0].outcome is Outcome.SUITABLE_WITH_CAUTIONS


def test_cumulative_400_in_36_months_is_fine_and_over_400_warns() -> None:
    at = check([given_on("2024-06-01", dose=360)])
    over = check([given_on("2024-06-01", dose=361)])
    assert at.total_36m_mpe_mg == 400 and at.total_12m_mpe_mg == 40 and at.reasons == []
    assert codes(over) == ["STEROID_CUMULATIVE_HIGH"]


def test_injections_older_than_36_months_are_forgotten() -> None:
    old = check([given_on("2023-11-25", dose=1000)])  # 1095 days before
    assert old.total_36m_mpe_mg == 40 and old.reasons == []


def test_cumulative_over_400_in_12_months_blocks_until_the_dose_leaves_the_window() -> None:
    at = check([given_on("2026-06-01", dose=360)])
    over = check([given_on("2026-06-01", dose=361)])
    assert "STEROID_CUMULATIVE_LIMIT" not in codes(at)
    assert codes(over) == ["STEROID_CUMULATIVE_HIGH", "STEROID_CUMULATIVE_LIMIT"]
    assert over.status is SteroidStatus.BLOCK
    assert over.earliest_date == dt.date(2027, 6, 1)
    limit = next(r for r in over.reasons if r.code == "STEROID_CUMULATIVE_LIMIT")
    assert limit.source == "local default (verify)"


def test_a_planned_dose_over_the_limit_on_its_own_has_no_earliest_date() -> None:
    result = check([], steroid="betamethasone", dose=61)  # 406.7 MPE
    assert result.status is SteroidStatus.BLOCK
    assert result.earliest_date is None
    limit = next(r for r in result.reasons if r.code == "STEROID_CUMULATIVE_LIMIT")
    assert limit.action is not None and "reduce the planned dose" in limit.action


def test_single_dose_80_is_fine_and_over_80_warns() -> None:
    assert check([], dose=80).reasons == []
    assert codes(check([], dose=81)) == ["STEROID_SINGLE_DOSE_HIGH"]
    assert check([], steroid="dexamethasone", dose=15).reasons == []


def test_particulate_steroid_for_a_transforaminal_epidural_warns() -> None:
    for steroid in ("triamcinolone", "methylprednisolone", "betamethasone"):
        dose = 6 if steroid == "betamethasone" else 40
        result = check([], procedure="transforaminal_epidural", steroid=steroid, dose=dose)
        assert codes(result) == ["STEROID_PARTICULATE_TRANSFORAMINAL"]
    assert (
        check([], procedure="transforaminal_epidural", steroid="dexamethasone", dose=8).reasons
        == []
    )
    assert check([], procedure="interlaminar_epidural").reasons == []


def test_other_joint_counts_toward_cumulative_and_interval_but_not_region() -> None:
    result = check([given_on("2026-11-20", "other_joint", dose=180)])
    assert result.days_since_last == 4
    assert result.days_since_last_same_region is None
    assert result.region_count_12m == 1
    assert result.total_12m_mpe_mg == 220
    assert codes(result) == ["STEROID_INTERVAL_TOO_SHORT", "STEROID_CUMULATIVE_HIGH"]


def test_a_planned_other_joint_injection_has_no_region() -> None:
    result = check([given_on("2026-10-01")], procedure="other_joint")
    assert result.region is None and result.region_count_12m == 0
    assert result.days_since_last_same_region is None


def test_earliest_date_needs_every_block_cleared() -> None:
    # Five in the region (the oldest leaves on 2026-12-15) and one 3 days ago (clear 2026-12-05):
    # the later of the two wins.
    history = [given_on(d, dose=10) for d in REGION_DATES] + [given_on("2026-11-21", dose=10)]
    result = check(history)
    assert {"STEROID_INTERVAL_TOO_SHORT", "STEROID_REGION_LIMIT"} <= set(codes(result))
    # 6 in region: the two oldest must leave (2026-12-15 and 2027-02-15).
    assert result.earliest_date == dt.date(2027, 2, 15)


def test_earliest_date_is_the_planned_date_when_nothing_blocks() -> None:
    assert check([given_on("2026-11-01")]).earliest_date == PLANNED


def test_windows_follow_the_configuration() -> None:
    config = DEFAULT.model_copy(update={"steroid_min_interval_days": 30})
    result = check_steroid_exposure(planned(), [given_on("2026-11-01")], config)
    assert result.earliest_date == dt.date(2026, 12, 1)


# --- antithrombotic holds -----------------------------------------------------------------------


def test_earliest_hold_date() -> None:
    day = dt.date(2026, 11, 24)
    assert earliest_hold_date(Antithrombotic.APIXABAN, 72, day) == day
    assert earliest_hold_date(Antithrombotic.APIXABAN, 0, day) == dt.date(2026, 11, 27)
    assert earliest_hold_date(Antithrombotic.APIXABAN, 71, day) == dt.date(2026, 11, 25)
    assert earliest_hold_date(Antithrombotic.WARFARIN, None, day) == dt.date(2026, 11, 29)
    assert earliest_hold_date(Antithrombotic.ASPIRIN, 0, day) == day


# --- the earliest date, as a property -----------------------------------------------------------

histories = st.lists(
    st.builds(
        lambda days, site, steroid, dose: GivenInjection(
            date=PLANNED - dt.timedelta(days=days),
            procedure=site,
            steroid=steroid,
            steroid_dose_mg=dose,
        ),
        st.integers(0, 800),
        st.sampled_from(list(InjectionSite)),
        st.sampled_from(list(Steroid)),
        st.integers(0, 120),
    ),
    max_size=8,
)
plans = st.builds(
    lambda site, steroid, dose: PlannedInjection(
        date=PLANNED, procedure=site, steroid=steroid, steroid_dose_mg=dose
    ),
    st.sampled_from(list(InjectionSite)),
    st.sampled_from(list(Steroid)),
    st.integers(0, 80),
)


def _blocks(plan: PlannedInjection, history: list[GivenInjection], on: dt.date) -> bool:
    moved = plan.model_copy(update={"date": on})
    result = check_steroid_exposure(moved, history)
    return any(reason.status is SteroidStatus.BLOCK for reason in result.reasons)


@PROPERTY
@given(plans, histories)
def test_the_earliest_date_passes_every_block_and_the_day_before_does_not(
    plan: PlannedInjection, history: list[GivenInjection]
) -> None:
    result = check_steroid_exposure(plan, history)
    earliest = result.earliest_date
    if earliest is None:
        assert plan.mpe_mg > DEFAULT.steroid_cumulative_limit_12m_mg
        return
    assert earliest >= plan.date
    assert not _blocks(plan, history, earliest)
    if earliest > plan.date:
        assert _blocks(plan, history, earliest - dt.timedelta(days=1))
    assert (result.status is SteroidStatus.BLOCK) == (earliest > plan.date)


@PROPERTY
@given(plans, histories)
def test_totals_include_the_planned_injection(
    plan: PlannedInjection, history: list[GivenInjection]
) -> None:
    result = check_steroid_exposure(plan, history)
    assert result.planned_mpe_mg <= result.total_12m_mpe_mg <= result.total_36m_mpe_mg
    if result.region is not None:
        assert result.region_count_12m >= 1


def test_a_dose_beyond_any_sum_is_refused_so_totals_stay_numbers() -> None:
    import pytest
    from pydantic import ValidationError

    from spinepath.clinical.steroids import PlannedInjection

    planned = {"date": "2026-03-01", "procedure": "caudal_epidural", "steroid": "triamcinolone"}
    assert PlannedInjection.model_validate(planned | {"steroid_dose_mg": 10_000}).mpe_mg > 0
    with pytest.raises(ValidationError, match="less than or equal to 10000"):
        PlannedInjection.model_validate(planned | {"steroid_dose_mg": 6.5e307})
