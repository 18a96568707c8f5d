"""The day-of safety checklist: phases, which items apply, the day's facts, contradictions."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spinepath.clinical.checklist import (
    BEFORE_PROCEDURE,
    CHECKLIST,
    CHECKLIST_CODES,
    DEFAULT_GLUCOSE_WARN_ABOVE_MMOL_L,
    ChecklistConfig,
    ChecklistContext,
    DayFacts,
    Phase,
    applicable_items,
    contradictions,
    day_of_facts,
    evaluate_checklist,
    items_in,
)
from spinepath.clinical.decision import evaluate
from spinepath.clinical.pregnancy import pregnancy_enquiry_needed
from spinepath.clinical.ruleset import DEFAULT, RuleSetConfig
from spinepath.clinical.steroids import is_particulate
from spinepath.clinical.tests.factories import PROPERTY, make_facts
from spinepath.clinical.vocab import (
    IONISING_IMAGING,
    Antithrombotic,
    Imaging,
    Laterality,
    Procedure,
    RedFlag,
    Sex,
    Steroid,
)

CONDITIONAL = {
    "antithrombotic_hold_confirmed",
    "pregnancy_checked",
    "glucose_checked",
    "implanted_devices_checked",
    "non_particulate_steroid_confirmed",
    "stop_before_you_block",
}
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
CLEAN_DAY = DayFacts(pregnant=False, infection_systemic=False, infection_local=False)


def context(**changes: Any) -> ChecklistContext:
    return dataclasses.replace(BASE, **changes)


def required(**changes: Any) -> set[str]:
    return {item.code for item in applicable_items(context(**changes))}


def all_yes(ctx: ChecklistContext, phases: tuple[Phase, ...] = tuple(Phase)) -> dict[str, bool]:
    return {item.code: True for item in applicable_items(ctx) if item.phase in phases}


contexts = st.builds(
    ChecklistContext,
    procedure=st.sampled_from(Procedure),
    imaging=st.sampled_from(Imaging),
    sex=st.sampled_from(Sex),
    age=st.none() | st.integers(min_value=0, max_value=110),
    diabetic=st.booleans(),
    steroid=st.none() | st.sampled_from(Steroid),
    needs_antithrombotic_hold=st.booleans(),
    side=st.sampled_from(Laterality),
)

# A transforaminal injection of a particulate steroid can never be ticked as non-particulate.
consistent_contexts = contexts.filter(
    lambda c: (
        not (
            c.procedure is Procedure.TRANSFORAMINAL_EPIDURAL
            and c.steroid is not None
            and is_particulate(c.steroid)
        )
    )
)


# --- The phases and their items ------------------------------------------------------------------


def test_the_three_natssips_phases_hold_the_agreed_items() -> None:
    assert {i.code for i in items_in(Phase.SIGN_IN)} == {
        "identity_confirmed",
        "procedure_confirmed",
        "site_and_side_confirmed",
        "site_marked",
        "consent_valid",
        "allergies_checked",
        "antithrombotic_status_asked",
        "antithrombotic_hold_confirmed",
        "pregnancy_checked",
        "infection_checked",
        "red_flags_checked",
        "observations_recorded",
        "glucose_checked",
        "implanted_devices_checked",
        "escort_home_confirmed",
    }
    assert {i.code for i in items_in(Phase.TIME_OUT)} == {
        "team_brief",
        "imaging_ready",
        "resuscitation_equipment_available",
        "iv_access_if_needed",
        "level_confirmed_on_imaging",
        "drug_check",
        "non_particulate_steroid_confirmed",
        "stop_before_you_block",
    }
    assert {i.code for i in items_in(Phase.SIGN_OUT)} == {
        "leg_strength_sensation_checked",
        "discharge_criteria_met",
        "leaflet_given",
    }
    assert len(CHECKLIST) == len(CHECKLIST_CODES)
    for item in CHECKLIST:
        assert item.label and item.help and item.required_when
        assert (item.required_when == "always") == (item.code in ALWAYS)
    assert BEFORE_PROCEDURE == (Phase.SIGN_IN, Phase.TIME_OUT)


def test_the_drug_check_names_dose_expiry_and_labelled_syringes() -> None:
    help_text = next(i.help for i in CHECKLIST if i.code == "drug_check")
    for words in ("name", "dose", "expiry", "labelled"):
        assert words in help_text


def test_anticoagulants_are_asked_about_for_every_patient() -> None:
    assert "antithrombotic_status_asked" in required()
    assert "antithrombotic_status_asked" in required(needs_antithrombotic_hold=True)


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
        (Sex.OTHER, 30, Imaging.FLUOROSCOPY, True),  # "other" and "not known" could be pregnant
        (Sex.OTHER, 60, Imaging.FLUOROSCOPY, False),
    ],
)
def test_pregnancy_is_checked_for_anyone_who_could_be_pregnant_before_x_ray_or_ct(
    sex: Sex, age: int | None, imaging: Imaging, needed: bool
) -> None:
    assert ("pregnancy_checked" in required(sex=sex, age=age, imaging=imaging)) == needed


def test_the_pregnancy_age_range_is_the_rule_sets() -> None:
    ctx = context(sex=Sex.FEMALE, age=58)
    wider = ChecklistConfig(ruleset=RuleSetConfig(pregnancy_check_max_age=60))
    assert "pregnancy_checked" not in {i.code for i in applicable_items(ctx)}
    assert "pregnancy_checked" in {i.code for i in applicable_items(ctx, wider)}


@given(
    st.sampled_from(Sex),
    st.integers(min_value=0, max_value=110),
    st.sampled_from(Imaging),
)
@PROPERTY
def test_the_checklist_asks_about_pregnancy_exactly_when_the_rule_would_defer_without_it(
    sex: Sex, age: int, imaging: Imaging
) -> None:
    """One policy: the pregnancy item applies iff PREGNANCY_NOT_ASSESSED fires on "not known"."""
    ctx = context(sex=sex, age=age, imaging=imaging)
    asked = "pregnancy_checked" in {i.code for i in applicable_items(ctx)}
    facts = make_facts({"sex": sex.value, "age": age, "imaging": imaging.value, "pregnant": None})
    fires = "PREGNANCY_NOT_ASSESSED" in [r.code for r in evaluate(facts).reasons]
    assert asked == fires == pregnancy_enquiry_needed(sex, age, imaging, DEFAULT)


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


@pytest.mark.parametrize(
    ("procedure", "needed"),
    [(Procedure.RADIOFREQUENCY_DENERVATION, True), (Procedure.MEDIAL_BRANCH_BLOCK, False)],
)
def test_implanted_devices_are_checked_before_radiofrequency_only(
    procedure: Procedure, needed: bool
) -> None:
    assert ("implanted_devices_checked" in required(procedure=procedure)) == needed


@pytest.mark.parametrize(
    ("side", "needed"),
    [
        (Laterality.LEFT, True),
        (Laterality.RIGHT, True),
        (Laterality.BILATERAL, True),
        (Laterality.NOT_APPLICABLE, False),
    ],
)
def test_stop_before_you_block_is_for_a_sided_injection(side: Laterality, needed: bool) -> None:
    assert ("stop_before_you_block" in required(side=side)) == needed


@pytest.mark.parametrize(
    ("procedure", "steroid", "needed"),
    [
        (Procedure.TRANSFORAMINAL_EPIDURAL, Steroid.DEXAMETHASONE, True),
        (Procedure.TRANSFORAMINAL_EPIDURAL, None, False),
        (Procedure.INTERLAMINAR_EPIDURAL, Steroid.DEXAMETHASONE, False),
    ],
)
def test_the_non_particulate_check_is_for_a_transforaminal_steroid(
    procedure: Procedure, steroid: Steroid | None, needed: bool
) -> None:
    got = required(procedure=procedure, steroid=steroid)
    assert ("non_particulate_steroid_confirmed" in got) == needed


@given(contexts)
def test_each_conditional_item_applies_exactly_when_its_condition_holds(
    ctx: ChecklistContext,
) -> None:
    codes = {item.code for item in applicable_items(ctx)}
    pregnancy = (
        ctx.sex in (Sex.FEMALE, Sex.OTHER)
        and ctx.imaging in IONISING_IMAGING
        and (ctx.age is None or 12 <= ctx.age <= 55)
    )
    assert ("antithrombotic_hold_confirmed" in codes) == ctx.needs_antithrombotic_hold
    assert ("pregnancy_checked" in codes) == pregnancy
    assert ("glucose_checked" in codes) == (ctx.diabetic and ctx.steroid is not None)
    assert ("implanted_devices_checked" in codes) == (
        ctx.procedure is Procedure.RADIOFREQUENCY_DENERVATION
    )
    assert ("stop_before_you_block" in codes) == (ctx.side is not Laterality.NOT_APPLICABLE)
    assert ("non_particulate_steroid_confirmed" in codes) == (
        ctx.procedure is Procedure.TRANSFORAMINAL_EPIDURAL and ctx.steroid is not None
    )


# --- Completeness, phase by phase ----------------------------------------------------------------


@given(consistent_contexts)
def test_it_is_complete_when_every_applicable_item_is_yes(ctx: ChecklistContext) -> None:
    day = dataclasses.replace(CLEAN_DAY, glucose_mmol_l=6.0)
    result = evaluate_checklist(ctx, all_yes(ctx), day)
    assert result.complete and result.ready_for_procedure
    assert result.all_missing == ()


@given(consistent_contexts)
def test_sign_out_is_not_needed_before_the_procedure(ctx: ChecklistContext) -> None:
    day = dataclasses.replace(CLEAN_DAY, glucose_mmol_l=6.0)
    result = evaluate_checklist(ctx, all_yes(ctx, BEFORE_PROCEDURE), day)
    assert result.ready_for_procedure and not result.complete
    assert set(result.missing[Phase.SIGN_OUT]) == {i.code for i in items_in(Phase.SIGN_OUT)}


@given(contexts, st.data())
def test_it_is_not_ready_while_any_sign_in_or_time_out_item_is_not_yes(
    ctx: ChecklistContext, data: st.DataObject
) -> None:
    before = [i.code for i in applicable_items(ctx) if i.phase in BEFORE_PROCEDURE]
    unanswered = data.draw(st.sets(st.sampled_from(before), min_size=1))
    answers = {code: code not in unanswered for code in before}
    for code in data.draw(st.sets(st.sampled_from(sorted(unanswered)))):
        del answers[code]  # a missing answer counts the same as "no"
    result = evaluate_checklist(ctx, answers, dataclasses.replace(CLEAN_DAY, glucose_mmol_l=6.0))
    assert not result.ready_for_procedure
    missing = set(result.missing[Phase.SIGN_IN]) | set(result.missing[Phase.TIME_OUT])
    assert missing == unanswered


def test_a_sided_injection_is_not_ready_without_stop_before_you_block() -> None:
    ctx = context(side=Laterality.LEFT)
    answers = all_yes(ctx, BEFORE_PROCEDURE) | {"stop_before_you_block": False}
    result = evaluate_checklist(ctx, answers, CLEAN_DAY)
    assert result.missing[Phase.TIME_OUT] == ("stop_before_you_block",)
    assert not result.ready_for_procedure
    midline = context(side=Laterality.NOT_APPLICABLE)
    assert evaluate_checklist(
        midline, all_yes(midline, BEFORE_PROCEDURE), CLEAN_DAY
    ).ready_for_procedure


def test_answers_to_items_that_do_not_apply_are_ignored() -> None:
    answers = all_yes(BASE) | {"glucose_checked": False, "pregnancy_checked": False}
    assert evaluate_checklist(BASE, answers, CLEAN_DAY).complete


def test_only_true_counts_as_yes() -> None:
    answers: dict[str, Any] = all_yes(BASE) | {"consent_valid": 1}
    result = evaluate_checklist(BASE, answers, CLEAN_DAY)
    assert result.all_missing == ("consent_valid",)


def test_an_unknown_item_code_is_an_error() -> None:
    with pytest.raises(ValueError, match="consent_vaild"):
        evaluate_checklist(BASE, all_yes(BASE) | {"consent_vaild": True}, CLEAN_DAY)


# --- The day's facts -----------------------------------------------------------------------------

ON_APIXABAN = {"antithrombotics": [{"drug": "apixaban", "hours_since_last_dose": 200}]}


def test_the_days_last_dose_replaces_the_assessments() -> None:
    facts = make_facts(ON_APIXABAN)
    day = DayFacts(last_dose_hours={Antithrombotic.APIXABAN: 24})
    [use] = day_of_facts(facts, day).antithrombotics or []
    assert use.hours_since_last_dose == 24


def test_a_drug_without_a_time_today_counts_as_still_taken() -> None:
    overlaid = day_of_facts(make_facts(ON_APIXABAN), DayFacts())
    assert [u.hours_since_last_dose for u in overlaid.antithrombotics or []] == [None]
    assert "ANTITHROMBOTIC_NOT_HELD" in [r.code for r in evaluate(overlaid).reasons]


def test_the_days_inr_pregnancy_infection_and_new_red_flags_are_used() -> None:
    facts = make_facts({"inr": 1.0, "red_flags": ["night_pain"]})
    day = DayFacts(
        inr=1.8,
        pregnant=True,
        infection_systemic=False,
        infection_local=True,
        new_red_flags=(RedFlag.SADDLE_ANAESTHESIA,),
    )
    overlaid = day_of_facts(facts, day)
    assert overlaid.inr == 1.8 and overlaid.pregnant is True
    assert overlaid.infection is not None and overlaid.infection.local_at_site is True
    assert overlaid.red_flags == [RedFlag.NIGHT_PAIN, RedFlag.SADDLE_ANAESTHESIA]
    assert day_of_facts(facts, DayFacts()).inr == 1.0  # not measured today: the last one stands
    assert day_of_facts(facts, DayFacts()).infection is None  # not checked today: not assessed


@given(st.sets(st.sampled_from(RedFlag), min_size=1))
@PROPERTY
def test_new_red_flags_on_the_day_never_make_the_decision_less_restrictive(
    flags: set[RedFlag],
) -> None:
    day = dataclasses.replace(CLEAN_DAY, new_red_flags=tuple(sorted(flags)))
    before = evaluate(day_of_facts(make_facts(), CLEAN_DAY)).outcome
    after = day_of_facts(make_facts(), day)
    assert set(after.red_flags or []) == flags
    assert evaluate(after).outcome.severity >= before.severity


def test_new_saddle_numbness_on_the_day_is_an_urgent_referral() -> None:
    day = dataclasses.replace(CLEAN_DAY, new_red_flags=(RedFlag.SADDLE_ANAESTHESIA,))
    assert evaluate(day_of_facts(make_facts(), day)).outcome.value == "urgent_referral"
    assert evaluate(day_of_facts(make_facts(), CLEAN_DAY)).outcome.value == "suitable"


def test_day_facts_round_trip_through_json() -> None:
    day = DayFacts(
        last_dose_hours={Antithrombotic.WARFARIN: 130.0, Antithrombotic.ASPIRIN: None},
        inr=1.1,
        pregnant=False,
        infection_systemic=False,
        infection_local=False,
        new_red_flags=(RedFlag.FEVER,),
        glucose_mmol_l=7.5,
    )
    assert DayFacts.from_json(day.to_json()) == day


@pytest.mark.parametrize(
    "changes",
    [
        {"glucose_mmol_l": -1.0},
        {"glucose_mmol_l": float("nan")},
        {"inr": 0.0},
        {"last_dose_hours": {Antithrombotic.APIXABAN: float("inf")}},
    ],
)
def test_impossible_day_values_are_an_error(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        DayFacts(**changes)


# --- Contradictions ------------------------------------------------------------------------------

HELD_CTX = context(needs_antithrombotic_hold=True)


def _hold_contradicted(hours: float | None, ticked: bool = True) -> bool:
    """The apixaban story: does "held as planned" contradict the re-run with ``hours``?"""
    day = dataclasses.replace(CLEAN_DAY, last_dose_hours={Antithrombotic.APIXABAN: hours})
    decision = evaluate(day_of_facts(make_facts(ON_APIXABAN), day))
    answers = all_yes(HELD_CTX) | {"antithrombotic_hold_confirmed": ticked}
    found = contradictions(HELD_CTX, answers, day, [r.code for r in decision.reasons])
    return any(c.item == "antithrombotic_hold_confirmed" for c in found)


def test_held_as_planned_is_contradicted_when_apixaban_was_taken_24_hours_ago() -> None:
    assert _hold_contradicted(24)
    assert _hold_contradicted(None)  # not known: the whole hold remains


def test_held_as_planned_stands_when_the_hold_is_met() -> None:
    assert not _hold_contradicted(80)


def test_an_unticked_hold_is_missing_not_contradicted() -> None:
    assert not _hold_contradicted(24, ticked=False)


@given(st.floats(min_value=0, max_value=500, allow_nan=False))
@PROPERTY
def test_the_hold_tick_is_contradicted_exactly_while_the_hold_is_not_met(hours: float) -> None:
    hold = DEFAULT.hold_hours(Antithrombotic.APIXABAN)
    assert hold is not None
    assert _hold_contradicted(hours) == (hours < hold)


def test_a_contradiction_stops_the_procedure_even_with_every_item_ticked() -> None:
    day = dataclasses.replace(CLEAN_DAY, last_dose_hours={Antithrombotic.APIXABAN: 24})
    result = evaluate_checklist(HELD_CTX, all_yes(HELD_CTX), day, ["ANTITHROMBOTIC_NOT_HELD"])
    assert result.all_missing == ()
    assert not result.ready_for_procedure and not result.complete
    [found] = result.contradictions
    assert found.item == "antithrombotic_hold_confirmed"
    assert "ANTITHROMBOTIC_NOT_HELD" in found.message


def test_warfarin_held_needs_todays_inr() -> None:
    day = dataclasses.replace(CLEAN_DAY, last_dose_hours={Antithrombotic.WARFARIN: 130})
    answers = all_yes(HELD_CTX)
    assert [c.item for c in contradictions(HELD_CTX, answers, day, [])] == [
        "antithrombotic_hold_confirmed"
    ]
    assert contradictions(HELD_CTX, answers, dataclasses.replace(day, inr=1.1), []) == ()


@pytest.mark.parametrize(
    ("code", "ctx", "day", "reasons"),
    [
        (
            "pregnancy_checked",
            context(sex=Sex.FEMALE, age=30),
            dataclasses.replace(CLEAN_DAY, pregnant=None),
            ["PREGNANCY_NOT_ASSESSED"],
        ),
        ("infection_checked", BASE, dataclasses.replace(CLEAN_DAY, infection_local=None), []),
        ("glucose_checked", context(diabetic=True), CLEAN_DAY, []),
        (
            "non_particulate_steroid_confirmed",
            context(procedure=Procedure.TRANSFORAMINAL_EPIDURAL, steroid=Steroid.TRIAMCINOLONE),
            CLEAN_DAY,
            [],
        ),
    ],
)
def test_a_tick_without_the_fact_it_confirms_is_contradicted(
    code: str, ctx: ChecklistContext, day: DayFacts, reasons: list[str]
) -> None:
    assert [c.item for c in contradictions(ctx, all_yes(ctx), day, reasons)] == [code]


@pytest.mark.parametrize(
    ("ctx", "day"),
    [
        (context(sex=Sex.FEMALE, age=30), CLEAN_DAY),
        (BASE, dataclasses.replace(CLEAN_DAY, infection_local=True)),  # found, so answered
        (context(diabetic=True), dataclasses.replace(CLEAN_DAY, glucose_mmol_l=6.1)),
        (
            context(procedure=Procedure.TRANSFORAMINAL_EPIDURAL, steroid=Steroid.DEXAMETHASONE),
            CLEAN_DAY,
        ),
    ],
)
def test_a_tick_with_its_fact_recorded_is_not_contradicted(
    ctx: ChecklistContext, day: DayFacts
) -> None:
    assert contradictions(ctx, all_yes(ctx), day, []) == ()


# --- Glucose -------------------------------------------------------------------------------------

DIABETIC = context(diabetic=True)


def _glucose(value: float | None) -> DayFacts:
    return dataclasses.replace(CLEAN_DAY, glucose_mmol_l=value)


def test_glucose_above_the_threshold_warns_but_does_not_block() -> None:
    result = evaluate_checklist(DIABETIC, all_yes(DIABETIC), _glucose(15.1))
    assert result.complete
    assert len(result.warnings) == 1
    assert "15.1 mmol/L is above 15 mmol/L (local default, verify)" in result.warnings[0]


@pytest.mark.parametrize("glucose", [4.0, 14.9, DEFAULT_GLUCOSE_WARN_ABOVE_MMOL_L])
def test_glucose_at_or_below_the_threshold_does_not_warn(glucose: float) -> None:
    assert evaluate_checklist(DIABETIC, all_yes(DIABETIC), _glucose(glucose)).warnings == ()


@given(st.floats(min_value=0, max_value=60), st.floats(min_value=1, max_value=40))
def test_glucose_warns_exactly_above_a_configured_threshold(
    glucose: float, threshold: float
) -> None:
    config = ChecklistConfig(glucose_warn_above_mmol_l=threshold)
    result = evaluate_checklist(DIABETIC, all_yes(DIABETIC), _glucose(glucose), config=config)
    assert bool(result.warnings) == (glucose > threshold)


def test_a_missing_glucose_value_warns_when_the_check_applies() -> None:
    result = evaluate_checklist(DIABETIC, all_yes(DIABETIC), _glucose(None))
    assert result.warnings == ("Blood glucose reading not entered: record the value in mmol/L.",)
    assert evaluate_checklist(BASE, all_yes(BASE), CLEAN_DAY).warnings == ()


@pytest.mark.parametrize(
    "changes",
    [{"glucose_warn_above_mmol_l": 0.0}, {"glucose_warn_above_mmol_l": float("nan")}],
)
def test_an_impossible_configuration_is_an_error(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ChecklistConfig(**changes)
