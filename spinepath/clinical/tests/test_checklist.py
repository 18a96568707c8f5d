"""The day-of-procedure safety checklist: which items apply, and when it is complete."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spinepath.clinical.checklist import (
    CHECKLIST,
    CHECKLIST_CODES,
    DEFAULT_GLUCOSE_WARN_ABOVE_MMOL_L,
    ChecklistConfig,
    ChecklistContext,
    applicable_items,
    evaluate_checklist,
)
from spinepath.clinical.vocab import IONISING_IMAGING, Imaging, Procedure, Sex, Steroid

CONDITIONAL = {"antithrombotic_hold_confirmed", "pregnancy_checked", "glucose_checked"}
ALWAYS = CHECKLIST_CODES - CONDITIONAL

BASE = ChecklistContext(
    procedure=Procedure.CAUDAL_EPIDURAL,
    imaging=Imaging.FLUOROSCOPY,
    sex=Sex.MALE,
    age=60,
    diabetic=False,
    steroid=Steroid.TRIAMCINOLONE,
    needs_antithrombotic_hold=False,
)


def context(**changes: Any) -> ChecklistContext:
    return dataclasses.replace(BASE, **changes)


def required(**changes: Any) -> set[str]:
    return {item.code for item in applicable_items(context(**changes))}


def all_yes(ctx: ChecklistContext) -> dict[str, bool]:
    return {item.code: True for item in applicable_items(ctx)}


contexts = st.builds(
    ChecklistContext,
    procedure=st.sampled_from(Procedure),
    imaging=st.sampled_from(Imaging),
    sex=st.sampled_from(Sex),
    age=st.none() | st.integers(min_value=0, max_value=110),
    diabetic=st.booleans(),
    steroid=st.none() | st.sampled_from(Steroid),
    needs_antithrombotic_hold=st.booleans(),
)


# --- The items -----------------------------------------------------------------------------------


def test_the_checklist_has_the_agreed_items_each_described() -> None:
    assert {
        "identity_confirmed",
        "consent_valid",
        "site_and_side_confirmed",
        "site_marked",
        "allergies_checked",
        "antithrombotic_hold_confirmed",
        "pregnancy_checked",
        "glucose_checked",
        "imaging_ready",
        "resuscitation_equipment_available",
        "iv_access_if_needed",
    } == CHECKLIST_CODES
    assert len(CHECKLIST) == len(CHECKLIST_CODES)
    for item in CHECKLIST:
        assert item.label and item.help and item.required_when
        assert (item.required_when == "always") == (item.code in ALWAYS)


def test_the_glucose_item_says_its_threshold_is_a_local_default() -> None:
    item = next(i for i in CHECKLIST if i.code == "glucose_checked")
    assert "15 mmol/L (local default, verify)" in item.help


@given(contexts)
def test_the_unconditional_items_always_apply_in_checklist_order(ctx: ChecklistContext) -> None:
    items = applicable_items(ctx)
    assert {item.code for item in items} >= ALWAYS
    order = [item.code for item in CHECKLIST]
    assert [item.code for item in items] == [c for c in order if c in {i.code for i in items}]


# --- Conditional items ---------------------------------------------------------------------------


@pytest.mark.parametrize("hold", [True, False])
def test_the_antithrombotic_hold_is_required_only_when_a_hold_is_needed(hold: bool) -> None:
    assert ("antithrombotic_hold_confirmed" in required(needs_antithrombotic_hold=hold)) == hold


@pytest.mark.parametrize(
    ("sex", "age", "imaging", "needed"),
    [
        (Sex.FEMALE, 30, Imaging.FLUOROSCOPY, True),
        (Sex.FEMALE, 30, Imaging.CT, True),
        (Sex.FEMALE, 30, Imaging.ULTRASOUND, False),
        (Sex.FEMALE, 12, Imaging.FLUOROSCOPY, True),
        (Sex.FEMALE, 55, Imaging.FLUOROSCOPY, True),
        (Sex.FEMALE, 11, Imaging.FLUOROSCOPY, False),
        (Sex.FEMALE, 56, Imaging.FLUOROSCOPY, False),
        (Sex.FEMALE, None, Imaging.CT, True),
        (Sex.MALE, 30, Imaging.FLUOROSCOPY, False),
        (Sex.OTHER, 30, Imaging.FLUOROSCOPY, False),
    ],
)
def test_pregnancy_is_checked_for_females_12_to_55_before_x_ray_or_ct(
    sex: Sex, age: int | None, imaging: Imaging, needed: bool
) -> None:
    assert ("pregnancy_checked" in required(sex=sex, age=age, imaging=imaging)) == needed


def test_the_pregnancy_age_range_is_configurable() -> None:
    ctx = context(sex=Sex.FEMALE, age=58)
    wider = ChecklistConfig(pregnancy_check_max_age=60)
    assert "pregnancy_checked" not in {i.code for i in applicable_items(ctx)}
    assert "pregnancy_checked" in {i.code for i in applicable_items(ctx, wider)}


@pytest.mark.parametrize(
    ("diabetic", "steroid", "needed"),
    [
        (True, Steroid.TRIAMCINOLONE, True),
        (True, None, False),
        (False, Steroid.TRIAMCINOLONE, False),
        (False, None, False),
    ],
)
def test_glucose_is_checked_for_diabetes_with_a_steroid(
    diabetic: bool, steroid: Steroid | None, needed: bool
) -> None:
    assert ("glucose_checked" in required(diabetic=diabetic, steroid=steroid)) == needed


@given(contexts)
def test_each_conditional_item_applies_exactly_when_its_condition_holds(
    ctx: ChecklistContext,
) -> None:
    codes = {item.code for item in applicable_items(ctx)}
    pregnancy = (
        ctx.sex is Sex.FEMALE
        and ctx.imaging in IONISING_IMAGING
        and (ctx.age is None or 12 <= ctx.age <= 55)
    )
    assert ("antithrombotic_hold_confirmed" in codes) == ctx.needs_antithrombotic_hold
    assert ("pregnancy_checked" in codes) == pregnancy
    assert ("glucose_checked" in codes) == (ctx.diabetic and ctx.steroid is not None)


# --- Completeness --------------------------------------------------------------------------------


@given(contexts)
def test_it_is_complete_when_every_applicable_item_is_yes(ctx: ChecklistContext) -> None:
    result = evaluate_checklist(ctx, all_yes(ctx), glucose_mmol_l=6.0)
    assert result.complete
    assert result.missing == ()


@given(contexts, st.data())
def test_it_is_incomplete_while_any_applicable_item_is_not_yes(
    ctx: ChecklistContext, data: st.DataObject
) -> None:
    items = [item.code for item in applicable_items(ctx)]
    unanswered = data.draw(st.sets(st.sampled_from(items), min_size=1))
    answers = {code: code not in unanswered for code in items}
    for code in data.draw(st.sets(st.sampled_from(sorted(unanswered)))):
        del answers[code]  # a missing answer counts the same as "no"
    result = evaluate_checklist(ctx, answers, glucose_mmol_l=None)
    assert not result.complete
    assert set(result.missing) == unanswered
    assert list(result.missing) == [code for code in items if code in unanswered]


def test_answers_to_items_that_do_not_apply_are_ignored() -> None:
    answers = all_yes(BASE) | {"glucose_checked": False, "pregnancy_checked": False}
    assert evaluate_checklist(BASE, answers, glucose_mmol_l=None).complete


def test_only_true_counts_as_yes() -> None:
    answers: dict[str, Any] = all_yes(BASE) | {"consent_valid": 1}
    result = evaluate_checklist(BASE, answers, glucose_mmol_l=None)
    assert result.missing == ("consent_valid",)


def test_an_unknown_item_code_is_an_error() -> None:
    with pytest.raises(ValueError, match="consent_vaild"):
        evaluate_checklist(BASE, all_yes(BASE) | {"consent_vaild": True}, glucose_mmol_l=None)


# --- Glucose -------------------------------------------------------------------------------------

DIABETIC = context(diabetic=True)


def test_glucose_above_the_threshold_warns_but_does_not_block() -> None:
    result = evaluate_checklist(DIABETIC, all_yes(DIABETIC), glucose_mmol_l=15.1)
    assert result.complete
    assert len(result.warnings) == 1
    assert "15.1 mmol/L is above 15 mmol/L (local default, verify)" in result.warnings[0]


@pytest.mark.parametrize("glucose", [4.0, 14.9, DEFAULT_GLUCOSE_WARN_ABOVE_MMOL_L])
def test_glucose_at_or_below_the_threshold_does_not_warn(glucose: float) -> None:
    assert evaluate_checklist(DIABETIC, all_yes(DIABETIC), glucose).warnings == ()


@given(st.floats(min_value=0, max_value=60), st.floats(min_value=1, max_value=40))
def test_glucose_warns_exactly_above_a_configured_threshold(
    glucose: float, threshold: float
) -> None:
    config = ChecklistConfig(glucose_warn_above_mmol_l=threshold)
    result = evaluate_checklist(DIABETIC, all_yes(DIABETIC), glucose, config)
    assert bool(result.warnings) == (glucose > threshold)


def test_a_missing_glucose_value_warns_when_the_check_applies() -> None:
    result = evaluate_checklist(DIABETIC, all_yes(DIABETIC), glucose_mmol_l=None)
    assert result.warnings == ("Blood glucose reading not entered: record the value in mmol/L.",)
    assert evaluate_checklist(BASE, all_yes(BASE), glucose_mmol_l=None).warnings == ()


@pytest.mark.parametrize("glucose", [-1.0, float("nan"), float("inf")])
def test_an_impossible_glucose_value_is_an_error(glucose: float) -> None:
    with pytest.raises(ValueError, match="glucose"):
        evaluate_checklist(DIABETIC, all_yes(DIABETIC), glucose)


@pytest.mark.parametrize(
    "changes",
    [
        {"glucose_warn_above_mmol_l": 0.0},
        {"glucose_warn_above_mmol_l": float("nan")},
        {"pregnancy_check_min_age": 60},
    ],
)
def test_an_impossible_configuration_is_an_error(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ChecklistConfig(**changes)
