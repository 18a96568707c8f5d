"""Every rule fires on one facts object and not on a near-identical one (rules.md, "Tests")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from spinepath.clinical.decision import Decision, Reason, evaluate
from spinepath.clinical.red_flags import Urgency, urgency
from spinepath.clinical.rules import (
    RULES,
    Rule,
    months_before,
    validate_ruleset,
)
from spinepath.clinical.ruleset import DEFAULT, config_with_overrides
from spinepath.clinical.tests.factories import NO_STEROID, codes, decide, make_facts, merged
from spinepath.clinical.vocab import Outcome

URGENT = Outcome.URGENT_REFERRAL
NOT_SUITABLE = Outcome.NOT_SUITABLE
NOT_RECOMMENDED = Outcome.NOT_RECOMMENDED
DEFER = Outcome.DEFER
CAUTION = Outcome.SUITABLE_WITH_CAUTIONS

FEMALE_30 = {"sex": "female", "age": 30}
SIJ = {"procedure": "sacroiliac_joint_injection"}
RF = {
    "procedure": "radiofrequency_denervation",
    "condition": "facet_joint_arthritis",
    "symptoms": {"back_pain_nrs": 6, "leg_pain_dominant": False},
    "mbb": {"date": "2026-09-01", "relief_percent": 80},
}


def _prev(date: str, procedure: str, **more: Any) -> dict[str, Any]:
    return {"date": date, "procedure": procedure, **more}


# (code, near-identical base where it does not fire, change that makes it fire, outcome)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], Outcome]] = [
    ("RED_FLAG_CAUDA_EQUINA", {}, {"red_flags": ["saddle_anaesthesia"]}, URGENT),
    ("RED_FLAG_CAUDA_EQUINA", {}, {"red_flags": ["bladder_dysfunction"]}, URGENT),
    ("RED_FLAG_CAUDA_EQUINA", {}, {"red_flags": ["bowel_dysfunction"]}, URGENT),
    ("RED_FLAG_CAUDA_EQUINA", {}, {"red_flags": ["sexual_dysfunction"]}, URGENT),
    ("RED_FLAG_CAUDA_EQUINA", {}, {"red_flags": ["bilateral_leg_symptoms"]}, URGENT),
    ("RED_FLAG_PROGRESSIVE_DEFICIT", {}, {"red_flags": ["progressive_weakness"]}, URGENT),
    ("RED_FLAG_INFECTION", {}, {"red_flags": ["fever"]}, URGENT),
    ("RED_FLAG_INFECTION", {}, {"red_flags": ["iv_drug_use"]}, URGENT),
    (
        "RED_FLAG_INFECTION",
        {"red_flags": ["recent_bacterial_infection"], "immunosuppressed": False},
        {"immunosuppressed": True},
        URGENT,
    ),
    ("RED_FLAG_MALIGNANCY", {}, {"red_flags": ["cancer_history"]}, URGENT),
    ("RED_FLAG_MALIGNANCY", {}, {"red_flags": ["unexplained_weight_loss"]}, URGENT),
    ("RED_FLAG_FRACTURE", {}, {"red_flags": ["significant_trauma"]}, URGENT),
    ("RED_FLAG_FRACTURE", {}, {"red_flags": ["minor_trauma_with_osteoporosis"]}, URGENT),
    ("NIGHT_PAIN_REVIEW", {}, {"red_flags": ["night_pain"]}, CAUTION),
    ("RED_FLAGS_NOT_SCREENED", {}, {"red_flags": None}, DEFER),
    ("OUTSIDE_AGE_RANGE", {"age": 16}, {"age": 15}, NOT_SUITABLE),
    ("ALLERGY_INJECTATE", {"allergies": ["latex"]}, {"allergies": ["steroid"]}, NOT_SUITABLE),
    (
        "ALLERGY_INJECTATE",
        merged(NO_STEROID, {"allergies": ["steroid"]}),
        {"injectate": {"steroid": "dexamethasone", "steroid_dose_mg": 8}},
        NOT_SUITABLE,
    ),
    (
        "ALLERGY_INJECTATE",
        {"allergies": ["local_anaesthetic"], "injectate": {"local_anaesthetic": None}},
        {"injectate": {"local_anaesthetic": "levobupivacaine"}},
        NOT_SUITABLE,
    ),
    (
        "ALLERGY_CONTRAST",
        {"allergies": ["iodinated_contrast"], "imaging": "ultrasound"},
        {"imaging": "fluoroscopy"},
        CAUTION,
    ),
    (
        "ALLERGY_CONTRAST",
        {"allergies": ["iodinated_contrast"], "imaging": "ultrasound"},
        {"imaging": "ct"},
        CAUTION,
    ),
    ("ALLERGIES_NOT_RECORDED", {}, {"allergies": None}, DEFER),
    ("INFECTION_ACTIVE", {}, {"infection": {"systemic": True}}, DEFER),
    ("INFECTION_ACTIVE", {}, {"infection": {"local_at_site": True}}, DEFER),
    ("BLEEDING_DISORDER", {}, {"bleeding_disorder": True}, DEFER),
    ("MEDICATION_NOT_RECORDED", {}, {"antithrombotics": None}, DEFER),
    (
        "ANTITHROMBOTIC_NOT_HELD",
        {"antithrombotics": [{"drug": "apixaban", "hours_since_last_dose": 72}]},
        {"antithrombotics": [{"drug": "apixaban", "hours_since_last_dose": 71}]},
        DEFER,
    ),
    (
        "ANTITHROMBOTIC_NOT_HELD",
        {"antithrombotics": [{"drug": "heparin_subcutaneous", "hours_since_last_dose": 6}]},
        {"antithrombotics": [{"drug": "heparin_subcutaneous", "hours_since_last_dose": 5}]},
        DEFER,
    ),
    (
        "ANTITHROMBOTIC_NOT_HELD",
        {"antithrombotics": [{"drug": "clopidogrel", "hours_since_last_dose": 168}]},
        {"antithrombotics": [{"drug": "clopidogrel"}]},
        DEFER,
    ),
    (
        "ANTITHROMBOTIC_REVIEW",
        merged(SIJ, {"antithrombotics": [{"drug": "clopidogrel", "hours_since_last_dose": 168}]}),
        {"antithrombotics": [{"drug": "clopidogrel", "hours_since_last_dose": 24}]},
        CAUTION,
    ),
    (
        "ANTITHROMBOTIC_REVIEW",
        {"antithrombotics": [{"drug": "nsaid", "hours_since_last_dose": 2}]},
        {"antithrombotics": [{"drug": "aspirin", "hours_since_last_dose": 2}]},
        CAUTION,
    ),
    (
        "INR_NOT_RECORDED",
        {"antithrombotics": [{"drug": "warfarin", "hours_since_last_dose": 200}], "inr": 1.1},
        {"inr": None},
        DEFER,
    ),
    ("INR_HIGH", {"inr": 1.4}, {"inr": 1.5}, DEFER),
    ("INR_HIGH", merged(SIJ, {"inr": 3.0}), {"inr": 3.1}, DEFER),
    ("PLATELETS_LOW", {"platelets": 100}, {"platelets": 99}, DEFER),
    ("PLATELETS_LOW", merged(SIJ, {"platelets": 100}), {"platelets": 99}, CAUTION),
    ("PREGNANCY_IONISING_IMAGING", FEMALE_30, {"pregnant": True}, DEFER),
    (
        "PREGNANCY_IONISING_IMAGING",
        merged(FEMALE_30, {"pregnant": True, "imaging": "ultrasound"}),
        {"imaging": "ct"},
        DEFER,
    ),
    (
        "PREGNANCY_CAUTION",
        merged(FEMALE_30, {"imaging": "ultrasound"}),
        {"pregnant": True},
        CAUTION,
    ),
    ("PREGNANCY_NOT_ASSESSED", FEMALE_30, {"pregnant": None}, DEFER),
    ("PREGNANCY_NOT_ASSESSED", {"pregnant": None, "age": 30}, {"sex": "female"}, DEFER),
    (
        "PREGNANCY_NOT_ASSESSED",
        merged(FEMALE_30, {"pregnant": None, "age": 56}),
        {"age": 55},
        DEFER,
    ),
    (
        "PREGNANCY_NOT_ASSESSED",
        merged(FEMALE_30, {"pregnant": None, "age": 11}),
        {"age": 12},
        DEFER,
    ),
    (
        "PREGNANCY_NOT_ASSESSED",
        merged(FEMALE_30, {"pregnant": None, "imaging": "ultrasound"}),
        {"imaging": "fluoroscopy"},
        DEFER,
    ),
    (
        "PREGNANCY_NOT_ASSESSED",
        {"pregnant": None, "age": 30, "sex": "male"},
        {"sex": "other"},
        DEFER,
    ),
    (
        "PREGNANCY_NOT_ASSESSED",
        {"pregnant": None, "age": 56, "sex": "other"},
        {"age": 55},
        DEFER,
    ),
    ("INFECTION_NOT_ASSESSED", {}, {"infection": None}, DEFER),
    ("INFECTION_NOT_ASSESSED", {}, {"infection": {"systemic": None}}, DEFER),
    ("INFECTION_NOT_ASSESSED", {}, {"infection": {"local_at_site": None}}, DEFER),
    ("BLEEDING_NOT_ASSESSED", {}, {"bleeding_disorder": None}, DEFER),
    ("DIABETES_NOT_RECORDED", {}, {"diabetes": None}, CAUTION),
    ("DIABETES_NOT_RECORDED", {}, {"diabetes": {"present": None}}, CAUTION),
    (
        "DIABETES_NOT_RECORDED",
        merged(NO_STEROID, {"diabetes": None}),
        {"injectate": {"steroid": "dexamethasone", "steroid_dose_mg": 8}},
        CAUTION,
    ),
    (
        "DIABETES_UNCONTROLLED",
        {"diabetes": {"present": True, "hba1c_mmol_mol": 69}},
        {"diabetes": {"hba1c_mmol_mol": 70}},
        DEFER,
    ),
    (
        "DIABETES_UNCONTROLLED",
        merged(NO_STEROID, {"diabetes": {"present": True, "hba1c_mmol_mol": 90}}),
        {"injectate": {"steroid": "triamcinolone", "steroid_dose_mg": 40}},
        DEFER,
    ),
    (
        "DIABETES_GLUCOSE_MONITORING",
        {"diabetes": {"present": False}},
        {"diabetes": {"present": True}},
        CAUTION,
    ),
    (
        "DIABETES_GLUCOSE_MONITORING",
        merged(NO_STEROID, {"diabetes": {"present": True, "hba1c_mmol_mol": 50}}),
        {"injectate": {"steroid": "dexamethasone", "steroid_dose_mg": 8}},
        CAUTION,
    ),
    ("IMMUNOSUPPRESSION", {}, {"immunosuppressed": True}, CAUTION),
    (
        "NICE_NO_INJECTION_NONSPECIFIC_LBP",
        merged(RF, {"condition": "nonspecific_low_back_pain"}),
        {"procedure": "sacroiliac_joint_injection"},
        NOT_RECOMMENDED,
    ),
    (
        "NICE_NO_INJECTION_NONSPECIFIC_LBP",
        {"condition": "sciatica"},
        {"condition": "nonspecific_low_back_pain"},
        NOT_RECOMMENDED,
    ),
    (
        "NICE_NO_FACET_INJECTION",
        {"procedure": "medial_branch_block"},
        {"procedure": "facet_joint_injection"},
        NOT_RECOMMENDED,
    ),
    (
        "NICE_NO_EPIDURAL_CLAUDICATION",
        {"condition": "spinal_stenosis"},
        {"symptoms": {"neurogenic_claudication": True}},
        NOT_RECOMMENDED,
    ),
    (
        "NICE_NO_EPIDURAL_CLAUDICATION",
        {"symptoms": {"neurogenic_claudication": True}},
        {"condition": "spinal_stenosis"},
        NOT_RECOMMENDED,
    ),
    (
        "NICE_NO_EPIDURAL_BACK_PAIN",
        {},
        {"symptoms": {"leg_pain_dominant": False}},
        NOT_RECOMMENDED,
    ),
    (
        "NICE_NO_EPIDURAL_BACK_PAIN",
        {},
        {"symptoms": {"leg_pain_dominant": None}},
        NOT_RECOMMENDED,
    ),
    (
        "NICE_NO_EPIDURAL_BACK_PAIN",
        merged(SIJ, {"symptoms": {"leg_pain_dominant": False}}),
        {"procedure": "caudal_epidural"},
        NOT_RECOMMENDED,
    ),
    (
        "NICE_EPIDURAL_NOT_ACUTE_SEVERE",
        {"symptoms": {"duration_weeks": 12}},
        {"symptoms": {"duration_weeks": 13}},
        CAUTION,
    ),
    (
        "NICE_EPIDURAL_NOT_ACUTE_SEVERE",
        {"symptoms": {"leg_pain_nrs": 7}},
        {"symptoms": {"leg_pain_nrs": 6}},
        CAUTION,
    ),
    ("RF_REQUIRES_POSITIVE_MBB", RF, {"mbb": None}, NOT_SUITABLE),
    ("RF_REQUIRES_POSITIVE_MBB", RF, {"mbb": {"relief_percent": 49}}, NOT_SUITABLE),
    (
        "RF_REQUIRES_POSITIVE_MBB",
        merged(RF, {"mbb": {"date": "2026-05-24", "relief_percent": 50}}),
        {"mbb": {"date": "2026-05-23"}},
        NOT_SUITABLE,
    ),
    (
        "RF_PAIN_BELOW_THRESHOLD",
        merged(RF, {"symptoms": {"back_pain_nrs": 5}}),
        {"symptoms": {"back_pain_nrs": 4}},
        CAUTION,
    ),
    (
        "RF_REPEAT_TOO_SOON",
        merged(RF, {"previous_injections": [_prev("2025-07-24", "radiofrequency_denervation")]}),
        {"previous_injections": [_prev("2025-07-25", "radiofrequency_denervation")]},
        CAUTION,
    ),
    (
        "CONSERVATIVE_CARE_INSUFFICIENT",
        merged(SIJ, {"conservative_care_weeks": 4}),
        {"conservative_care_weeks": 3},
        CAUTION,
    ),
    (
        "CONSERVATIVE_CARE_INSUFFICIENT",
        merged(SIJ, {"conservative_care_weeks": 4}),
        {"conservative_care_weeks": None},
        CAUTION,
    ),
    (
        "CONSERVATIVE_CARE_INSUFFICIENT",
        {"conservative_care_weeks": 3},  # acute (6 weeks) severe (NRS 8) sciatica: excepted
        {"symptoms": {"leg_pain_nrs": 6}},
        CAUTION,
    ),
    (
        "CONSERVATIVE_CARE_INSUFFICIENT",
        {"conservative_care_weeks": 0},
        {"symptoms": {"duration_weeks": 13}},
        CAUTION,
    ),
    (
        "STEROID_INTERVAL_TOO_SHORT",
        {
            "previous_injections": [
                _prev("2026-11-10", "other_joint", steroid="triamcinolone", steroid_dose_mg=40)
            ]
        },
        {
            "previous_injections": [
                _prev("2026-11-11", "other_joint", steroid="triamcinolone", steroid_dose_mg=40)
            ]
        },
        DEFER,
    ),
    (
        "STEROID_PARTICULATE_TRANSFORAMINAL",
        {},
        {"injectate": {"steroid": "methylprednisolone", "steroid_dose_mg": 40}},
        CAUTION,
    ),
    (
        "STEROID_SINGLE_DOSE_HIGH",
        {"injectate": {"steroid": "dexamethasone", "steroid_dose_mg": 15}},
        {"injectate": {"steroid_dose_mg": 16}},
        CAUTION,
    ),
    (
        "REPEAT_AFTER_POOR_RESPONSE",
        {"previous_injections": [_prev("2026-01-05", "caudal_epidural", relief_percent=50)]},
        {"previous_injections": [_prev("2026-01-05", "caudal_epidural", relief_percent=49)]},
        CAUTION,
    ),
    (
        "REPEAT_AFTER_POOR_RESPONSE",
        {
            "previous_injections": [
                _prev("2026-01-05", "sacroiliac_joint_injection", relief_percent=10)
            ]
        },
        {"previous_injections": [_prev("2026-01-05", "interlaminar_epidural", relief_percent=10)]},
        CAUTION,
    ),
]


@pytest.mark.parametrize(
    ("code", "base", "change", "outcome"),
    CASES,
    ids=[f"{case[0]}-{i}" for i, case in enumerate(CASES)],
)
def test_each_rule_fires_and_does_not_on_a_near_identical_case(
    code: str, base: dict[str, Any], change: dict[str, Any], outcome: Outcome
) -> None:
    quiet = decide(base)
    fired = decide(base, change)

    assert code not in codes(quiet)
    assert code in codes(fired)
    assert {r.outcome for r in fired.reasons if r.code == code} == {outcome}
    assert fired.outcome.severity >= outcome.severity


def test_every_rule_code_has_a_case() -> None:
    covered = {case[0] for case in CASES}
    emitted = {code for rule in RULES for code in rule.codes}
    # Region limit and cumulative checks are covered in test_steroids with whole histories.
    steroid_only = {
        "STEROID_REGION_LIMIT",
        "STEROID_REGION_FREQUENT",
        "STEROID_CUMULATIVE_HIGH",
        "STEROID_CUMULATIVE_LIMIT",
    }
    assert emitted - covered == steroid_only


def test_the_clean_base_case_is_suitable() -> None:
    decision = decide()
    assert decision.outcome is Outcome.SUITABLE
    assert decision.reasons == []


# --- changes since the first version (rules.md, 2026-12-02) ----------------------------------


def _reason(decision: Decision, code: str) -> Reason:
    (reason,) = [r for r in decision.reasons if r.code == code]
    return reason


def _action(decision: Decision, code: str) -> str:
    action = _reason(decision, code).action
    assert action is not None
    return action


CONTRAST = {"allergies": ["iodinated_contrast"]}


def test_contrast_allergy_for_a_transforaminal_epidural_never_goes_contrast_free() -> None:
    assert _reason(decide(CONTRAST), "ALLERGY_CONTRAST").outcome is CAUTION
    action = _action(decide(CONTRAST), "ALLERGY_CONTRAST")
    assert "gadolinium" in action
    assert "never give a transforaminal injection without contrast" in action
    assert "contrast-free technique" not in action


@pytest.mark.parametrize(
    "procedure", ["interlaminar_epidural", "caudal_epidural", "sacroiliac_joint_injection"]
)
def test_contrast_allergy_for_other_procedures_may_plan_a_contrast_free_technique(
    procedure: str,
) -> None:
    action = _action(decide(CONTRAST, {"procedure": procedure}), "ALLERGY_CONTRAST")
    assert action == "plan an alternative contrast agent or a contrast-free technique"


@pytest.mark.parametrize(
    ("flag", "code", "urgency"),
    [
        ("saddle_anaesthesia", "RED_FLAG_CAUDA_EQUINA", "Emergency, same day"),
        ("bilateral_leg_symptoms", "RED_FLAG_CAUDA_EQUINA", "Emergency, same day"),
        ("progressive_weakness", "RED_FLAG_PROGRESSIVE_DEFICIT", "Emergency, same day"),
        ("fever", "RED_FLAG_INFECTION", "Emergency, same day"),
        ("iv_drug_use", "RED_FLAG_INFECTION", "Emergency, same day"),
        ("cancer_history", "RED_FLAG_MALIGNANCY", "Urgent, within 2 weeks"),
        ("unexplained_weight_loss", "RED_FLAG_MALIGNANCY", "Urgent, within 2 weeks"),
        ("significant_trauma", "RED_FLAG_FRACTURE", "Urgent, within 2 weeks"),
        ("minor_trauma_with_osteoporosis", "RED_FLAG_FRACTURE", "Urgent, within 2 weeks"),
    ],
)
def test_each_red_flag_action_states_its_urgency(flag: str, code: str, urgency: str) -> None:
    decision = decide({"red_flags": [flag]})
    assert _reason(decision, code).outcome is URGENT
    assert _action(decision, code).startswith(urgency + ":")


def test_a_recent_infection_when_immunosuppressed_is_an_emergency() -> None:
    facts = {"red_flags": ["recent_bacterial_infection"], "immunosuppressed": True}
    assert _action(decide(facts), "RED_FLAG_INFECTION").startswith("Emergency, same day")


def test_every_referring_red_flag_has_one_urgency_and_night_pain_has_none() -> None:
    assert urgency(["night_pain"]) is None
    assert urgency(["cancer_history", "fever"]) is Urgency.EMERGENCY
    assert urgency(["significant_trauma"]) is Urgency.URGENT


def test_red_flag_messages_use_words_not_codes() -> None:
    message = _reason(decide({"red_flags": ["iv_drug_use"]}), "RED_FLAG_INFECTION").message
    assert "IV drug use" in message
    assert "iv_drug_use" not in message


HOLD = {"antithrombotics": [{"drug": "apixaban", "hours_since_last_dose": 0}]}


def test_every_hold_action_says_to_agree_the_stop_with_the_prescriber_if_risk_is_high() -> None:
    action = _action(decide(HOLD), "ANTITHROMBOTIC_NOT_HELD")
    assert "if the clotting risk is high" in action
    assert "mechanical heart valve" in action and "stent in the last 12 months" in action
    assert "clot in the last 3 months" in action
    assert "agree the stop, and any bridging, with the prescriber" in action


def test_a_high_thrombotic_risk_makes_the_prescriber_advice_definite() -> None:
    action = _action(decide(HOLD, {"thrombotic_risk_high": True}), "ANTITHROMBOTIC_NOT_HELD")
    assert "the clotting risk is high: agree the stop, and any bridging, with the prescriber" in (
        action
    )
    assert "if the clotting risk" not in action


@pytest.mark.parametrize(
    ("crcl", "hold", "earliest"),
    [(None, 120, "2026-11-29"), (50, 120, "2026-11-29"), (49, 144, "2026-11-30")],
)
def test_dabigatran_is_held_6_days_when_creatinine_clearance_is_below_50(
    crcl: float | None, hold: int, earliest: str
) -> None:
    decision = decide(
        {"antithrombotics": [{"drug": "dabigatran", "hours_since_last_dose": 0}]},
        {"crcl_ml_min": crcl},
    )
    assert f"held {hold} h" in _reason(decision, "ANTITHROMBOTIC_NOT_HELD").message
    assert _action(decision, "ANTITHROMBOTIC_NOT_HELD").startswith(
        f"hold dabigatran: earliest date {earliest}"
    )


def test_dabigatran_held_5_days_is_not_enough_when_creatinine_clearance_is_low() -> None:
    held = {"antithrombotics": [{"drug": "dabigatran", "hours_since_last_dose": 130}]}
    assert "ANTITHROMBOTIC_NOT_HELD" not in codes(decide(held, {"crcl_ml_min": 60}))
    assert "ANTITHROMBOTIC_NOT_HELD" in codes(decide(held, {"crcl_ml_min": 40}))


def test_low_creatinine_clearance_changes_no_other_drug() -> None:
    held = {"antithrombotics": [{"drug": "apixaban", "hours_since_last_dose": 72}]}
    assert "ANTITHROMBOTIC_NOT_HELD" not in codes(decide(held, {"crcl_ml_min": 20}))


@pytest.mark.parametrize(
    ("change", "code"),
    [({"inr": 1.5}, "INR_HIGH"), ({"platelets": 99}, "PLATELETS_LOW")],
)
def test_intermediate_risk_reads_as_an_intermediate_risk(change: dict[str, Any], code: str) -> None:
    message = _reason(decide(change), code).message
    assert "for an intermediate-risk procedure" in message
    assert "a intermediate" not in message


def test_pregnancy_is_never_asked_of_a_man() -> None:
    decision = decide({"sex": "male", "age": 30, "pregnant": None})
    assert "PREGNANCY_NOT_ASSESSED" not in codes(decision)


def test_night_pain_with_another_flag_still_refers_urgently() -> None:
    decision = decide({"red_flags": ["night_pain", "cancer_history"]})
    assert decision.outcome is URGENT
    assert codes(decision)[0] == "RED_FLAG_MALIGNANCY"


def test_recent_infection_without_immunosuppression_is_not_an_urgent_referral() -> None:
    assert decide({"red_flags": ["recent_bacterial_infection"]}).outcome is Outcome.SUITABLE


def test_immunosuppression_not_assessed_does_not_make_a_recent_infection_urgent() -> None:
    decision = decide({"red_flags": ["recent_bacterial_infection"], "immunosuppressed": None})
    assert "RED_FLAG_INFECTION" not in codes(decision)


def test_platelets_under_50_defer_even_a_low_risk_procedure() -> None:
    at_50 = decide(SIJ, {"platelets": 50})
    at_49 = decide(SIJ, {"platelets": 49})
    assert [r.outcome for r in at_50.reasons if r.code == "PLATELETS_LOW"] == [CAUTION]
    assert [r.outcome for r in at_49.reasons if r.code == "PLATELETS_LOW"] == [DEFER]


def test_antithrombotic_not_held_states_the_earliest_date() -> None:
    decision = decide({"antithrombotics": [{"drug": "apixaban", "hours_since_last_dose": 0}]})
    (reason,) = [r for r in decision.reasons if r.code == "ANTITHROMBOTIC_NOT_HELD"]
    assert reason.action is not None
    assert reason.action.startswith("hold apixaban: earliest date 2026-11-27; ")
    assert "(verify)" in reason.source


@pytest.mark.parametrize(
    ("drug", "hours", "earliest"),
    [
        ("apixaban", 24, "2026-11-26"),  # 48 h left: two days
        ("apixaban", 30, "2026-11-26"),  # 42 h left rounds up to two days
        ("warfarin", None, "2026-11-29"),  # not recorded: the whole 120 h
        ("enoxaparin_therapeutic", 20, "2026-11-25"),  # 4 h left: the next day
        ("clopidogrel", 0, "2026-12-01"),
    ],
)
def test_the_earliest_date_is_the_assessment_date_plus_the_remaining_hours(
    drug: str, hours: float | None, earliest: str
) -> None:
    decision = decide(
        {"antithrombotics": [{"drug": drug, "hours_since_last_dose": hours}], "inr": 1.0}
    )
    (reason,) = [r for r in decision.reasons if r.code == "ANTITHROMBOTIC_NOT_HELD"]
    assert reason.action is not None
    assert reason.action.startswith(f"hold {drug.replace('_', ' ')}: earliest date {earliest}")


def test_aspirin_and_nsaids_need_no_hold() -> None:
    decision = decide(
        {
            "antithrombotics": [
                {"drug": "aspirin", "hours_since_last_dose": 1},
                {"drug": "nsaid", "hours_since_last_dose": 1},
            ]
        }
    )
    assert "ANTITHROMBOTIC_NOT_HELD" not in codes(decision)


def test_secondary_prevention_aspirin_is_not_stopped_casually() -> None:
    decision = decide(
        {"antithrombotics": [{"drug": "aspirin", "indication": "secondary_prevention"}]}
    )
    (reason,) = [r for r in decision.reasons if r.code == "ANTITHROMBOTIC_REVIEW"]
    assert reason.action is not None and "prescriber" in reason.action


def test_a_low_risk_procedure_holds_nothing_but_asks_for_a_shared_decision() -> None:
    decision = decide(
        SIJ, {"antithrombotics": [{"drug": "rivaroxaban", "hours_since_last_dose": 2}]}
    )
    assert "ANTITHROMBOTIC_NOT_HELD" not in codes(decision)
    assert "ANTITHROMBOTIC_REVIEW" in codes(decision)


def test_repeat_after_poor_response_ignores_other_joints() -> None:
    decision = decide(
        {"previous_injections": [_prev("2026-01-05", "other_joint", relief_percent=0)]}
    )
    assert "REPEAT_AFTER_POOR_RESPONSE" not in codes(decision)


def test_rf_repeat_counts_only_previous_rf() -> None:
    decision = decide(RF, {"previous_injections": [_prev("2026-10-01", "medial_branch_block")]})
    assert "RF_REPEAT_TOO_SOON" not in codes(decision)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2026-11-24", 6, "2026-05-24"),
        ("2026-11-24", 16, "2025-07-24"),
        ("2026-08-31", 6, "2026-02-28"),
        ("2024-03-31", 1, "2024-02-29"),
        ("2026-01-15", 13, "2024-12-15"),
    ],
)
def test_months_before_counts_calendar_months(day: str, months: int, expected: str) -> None:
    assert months_before(dt.date.fromisoformat(day), months) == dt.date.fromisoformat(expected)


# --- the rule set itself -------------------------------------------------------------------


def test_the_shipped_rule_set_is_well_formed() -> None:
    assert validate_ruleset(RULES, DEFAULT) == []


def test_validate_ruleset_reports_duplicate_codes_bad_outcomes_and_missing_sources() -> None:
    class NoSource(Rule):
        code = "NO_SOURCE"
        outcomes = ("maybe",)  # type: ignore[assignment]
        source = " "

    problems = validate_ruleset((*RULES, RULES[0], NoSource()), DEFAULT)
    assert any("RED_FLAG_CAUDA_EQUINA is used by both" in p for p in problems)
    assert any("unknown outcome 'maybe'" in p for p in problems)
    assert any("NO_SOURCE has no source" in p for p in problems)


def test_validate_ruleset_reports_a_bad_code() -> None:
    class Lower(Rule):
        code = "lower case"
        outcomes = (CAUTION,)
        source = "x"

    assert any("valid code" in p for p in validate_ruleset([Lower()], DEFAULT))


def test_sources_carry_citations_and_verify_marks() -> None:
    by_code = {rule.code: rule.source for rule in RULES}
    assert by_code["NICE_NO_INJECTION_NONSPECIFIC_LBP"] == "NICE NG59 1.3.1 [1][2][3]"
    assert "[11][12][13]" in by_code["RED_FLAG_CAUDA_EQUINA"]
    for code in ("INR_HIGH", "PLATELETS_LOW", "DIABETES_UNCONTROLLED", "RF_PAIN_BELOW_THRESHOLD"):
        assert "(verify" in by_code[code]


def test_thresholds_come_from_the_configuration() -> None:
    facts = make_facts({"inr": 1.5})
    local = config_with_overrides({"inr_max_intermediate_risk": 1.6, "version": "local-1"})
    assert "INR_HIGH" in codes(evaluate(facts))
    assert "INR_HIGH" not in codes(evaluate(facts, local))
    assert evaluate(facts, local).ruleset.version == "local-1"
