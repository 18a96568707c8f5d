"""Governed rule sets: what a clinic may change, a proposal's checks, and its impact preview."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from spinepath.clinical.decision import evaluate
from spinepath.clinical.facts import Facts
from spinepath.clinical.governance import (
    DEFINITIONS,
    ProposalRefused,
    check_proposal,
    differences,
    impact,
    locked_because,
    locked_settings,
    overrides_from,
    setting_keys,
    settings_of,
    switchable_rules,
)
from spinepath.clinical.rules import RULES, Rule, validate_ruleset
from spinepath.clinical.ruleset import DEFAULT, RuleSetConfig, config_with_overrides
from spinepath.clinical.tests import strategies
from spinepath.clinical.tests.factories import PROPERTY, make_facts
from spinepath.clinical.vocab import Outcome

SIJ = {"procedure": "sacroiliac_joint_injection"}
PROTECTED = [rule for rule in RULES if rule.protected_because is not None]
RED_FLAGS = [rule for rule in RULES if Outcome.URGENT_REFERRAL in rule.outcomes]
GOVERNABLE = [key for key in setting_keys(DEFAULT) if locked_because(key) is None]


def propose(values: dict[str, Any], off: list[str] | None = None) -> RuleSetConfig:
    return check_proposal(DEFAULT, values, off or [], name="clinic-a", version="A.1")


# --- what may change ---------------------------------------------------------------------------


def test_red_flags_absolute_contraindications_and_safety_rules_are_protected() -> None:
    codes = {rule.code for rule in PROTECTED}
    assert {rule.code for rule in RED_FLAGS} <= codes
    assert {"OUTSIDE_AGE_RANGE", "ALLERGY_INJECTATE", "RF_REQUIRES_POSITIVE_MBB"} <= codes
    assert {"RED_FLAGS_NOT_SCREENED", "PREGNANCY_NOT_ASSESSED", "ALLERGIES_NOT_RECORDED"} <= codes
    assert not codes & {rule.code for rule in switchable_rules()}


def test_only_guideline_cautions_may_be_switched_off() -> None:
    assert [rule.code for rule in switchable_rules()] == [
        "NICE_EPIDURAL_NOT_ACUTE_SEVERE",
        "RF_PAIN_BELOW_THRESHOLD",
        "RF_REPEAT_TOO_SOON",
        "CONSERVATIVE_CARE_INSUFFICIENT",
        "REPEAT_AFTER_POOR_RESPONSE",
    ]
    assert all(rule.outcomes == (Outcome.SUITABLE_WITH_CAUTIONS,) for rule in switchable_rules())
    assert all(rule.title for rule in switchable_rules())


def test_the_settings_of_protected_rules_and_the_window_definitions_are_locked() -> None:
    locked = locked_settings()
    assert set(DEFINITIONS) <= set(locked)
    for key in ("min_age", "mbb_min_relief_percent", "mbb_max_age_months"):
        assert "absolute contraindication" in locked[key]
    assert "safety rule" in locked["pregnancy_check_min_age"]
    assert locked_because("conservative_care_min_weeks") is None
    assert locked_because("antithrombotic_hold_hours.apixaban") is None
    assert "hba1c_max_mmol_mol" in GOVERNABLE


def test_every_protected_rule_names_the_settings_it_reads() -> None:
    # OUTSIDE_AGE_RANGE with min_age 16: a 15-year-old fires under the default only.
    assert "OUTSIDE_AGE_RANGE" in evaluate(make_facts({"age": 15})).codes
    loose = DEFAULT.model_copy(update={"min_age": 15})
    assert "OUTSIDE_AGE_RANGE" not in evaluate(make_facts({"age": 15}), loose).codes
    assert "min_age" in next(r for r in RULES if r.code == "OUTSIDE_AGE_RANGE").thresholds


def test_a_switchable_red_flag_is_an_unsafe_rule_set() -> None:
    class SwitchableFlag(Rule):
        code = "RED_FLAG_TEST"
        outcomes = (Outcome.URGENT_REFERRAL,)
        source = "test"
        title = "A test flag"
        switchable = True

    problems = validate_ruleset([*RULES, SwitchableFlag()], DEFAULT)
    assert any("RED_FLAG_TEST may never be switched off" in p for p in problems)


def test_a_stored_configuration_cannot_switch_a_red_flag_off() -> None:
    forged = DEFAULT.model_copy(update={"disabled_rules": ("RED_FLAG_CAUDA_EQUINA",)})
    assert any("may not be off" in p for p in validate_ruleset(RULES, forged))
    facts = make_facts({"red_flags": ["saddle_anaesthesia"]})
    assert evaluate(facts, forged).outcome is Outcome.URGENT_REFERRAL


# --- checking a proposal -----------------------------------------------------------------------


def test_a_proposal_that_lowers_a_threshold_is_accepted_with_its_difference() -> None:
    proposed = propose({"conservative_care_min_weeks": 2})
    assert proposed.conservative_care_min_weeks == 2
    assert (proposed.name, proposed.version) == ("clinic-a", "A.1")
    [change] = differences(DEFAULT, proposed)
    assert (change.label, change.before, change.after) == (
        "Conservative care expected first",
        "4 weeks",
        "2 weeks",
    )


def test_a_proposal_that_touches_a_red_flag_is_refused() -> None:
    with pytest.raises(ProposalRefused) as refused:
        propose({}, ["RED_FLAG_CAUDA_EQUINA"])
    assert refused.value.problems == [
        "RED_FLAG_CAUDA_EQUINA cannot be switched off: it is a red flag."
    ]


def test_an_absolute_contraindication_is_refused_off_and_its_threshold_locked() -> None:
    with pytest.raises(ProposalRefused) as refused:
        propose({"min_age": 14}, ["ALLERGY_INJECTATE"])
    assert refused.value.problems == [
        "Youngest age the service treats cannot be changed by a clinic: it decides "
        "OUTSIDE_AGE_RANGE, and it is an absolute contraindication.",
        "ALLERGY_INJECTATE cannot be switched off: it is an absolute contraindication.",
    ]


def test_a_locked_setting_given_at_its_current_value_is_not_a_change() -> None:
    proposed = propose({"min_age": 16, "hba1c_max_mmol_mol": 64})
    assert proposed.hba1c_max_mmol_mol == 64


@pytest.mark.parametrize(
    ("values", "off", "problem"),
    [
        ({}, [], "The proposal changes nothing: change a threshold or a rule."),
        ({"conservative_care_min_weeks": 4}, [], "The proposal changes nothing"),
        ({"no_such": 1}, [], "There is no setting 'no_such'."),
        ({}, ["NO_SUCH_RULE"], "There is no rule 'NO_SUCH_RULE'."),
        ({}, ["INR_HIGH"], "INR_HIGH cannot be switched off: the rule does not allow it."),
        ({"inr_max_low_risk": 1.2}, [], "inr_max_intermediate_risk is above inr_max_low_risk"),
        ({"rf_min_back_pain_nrs": 4.5}, [], "Back pain score for radiofrequency denervation:"),
        ({"antithrombotic_hold_hours.apixaban": -1}, [], "must not be negative"),
        ({"window_12m_days": 300}, [], "Length of the 12-month window cannot be changed"),
    ],
)
def test_a_bad_proposal_is_refused_in_words(
    values: dict[str, Any], off: list[str], problem: str
) -> None:
    with pytest.raises(ProposalRefused) as refused:
        propose(values, off)
    assert any(p.startswith(problem) or problem in p for p in refused.value.problems)


def test_a_hold_changes_for_one_drug_only() -> None:
    proposed = propose({"antithrombotic_hold_hours.apixaban": 48})
    assert proposed.antithrombotic_hold_hours[next(iter(proposed.antithrombotic_hold_hours))]
    assert settings_of(proposed)["antithrombotic_hold_hours.apixaban"] == 48
    assert settings_of(proposed)["antithrombotic_hold_hours.warfarin"] == 120
    assert overrides_from(DEFAULT, proposed) == {
        "name": "clinic-a",
        "version": "A.1",
        "antithrombotic_hold_hours": {"apixaban": 48.0},
    }


def test_switching_a_rule_off_and_back_on_are_both_differences() -> None:
    off = propose({}, ["RF_REPEAT_TOO_SOON"])
    assert [(c.key, c.before, c.after) for c in differences(DEFAULT, off)] == [
        ("RF_REPEAT_TOO_SOON", "on", "off")
    ]
    assert differences(off, DEFAULT)[0].after == "on"


# --- properties --------------------------------------------------------------------------------


@st.composite
def proposals(draw: st.DrawFn) -> RuleSetConfig:
    keys = draw(st.lists(st.sampled_from(GOVERNABLE), max_size=4, unique=True))
    before = settings_of(DEFAULT)
    values: dict[str, Any] = {}
    for key in keys:
        current = before[key]
        if isinstance(current, int) and not isinstance(current, bool):
            values[key] = draw(st.integers(min_value=0, max_value=2 * int(current) + 10))
        else:
            values[key] = draw(st.floats(min_value=0.5, max_value=2 * float(current) + 10))
    off = draw(st.lists(st.sampled_from([r.code for r in switchable_rules()]), unique=True))
    try:
        return propose(values, off)
    except ProposalRefused:
        assume(False)
        raise


@PROPERTY
@given(config=proposals(), facts=strategies.facts())
def test_no_accepted_proposal_changes_what_a_protected_rule_says(
    config: RuleSetConfig, facts: Facts
) -> None:
    for rule in PROTECTED:
        assert list(rule.check(facts, config)) == list(rule.check(facts, DEFAULT))


@PROPERTY
@given(config=proposals(), facts=strategies.facts())
def test_any_red_flag_still_refers_urgently_under_any_accepted_proposal(
    config: RuleSetConfig, facts: Facts
) -> None:
    urgent = evaluate(facts).outcome is Outcome.URGENT_REFERRAL
    assert (evaluate(facts, config).outcome is Outcome.URGENT_REFERRAL) == urgent


@PROPERTY
@given(
    key=st.sampled_from(sorted(locked_settings())),
    delta=st.integers(min_value=1, max_value=20),
    code=st.sampled_from([rule.code for rule in RULES if rule.never_off_because]),
)
def test_a_locked_setting_or_a_rule_that_must_stay_on_is_always_refused(
    key: str, delta: int, code: str
) -> None:
    value = settings_of(DEFAULT)[key] + delta
    with pytest.raises(ProposalRefused, match="cannot be changed by a clinic"):
        propose({key: value})
    with pytest.raises(ProposalRefused, match=f"{code} cannot be switched off"):
        propose({"conservative_care_min_weeks": 2}, [code])


@PROPERTY
@given(config=proposals(), cases=st.lists(strategies.facts(), max_size=6))
def test_the_impact_lists_exactly_the_cases_whose_decision_changes(
    config: RuleSetConfig, cases: list[Facts]
) -> None:
    found = impact(enumerate(cases), DEFAULT, config)
    assert found.considered == len(cases)
    changed = {change.key: change for change in found.changed}
    for index, facts in enumerate(cases):
        now, then = evaluate(facts), evaluate(facts, config)
        differs = now.outcome is not then.outcome or now.codes != then.codes
        assert (index in changed) == differs
        if differs:
            assert (changed[index].before, changed[index].after) == (now.outcome, then.outcome)
            assert set(changed[index].added) == set(then.codes) - set(now.codes)
    assert impact(enumerate(cases), config, config).changed == []


@PROPERTY
@given(config=proposals())
def test_stored_overrides_rebuild_the_proposal_exactly(config: RuleSetConfig) -> None:
    assert config_with_overrides(overrides_from(DEFAULT, config)) == config


# --- the impact preview, by example ------------------------------------------------------------


def test_lowering_a_threshold_changes_exactly_the_cases_it_crosses() -> None:
    cases = {
        weeks: make_facts(SIJ, {"conservative_care_weeks": weeks}) for weeks in (1, 2, 3, 4, 6)
    }
    found = impact(cases.items(), DEFAULT, propose({"conservative_care_min_weeks": 2}))
    assert [change.key for change in found.changed] == [2, 3]
    for change in found.changed:
        assert (change.before, change.after) == (Outcome.SUITABLE_WITH_CAUTIONS, Outcome.SUITABLE)
        assert change.removed == ("CONSERVATIVE_CARE_INSUFFICIENT",)
        assert change.added == ()
    assert found.outcomes_changed == 2


def test_a_stored_snapshot_the_core_refuses_is_reported_not_dropped() -> None:
    good = make_facts(SIJ, {"conservative_care_weeks": 3}).model_dump(mode="json")
    found = impact(
        [("good", good), ("bad", {"age": "old"})],
        DEFAULT,
        propose({"conservative_care_min_weeks": 2}),
    )
    assert [c.key for c in found.changed] == ["good"]
    assert found.unreadable == ["bad"]
    assert found.considered == 2
