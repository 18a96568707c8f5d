"""Clinical policy that the apps used to restate, now defined once here and pinned.

Each policy is a single function or property of the core; the app-side tests
(``assessment/tests/test_policy_from_the_core.py``) check that the pages, the decision, the
checklist and the ledger ask these rather than deciding for themselves.
"""

from __future__ import annotations

import datetime as dt

import pytest

from spinepath.clinical.checklist import ChecklistConfig, ChecklistContext, applicable_items
from spinepath.clinical.decision import evaluate
from spinepath.clinical.examples import evaluate_example
from spinepath.clinical.facts import Facts
from spinepath.clinical.pregnancy import (
    may_be_asked_about_pregnancy,
    pregnancy_enquiry_needed,
    sex_for_rules,
)
from spinepath.clinical.ruleset import DEFAULT, config_with_overrides
from spinepath.clinical.steroids import (
    GivenInjection,
    PlannedInjection,
    SteroidCheck,
    SteroidStatus,
    check_steroid_exposure,
    cumulative_12m_status,
    cumulative_36m_status,
)
from spinepath.clinical.vocab import STOPPING_OUTCOMES, Imaging, Outcome, Sex

# --- which outcomes can never be overridden -------------------------------------------------


def test_exactly_urgent_referral_and_not_suitable_stop_the_pathway() -> None:
    assert {o for o in Outcome if o.stops_pathway} == {
        Outcome.URGENT_REFERRAL,
        Outcome.NOT_SUITABLE,
    }
    assert {Outcome.URGENT_REFERRAL, Outcome.NOT_SUITABLE} == STOPPING_OUTCOMES


@pytest.mark.parametrize("outcome", list(Outcome))
def test_an_outcome_is_overridable_only_between_suitable_and_a_stop(outcome: Outcome) -> None:
    expected = outcome in (Outcome.SUITABLE_WITH_CAUTIONS, Outcome.DEFER, Outcome.NOT_RECOMMENDED)
    assert outcome.overridable is expected
    assert not (outcome.overridable and outcome.stops_pathway)


# --- which steroid check blocks -------------------------------------------------------------

PLANNED_ON = dt.date(2026, 11, 24)


def _check(days_since_last: int) -> SteroidCheck:
    planned = PlannedInjection.model_validate(
        {
            "date": PLANNED_ON,
            "procedure": "caudal_epidural",
            "steroid": "triamcinolone",
            "steroid_dose_mg": 40,
        }
    )
    given = GivenInjection.model_validate(
        {
            "date": PLANNED_ON - dt.timedelta(days=days_since_last),
            "procedure": "caudal_epidural",
            "steroid": "triamcinolone",
            "steroid_dose_mg": 40,
        }
    )
    return check_steroid_exposure(planned, [given], DEFAULT)


def test_a_steroid_check_blocks_when_and_only_when_its_status_is_block() -> None:
    too_soon = _check(DEFAULT.steroid_min_interval_days - 1)
    long_enough = _check(DEFAULT.steroid_min_interval_days)
    assert too_soon.status is SteroidStatus.BLOCK and too_soon.blocks
    assert too_soon.blocking_codes == ["STEROID_INTERVAL_TOO_SHORT"]
    assert long_enough.status is not SteroidStatus.BLOCK and not long_enough.blocks
    assert long_enough.blocking_codes == []


# --- the 12-month steroid limit -------------------------------------------------------------

LIMITS = config_with_overrides(
    {"steroid_cumulative_warn_12m_mg": 100, "steroid_cumulative_limit_12m_mg": 200}
)


@pytest.mark.parametrize(
    ("total", "status"),
    [
        (100, SteroidStatus.OK),  # at the caution level: still within it
        (100.01, SteroidStatus.WARN),
        (200, SteroidStatus.WARN),  # at the limit: still within it
        (200.01, SteroidStatus.BLOCK),
    ],
)
def test_the_12_month_total_is_compared_strictly_with_the_levels(
    total: float, status: SteroidStatus
) -> None:
    assert cumulative_12m_status(total, LIMITS) is status


def test_the_36_month_total_only_warns() -> None:
    warn = DEFAULT.steroid_cumulative_warn_36m_mg
    assert cumulative_36m_status(warn, DEFAULT) is SteroidStatus.OK
    assert cumulative_36m_status(warn + 0.01, DEFAULT) is SteroidStatus.WARN
    assert cumulative_36m_status(10 * warn, DEFAULT) is SteroidStatus.WARN


@pytest.mark.parametrize("over", [0, 0.5])
def test_the_steroid_check_uses_the_same_comparison(over: float) -> None:
    planned = _check(400).planned_mpe_mg  # one 40 mg triamcinolone, nothing else in 12 months
    config = config_with_overrides(
        {
            "steroid_cumulative_warn_12m_mg": planned - over,
            "steroid_cumulative_limit_12m_mg": planned - over,
        }
    )
    alone = PlannedInjection.model_validate(
        {
            "date": PLANNED_ON,
            "procedure": "caudal_epidural",
            "steroid": "triamcinolone",
            "steroid_dose_mg": 40,
        }
    )
    result = check_steroid_exposure(alone, [], config)
    expected = cumulative_12m_status(result.total_12m_mpe_mg, config)
    assert ("STEROID_CUMULATIVE_LIMIT" in result.blocking_codes) is (
        expected is SteroidStatus.BLOCK
    )
    assert expected is (SteroidStatus.BLOCK if over else SteroidStatus.OK)


# --- who is asked about pregnancy -----------------------------------------------------------


@pytest.mark.parametrize(
    ("recorded", "sex"),
    [
        ("female", Sex.FEMALE),
        ("male", Sex.MALE),
        ("other", Sex.OTHER),
        ("unknown", Sex.OTHER),
        ("", Sex.OTHER),
    ],
)
def test_a_recorded_sex_reads_as_the_rules_see_it(recorded: str, sex: Sex) -> None:
    assert sex_for_rules(recorded) is sex


@pytest.mark.parametrize("recorded", ["female", "other", "unknown"])
def test_everyone_but_a_man_may_be_asked_about_pregnancy(recorded: str) -> None:
    assert may_be_asked_about_pregnancy(sex_for_rules(recorded))
    assert pregnancy_enquiry_needed(sex_for_rules(recorded), 30, Imaging.FLUOROSCOPY)


def test_a_man_is_never_asked_about_pregnancy() -> None:
    assert not may_be_asked_about_pregnancy(sex_for_rules("male"))
    assert not pregnancy_enquiry_needed(Sex.MALE, 30, Imaging.FLUOROSCOPY)


@pytest.mark.parametrize("recorded", ["female", "male", "other", "unknown"])
def test_the_decision_and_the_checklist_agree_for_every_recorded_sex(recorded: str) -> None:
    sex = sex_for_rules(recorded)
    facts = Facts.model_validate({**evaluate_example(), "sex": sex.value, "pregnant": None})
    decision_asks = "PREGNANCY_NOT_ASSESSED" in evaluate(facts, DEFAULT).codes
    context = ChecklistContext(
        procedure=facts.procedure,
        imaging=facts.imaging,
        sex=sex,
        age=facts.age,
        diabetic=False,
        steroid=None,
        needs_antithrombotic_hold=False,
    )
    items = applicable_items(context, ChecklistConfig(ruleset=DEFAULT))
    checklist_asks = "pregnancy_checked" in {item.code for item in items}
    assert decision_asks is checklist_asks is (recorded != "male")
