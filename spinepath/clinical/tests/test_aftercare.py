"""Aftercare and the planned-procedure information: each rule fires on one input and not on its
neighbour; blood thinners follow the core's hold data; the safety-net card is always there."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spinepath.clinical import aftercare
from spinepath.clinical.aftercare import (
    AFTERCARE_VERSION,
    EXAMPLE_CLINIC,
    Aftercare,
    ClinicContact,
    PatientFactors,
    ProcedureGiven,
    blood_thinner_plan,
    build_aftercare,
    build_plan_information,
    wording_fingerprint,
)
from spinepath.clinical.readability import reading_scores
from spinepath.clinical.ruleset import DEFAULT
from spinepath.clinical.tests.factories import PROPERTY
from spinepath.clinical.vocab import (
    EPIDURALS,
    INJECTABLE_STEROIDS,
    Antithrombotic,
    Condition,
    Imaging,
    LocalAnaesthetic,
    Procedure,
    Steroid,
)

WORDING_HASHES = {
    "aftercare 2026.12.1": "e32f8cf4e71c439596392a488d07a6417dd0e711c962c9bb41b78824ae811b3d",
}
"""One hash per version: changed words need a new version (never edit an old hash)."""

CAUDAL = ProcedureGiven(
    Procedure.CAUDAL_EPIDURAL,
    Imaging.FLUOROSCOPY,
    Steroid.DEXAMETHASONE,
    LocalAnaesthetic.LIDOCAINE,
)
SIJ_NO_STEROID = ProcedureGiven(
    Procedure.SACROILIAC_JOINT_INJECTION, Imaging.ULTRASOUND, None, LocalAnaesthetic.LIDOCAINE
)
PLAIN = PatientFactors(diabetic=False, antithrombotics=())
DIABETIC_ON_APIXABAN = PatientFactors(diabetic=True, antithrombotics=(Antithrombotic.APIXABAN,))


def leaflet(given: ProcedureGiven = CAUDAL, patient: PatientFactors = PLAIN) -> Aftercare:
    return build_aftercare(given, patient, EXAMPLE_CLINIC)


def text_of(sheet: Aftercare) -> str:
    return " ".join(sheet.texts())


# --- The wording


def test_the_wording_is_pinned_to_its_version() -> None:
    assert AFTERCARE_VERSION in WORDING_HASHES, "pin the new version's wording hash"
    assert wording_fingerprint() == WORDING_HASHES[AFTERCARE_VERSION], (
        "aftercare wording changed: bump AFTERCARE_VERSION and pin the new hash"
    )


def test_the_fingerprint_sees_a_one_word_change(monkeypatch: pytest.MonkeyPatch) -> None:
    before = wording_fingerprint()
    advice = aftercare.TEXTS["advice"]
    monkeypatch.setitem(advice, "rest", advice["rest"].replace("today", "the day"))
    assert wording_fingerprint() != before


def test_the_worst_leaflet_reads_under_a_reading_age_of_12() -> None:
    worst = max(
        reading_scores(*build_aftercare(g, p, EXAMPLE_CLINIC).texts()).smog_reading_age
        for g, p in aftercare.every_example()
    )
    assert worst <= 12.0
    worst_plan = max(
        reading_scores(
            *build_plan_information(g, Condition.SCIATICA, p, EXAMPLE_CLINIC).texts()
        ).smog_reading_age
        for g, p in aftercare.every_example()
    )
    assert worst_plan <= 12.0


# --- The two examples


def test_diabetic_on_apixaban_caudal_under_x_ray_glucose_restart_and_radiation() -> None:
    sheet = leaflet(CAUDAL, DIABETIC_ON_APIXABAN)
    text = text_of(sheet)
    assert "check your blood sugar more often" in text.lower()
    assert {"glucose", "glucose_high", "restart:apixaban", "radiation_fluoroscopy"} <= sheet.codes
    assert "Apixaban" in text and "Start it again 24 hours after it" in text
    assert "radiation" in text


def test_ultrasound_sij_without_steroid_has_no_steroid_side_effects() -> None:
    sheet = leaflet(SIJ_NO_STEROID, DIABETIC_ON_APIXABAN)
    text = text_of(sheet).lower()
    assert "steroid_side_effects" not in sheet.codes
    assert "hot red face" not in text and "blood sugar" not in text
    assert "radiation" not in text
    assert "no_steroid" in sheet.codes


# --- Each rule, firing and not firing


def test_steroid_advice_fires_with_a_steroid_and_names_it() -> None:
    assert {"steroid_onset", "steroid_side_effects", "steroid_tell"} <= leaflet().codes
    assert "dexamethasone" in text_of(leaflet())
    no_steroid = leaflet(dataclasses.replace(CAUDAL, steroid=None))
    assert not {"steroid_onset", "steroid_side_effects", "steroid_tell"} & no_steroid.codes


def test_glucose_monitoring_needs_both_diabetes_and_a_steroid() -> None:
    diabetic = PatientFactors(diabetic=True, antithrombotics=())
    assert "glucose" in leaflet(CAUDAL, diabetic).codes
    assert "glucose" not in leaflet(CAUDAL, PLAIN).codes
    assert "glucose" not in leaflet(dataclasses.replace(CAUDAL, steroid=None), diabetic).codes


def test_glucose_advice_uses_the_clinics_sick_day_threshold() -> None:
    patient = PatientFactors(diabetic=True, antithrombotics=(), sick_day_glucose_mmol_l=13)
    assert "over 13 mmol/L" in text_of(leaflet(CAUDAL, patient))


@pytest.mark.parametrize(
    ("imaging", "code"),
    [(Imaging.FLUOROSCOPY, "radiation_fluoroscopy"), (Imaging.CT, "radiation_ct")],
)
def test_radiation_fires_for_x_ray_imaging_only(imaging: Imaging, code: str) -> None:
    assert code in leaflet(dataclasses.replace(CAUDAL, imaging=imaging)).codes
    ultrasound = leaflet(dataclasses.replace(CAUDAL, imaging=Imaging.ULTRASOUND))
    assert not {"radiation_fluoroscopy", "radiation_ct"} & ultrasound.codes


def test_numbness_advice_fires_with_a_local_anaesthetic_and_says_where() -> None:
    assert "Your legs, or the skin between your legs," in text_of(leaflet())
    facet = dataclasses.replace(CAUDAL, procedure=Procedure.FACET_JOINT_INJECTION)
    assert "Your back or legs" in text_of(leaflet(facet))
    assert "numb" not in leaflet(dataclasses.replace(CAUDAL, local_anaesthetic=None)).codes


def test_pain_diary_for_a_medial_branch_block_only() -> None:
    mbb = dataclasses.replace(CAUDAL, procedure=Procedure.MEDIAL_BRANCH_BLOCK)
    assert "diary" in leaflet(mbb).codes
    assert "diary" not in leaflet().codes


def test_heat_treatment_soreness_for_radiofrequency_only() -> None:
    rf = dataclasses.replace(CAUDAL, procedure=Procedure.RADIOFREQUENCY_DENERVATION)
    assert "radiofrequency" in leaflet(rf).codes
    assert "radiofrequency" not in leaflet().codes


def test_the_dural_puncture_headache_figure_is_for_epidurals() -> None:
    assert "headache_epidural" in leaflet().codes
    facet = leaflet(dataclasses.replace(CAUDAL, procedure=Procedure.FACET_JOINT_INJECTION))
    assert "headache" in facet.codes and "headache_epidural" not in facet.codes


def test_every_leaflet_has_the_basics_and_the_warning_signs() -> None:
    sheet = leaflet(SIJ_NO_STEROID)
    assert {"home", "rest", "activity", "dressing", "flare", "forms"} <= sheet.codes
    assert {"legs", "fever_back", "meningitis", "bleeding", "allergy"} <= sheet.codes
    assert {"infection", "pain"} <= sheet.codes


# --- Blood thinners, from the core's hold data


def test_warfarin_restarts_after_six_hours_from_the_core() -> None:
    plan = blood_thinner_plan(Antithrombotic.WARFARIN, Procedure.CAUDAL_EPIDURAL)
    assert (plan.hold_hours, plan.restart_hours) == (120, 6)
    assert not plan.restart_is_local_protocol
    text = text_of(leaflet(CAUDAL, PatientFactors(False, (Antithrombotic.WARFARIN,))))
    assert "Warfarin: you stopped this before the jab. Start it again 6 hours after" in text


def test_a_drug_without_a_published_restart_follows_local_protocol() -> None:
    plan = blood_thinner_plan(Antithrombotic.APIXABAN, Procedure.CAUDAL_EPIDURAL)
    assert (plan.hold_hours, plan.restart_hours) == (72, 24)
    assert plan.restart_is_local_protocol
    text = text_of(leaflet(CAUDAL, DIABETIC_ON_APIXABAN))
    assert "as our team told you on the day" in text


def test_nothing_is_held_for_a_low_risk_procedure() -> None:
    plan = blood_thinner_plan(Antithrombotic.APIXABAN, Procedure.SACROILIAC_JOINT_INJECTION)
    assert plan.hold_hours is None and plan.restart_hours is None
    sheet = leaflet(SIJ_NO_STEROID, DIABETIC_ON_APIXABAN)
    assert "keep_taking:apixaban" in sheet.codes and "restart:apixaban" not in sheet.codes
    assert "blood_thinner_unsure" not in sheet.codes


def test_aspirin_is_never_held() -> None:
    assert blood_thinner_plan(Antithrombotic.ASPIRIN, Procedure.CAUDAL_EPIDURAL).hold_hours is None


def test_the_hold_follows_the_rule_set_and_kidney_function() -> None:
    longer = DEFAULT.model_copy(
        update={"antithrombotic_hold_hours": {**DEFAULT.antithrombotic_hold_hours, "apixaban": 96}}
    )
    assert (
        blood_thinner_plan(Antithrombotic.APIXABAN, Procedure.CAUDAL_EPIDURAL, longer).hold_hours
        == 96
    )
    low_crcl = blood_thinner_plan(
        Antithrombotic.DABIGATRAN, Procedure.CAUDAL_EPIDURAL, crcl_ml_min=30
    )
    assert low_crcl.hold_hours == DEFAULT.dabigatran_low_crcl_hold_hours


def test_no_blood_thinner_no_blood_thinner_advice() -> None:
    assert leaflet(CAUDAL, PLAIN).blood_thinners == ()


def test_a_drug_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        PatientFactors(False, (Antithrombotic.APIXABAN, Antithrombotic.APIXABAN))


# --- The clinic's contact details


def test_the_clinics_phone_and_out_of_hours_advice_are_printed() -> None:
    clinic = ClinicContact("Riverside Spine Clinic", "01632 960123", "Out of hours call 111.")
    sheet = build_aftercare(CAUDAL, PLAIN, clinic)
    assert sheet.contact.phone == "Call Riverside Spine Clinic on 01632 960123."
    assert sheet.contact.out_of_hours == "Out of hours call 111."
    no_phone = build_aftercare(CAUDAL, PLAIN, dataclasses.replace(clinic, phone=" "))
    assert "number in your letter" in no_phone.contact.phone


# --- Always: the cauda equina card

givens = st.builds(
    ProcedureGiven,
    st.sampled_from(Procedure),
    st.sampled_from(Imaging),
    st.one_of(st.none(), st.sampled_from(INJECTABLE_STEROIDS)),
    st.one_of(st.none(), st.sampled_from(LocalAnaesthetic)),
)
patients = st.builds(
    PatientFactors,
    st.booleans(),
    st.lists(st.sampled_from(Antithrombotic), unique=True, max_size=3).map(tuple),
)


@PROPERTY
@given(givens, patients)
def test_every_leaflet_carries_the_cauda_equina_card_and_steroid_words_only_with_a_steroid(
    given_: ProcedureGiven, patient: PatientFactors
) -> None:
    sheet = build_aftercare(given_, patient, EXAMPLE_CLINIC)
    assert sheet.cauda_equina.title.startswith("Cauda equina")
    assert len(sheet.cauda_equina.signs) >= 4
    assert ("steroid_side_effects" in sheet.codes) == (given_.steroid is not None)
    assert ("glucose" in sheet.codes) == (patient.diabetic and given_.steroid is not None)
    assert ("headache_epidural" in sheet.codes) == (given_.procedure in EPIDURALS)
    for drug in patient.antithrombotics:
        assert {f"restart:{drug}", f"keep_taking:{drug}"} & sheet.codes
    plan = build_plan_information(given_, Condition.SCIATICA, patient, EXAMPLE_CLINIC)
    assert plan.cauda_equina == sheet.cauda_equina


# --- Personalised information for a planned procedure


def test_the_plan_names_procedure_imaging_drugs_condition_and_personal_factors() -> None:
    plan = build_plan_information(
        CAUDAL, Condition.SPINAL_STENOSIS, DIABETIC_ON_APIXABAN, EXAMPLE_CLINIC
    )
    text = " ".join(plan.texts())
    assert "caudal epidural" in text and "X-ray screening" in text
    assert "dexamethasone" in text and "spinal stenosis" in text
    assert {"diabetes", "diabetes_steroid", "stop:apixaban", "restart:apixaban"} <= plan.codes
    assert "Apixaban: stop this 3 days before the jab" in text
    assert "radiation_fluoroscopy" in plan.codes and "stop_prescriber" in plan.codes


def test_the_plan_for_an_ultrasound_sij_without_steroid() -> None:
    plan = build_plan_information(
        SIJ_NO_STEROID,
        Condition.SACROILIAC_JOINT_INFLAMMATION,
        DIABETIC_ON_APIXABAN,
        EXAMPLE_CLINIC,
    )
    assert {"no_radiation", "drugs_local", "keep:apixaban", "diabetes"} <= plan.codes
    assert not {"diabetes_steroid", "stop:apixaban", "stop_prescriber"} & plan.codes


def test_short_holds_are_given_in_hours() -> None:
    patient = PatientFactors(False, (Antithrombotic.ENOXAPARIN_PROPHYLACTIC,))
    plan = build_plan_information(CAUDAL, Condition.SCIATICA, patient, EXAMPLE_CLINIC)
    assert "stop this 12 hours before" in " ".join(plan.texts())
