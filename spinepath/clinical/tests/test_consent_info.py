"""Consent information: every material risk for the right patient, fairly worded and readable."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spinepath.clinical.consent_info import (
    ALWAYS_LISTED,
    DEFAULT_SICK_DAY_GLUCOSE_MMOL_L,
    FREQUENCY_BAND_MEANINGS,
    INFORMATION_VERSION,
    NUMBNESS_WEARS_OFF_HOURS,
    REQUIRED_RISKS,
    SPINAL_LEVELS,
    ConsentContext,
    ConsentInformation,
    FrequencyBand,
    RiskCode,
    build_consent_information,
    every_sheet_context,
    example_context,
    missing_sources,
    plan_combinations,
    procedure_title,
    required_risks,
    validate_levels,
    wording_fingerprint,
)
from spinepath.clinical.readability import SMOG_TARGET, reading_scores
from spinepath.clinical.sources import cited_keys
from spinepath.clinical.vocab import (
    EPIDURALS,
    INJECTABLE_STEROIDS,
    IONISING_IMAGING,
    Imaging,
    Laterality,
    LocalAnaesthetic,
    Procedure,
    Steroid,
)

BASE = ConsentContext(
    procedure=Procedure.TRANSFORAMINAL_EPIDURAL,
    imaging=Imaging.FLUOROSCOPY,
    steroid=Steroid.DEXAMETHASONE,
    local_anaesthetic=LocalAnaesthetic.LIDOCAINE,
    levels=("L5/S1",),
    side=Laterality.LEFT,
    diabetic=False,
    on_anticoagulant=False,
    pregnant=False,
    steroid_dose_mg=6.6,
)

CHRONIC_PAIN_PROCEDURES = [p for p in Procedure if p not in EPIDURALS]

WORDING_HASHES = {
    "consent-info 2026.12.1": "2f0e35b908d1177d7107dd628c17e40ad36d90810c388e18a22b3f5b11475ba8",
}
"""The fingerprint of every generated sheet, pinned per information version.

Changing any patient-facing word changes the fingerprint: bump ``INFORMATION_VERSION`` and add
the new version's hash here (never edit an old one), so a stored consent's version always names
the words the patient read.
"""


def info(**changes: Any) -> ConsentInformation:
    if "steroid" in changes and "steroid_dose_mg" not in changes:
        steroid = changes["steroid"]
        changes["steroid_dose_mg"] = None if steroid is None else 40.0
    return build_consent_information(dataclasses.replace(BASE, **changes))


def codes(**changes: Any) -> frozenset[str]:
    return info(**changes).risk_codes


def all_text(information: ConsentInformation) -> str:
    return " ".join(information.patient_texts())


@st.composite
def contexts(draw: st.DrawFn) -> ConsentContext:
    steroid = draw(st.none() | st.sampled_from(INJECTABLE_STEROIDS))
    return ConsentContext(
        procedure=draw(st.sampled_from(Procedure)),
        imaging=draw(st.sampled_from(Imaging)),
        steroid=steroid,
        local_anaesthetic=draw(st.none() | st.sampled_from(LocalAnaesthetic)),
        levels=draw(st.lists(st.sampled_from(SPINAL_LEVELS), unique=True, max_size=3).map(tuple)),
        side=draw(st.sampled_from(Laterality)),
        diabetic=draw(st.booleans()),
        on_anticoagulant=draw(st.booleans()),
        pregnant=draw(st.none() | st.booleans()),
        steroid_dose_mg=None if steroid is None else draw(st.floats(0.5, 120)),
        sick_day_glucose_mmol_l=draw(st.floats(8, 25)),
    )


# --- Every sheet: required risks, sources, readability, the pinned wording ----------------------


def test_every_sheet_has_its_required_risks_known_sources_and_smog_within_target() -> None:
    """Every procedure × imaging × steroid (or none) × patient variant × with/without numbing."""
    worst = 0.0
    count = 0
    for ctx in every_sheet_context():
        information = build_consent_information(ctx)
        missing = required_risks(ctx) - information.risk_codes
        assert not missing, (ctx, missing)
        assert not missing_sources(information), ctx
        for risk in information.risks:
            assert cited_keys(risk.sources), (ctx, risk.code)
        smog = reading_scores(*information.patient_texts()).smog_grade
        assert smog <= SMOG_TARGET, (ctx, smog)
        worst = max(worst, smog)
        count += 1
    assert count == 7 * 3 * 5 * 12 * 2
    print(f"{count} sheets, worst SMOG grade {worst:.2f}")


def test_the_wording_is_pinned_to_its_version() -> None:
    """Changing text without a new INFORMATION_VERSION (and a new pinned hash) fails here."""
    assert INFORMATION_VERSION in WORDING_HASHES, "pin the new version's wording hash"
    assert wording_fingerprint() == WORDING_HASHES[INFORMATION_VERSION], (
        "patient-facing wording changed: bump INFORMATION_VERSION and pin the new hash"
    )
    assert len(set(WORDING_HASHES.values())) == len(WORDING_HASHES)


def test_the_fingerprint_sees_a_one_word_change(monkeypatch: pytest.MonkeyPatch) -> None:
    from spinepath.clinical import consent_info

    before = wording_fingerprint()
    caudal = consent_info.TEXTS["procedures"]["caudal_epidural"]
    monkeypatch.setitem(caudal, "why", caudal["why"].replace("leg", "legs"))
    assert wording_fingerprint() != before


def test_the_words_live_in_the_data_file_and_cover_every_code() -> None:
    """The data file names every procedure, risk and band the code can select, and nothing else."""
    from spinepath.clinical.consent_info import DATA_FILE, TEXTS, load_texts

    assert DATA_FILE.name == "consent_info.en.toml"
    assert load_texts() == TEXTS
    assert set(TEXTS["procedures"]) == {p.value for p in Procedure}
    assert set(TEXTS["risks"]) == {code.value for code in RiskCode}
    assert set(TEXTS["bands"]) == {band.value for band in FrequencyBand}
    assert cited_keys("".join(p["benefit_sources"] for p in TEXTS["procedures"].values()))


def test_plan_combinations_cover_every_procedure_imaging_and_steroid_choice() -> None:
    combos = set(plan_combinations())
    assert len(combos) == len(Procedure) * len(Imaging) * (len(INJECTABLE_STEROIDS) + 1)
    assert (Procedure.SACROILIAC_JOINT_INJECTION, Imaging.ULTRASOUND, None) in combos


@pytest.mark.parametrize("procedure", list(Procedure))
def test_the_required_risk_table_has_the_general_risks_for_every_procedure(
    procedure: Procedure,
) -> None:
    assert REQUIRED_RISKS[procedure] >= ALWAYS_LISTED
    epidural_only = {RiskCode.SEVERE_HARM, RiskCode.SPINAL_INJECTION}
    assert (epidural_only <= REQUIRED_RISKS[procedure]) == (procedure in EPIDURALS)


@given(contexts())
def test_it_never_fails_and_every_risk_is_fully_described_once(ctx: ConsentContext) -> None:
    information = build_consent_information(ctx)
    assert information.risk_codes >= required_risks(ctx)
    risks = information.risks
    assert len({r.code for r in risks}) == len(risks)
    for risk in risks:
        assert risk.code in set(RiskCode)
        for text in (risk.title, risk.explanation, risk.frequency, risk.applies_because):
            assert text.strip()
        band_words = FREQUENCY_BAND_MEANINGS[risk.frequency_band].split(":")[0]
        assert risk.frequency.startswith(band_words), risk.code
    assert build_consent_information(ctx) == information
    assert information.version == INFORMATION_VERSION


@pytest.mark.parametrize("procedure", list(Procedure))
def test_frequencies_give_numbers_and_say_they_are_rough(procedure: Procedure) -> None:
    for risk in info(procedure=procedure, diabetic=True, on_anticoagulant=True).risks:
        if risk.frequency_band is FrequencyBand.NOT_KNOWN:
            continue
        assert any(ch.isdigit() for ch in risk.frequency) or "half" in risk.frequency, risk.code
        says_so = ("rough", "not known", "No one knows the exact figure")
        assert any(words in risk.frequency for words in says_so), risk.code


def test_the_sheet_lists_each_cited_source_once_with_its_citation() -> None:
    information = info(procedure=Procedure.RADIOFREQUENCY_DENERVATION, steroid=None)
    keys = [ref.key for ref in information.references]
    assert len(keys) == len(set(keys))
    assert set(keys) == set(cited_keys(information.citations()))
    mint = next(ref for ref in information.references if ref.key == "S1")
    assert "Juch" in mint.citation and "JAMA 2017" in mint.citation


# --- Item 5: the catastrophic risks, honestly ----------------------------------------------------

REMOVED_RISK = re.compile(
    r"has none|no risk|risk is removed|removes the risk|takes the risk away|"
    r"(?<!not )take(s)? (the risk|it) away|prefer it for this",
    re.IGNORECASE,
)


def test_the_transforaminal_dexamethasone_sheet_names_each_catastrophic_harm_and_rarity() -> None:
    information = info()
    risk = information.risk(RiskCode.SEVERE_HARM)
    assert risk is not None
    for harm in ("loss of sight", "stroke", "paralysis", "death"):
        assert harm in risk.explanation.lower(), harm
        assert harm in risk.frequency.lower(), harm
    assert risk.frequency.startswith("Very rare")
    assert "1 in 10,000" in risk.frequency
    assert "dexamethasone" in risk.explanation
    assert "does not take the risk away" in risk.explanation
    assert not REMOVED_RISK.search(all_text(information))
    assert "[27]" in risk.sources and "[28]" in risk.sources


@pytest.mark.parametrize("procedure", sorted(EPIDURALS))
@pytest.mark.parametrize("steroid", [None, *INJECTABLE_STEROIDS])
@pytest.mark.parametrize("imaging", list(Imaging))
def test_every_epidural_sheet_names_paralysis_stroke_sight_and_death_without_removing_them(
    procedure: Procedure, steroid: Steroid | None, imaging: Imaging
) -> None:
    information = info(procedure=procedure, steroid=steroid, imaging=imaging)
    risk = information.risk(RiskCode.SEVERE_HARM)
    assert risk is not None
    for harm in ("loss of sight", "stroke", "paralysis", "death"):
        assert harm in risk.explanation.lower()
    assert "FDA" in risk.explanation
    assert "lower" in risk.explanation or "less likely" in risk.explanation
    assert not REMOVED_RISK.search(all_text(information))


@pytest.mark.parametrize("procedure", CHRONIC_PAIN_PROCEDURES)
def test_non_epidural_sheets_do_not_carry_the_epidural_warning(procedure: Procedure) -> None:
    assert RiskCode.SEVERE_HARM not in codes(procedure=procedure)


@pytest.mark.parametrize("steroid", sorted(s for s in INJECTABLE_STEROIDS if s != "dexamethasone"))
def test_a_particulate_steroid_for_a_transforaminal_injection_is_questioned(
    steroid: Steroid,
) -> None:
    risk = info(steroid=steroid).risk(RiskCode.SEVERE_HARM)
    assert risk is not None
    assert f"Your plan uses {steroid}" in risk.explanation
    assert "particles" in risk.explanation
    assert f"Ask your doctor why your plan uses {steroid}" in risk.explanation


def test_without_a_steroid_the_harm_is_lower_but_not_gone() -> None:
    risk = info(steroid=None).risk(RiskCode.SEVERE_HARM)
    assert risk is not None
    assert "no steroid" in risk.explanation
    assert "does not take the risk away" in risk.explanation


def test_ultrasound_says_it_cannot_check_for_a_blood_vessel_with_dye() -> None:
    ultrasound = info(imaging=Imaging.ULTRASOUND).risk(RiskCode.SEVERE_HARM)
    x_ray = info().risk(RiskCode.SEVERE_HARM)
    assert ultrasound is not None and x_ray is not None
    assert "Ultrasound cannot show a dye" in ultrasound.explanation
    assert "live X-ray pictures and a dye" in x_ray.explanation


@pytest.mark.parametrize("procedure", list(Procedure))
def test_deep_bleeding_and_infection_say_they_can_leave_legs_unable_to_move(
    procedure: Procedure,
) -> None:
    information = info(procedure=procedure)
    for code in (RiskCode.BLEEDING, RiskCode.INFECTION):
        risk = information.risk(code)
        assert risk is not None and "unable to move your legs" in risk.explanation


# --- Item 6: the missing risks -------------------------------------------------------------------


@pytest.mark.parametrize("procedure", list(Procedure))
def test_fainting_anaesthetic_toxicity_and_breastfeeding_are_on_every_sheet(
    procedure: Procedure,
) -> None:
    information = info(procedure=procedure, local_anaesthetic=None, steroid=None)
    assert {
        RiskCode.FAINTING,
        RiskCode.LOCAL_ANAESTHETIC_TOXICITY,
        RiskCode.BREASTFEEDING,
    } <= information.risk_codes
    toxicity = information.risk(RiskCode.LOCAL_ANAESTHETIC_TOXICITY)
    assert toxicity is not None and "fit" in toxicity.explanation
    assert any("breastfeed" in line for line in information.before)


@pytest.mark.parametrize("procedure", list(Procedure))
def test_accidental_spinal_injection_is_listed_for_epidurals_only(procedure: Procedure) -> None:
    listed = RiskCode.SPINAL_INJECTION in codes(procedure=procedure)
    assert listed == (procedure in EPIDURALS)


@pytest.mark.parametrize("procedure", list(Procedure))
@pytest.mark.parametrize("anaesthetic", [None, LocalAnaesthetic.BUPIVACAINE])
def test_trouble_passing_urine_is_listed_for_epidurals_with_a_numbing_drug(
    procedure: Procedure, anaesthetic: LocalAnaesthetic | None
) -> None:
    listed = RiskCode.URINE_RETENTION in codes(procedure=procedure, local_anaesthetic=anaesthetic)
    assert listed == (procedure in EPIDURALS and anaesthetic is not None)


@pytest.mark.parametrize(
    ("procedure", "band", "figure"),
    [
        (Procedure.TRANSFORAMINAL_EPIDURAL, FrequencyBand.RARE, "1 in 1,000"),
        (Procedure.INTERLAMINAR_EPIDURAL, FrequencyBand.UNCOMMON, "1 in 200"),
        (Procedure.CAUDAL_EPIDURAL, FrequencyBand.RARE, "1 in 1,000"),
    ],
)
def test_the_dural_puncture_figure_is_given_per_epidural_route(
    procedure: Procedure, band: FrequencyBand, figure: str
) -> None:
    risk = info(procedure=procedure).risk(RiskCode.DURAL_PUNCTURE_HEADACHE)
    assert risk is not None
    assert risk.frequency_band is band
    assert figure in risk.frequency


@pytest.mark.parametrize("procedure", list(Procedure))
def test_dural_puncture_headache_is_listed_only_for_epidurals(procedure: Procedure) -> None:
    listed = RiskCode.DURAL_PUNCTURE_HEADACHE in codes(procedure=procedure)
    assert listed == (procedure in EPIDURALS)


@pytest.mark.parametrize("steroid", [None, *INJECTABLE_STEROIDS])
def test_steroid_risks_including_immunity_and_adrenal_glands_come_only_with_a_steroid(
    steroid: Steroid | None,
) -> None:
    information = info(steroid=steroid)
    for code in (
        RiskCode.TISSUE_WEAKENING,
        RiskCode.STEROID_SIDE_EFFECTS,
        RiskCode.STEROID_IMMUNITY_ADRENAL,
    ):
        assert (code in information.risk_codes) == (steroid is not None)
    risk = information.risk(RiskCode.STEROID_IMMUNITY_ADRENAL)
    if risk is not None:
        assert "adrenal glands" in risk.explanation and "germs" in risk.explanation


def test_steroid_side_effects_name_the_common_ones() -> None:
    risk = info().risk(RiskCode.STEROID_SIDE_EFFECTS)
    assert risk is not None
    for effect in ("flushing", "sleep", "mood", "blood pressure", "period"):
        assert effect in risk.explanation


@pytest.mark.parametrize("procedure", list(Procedure))
def test_radiofrequency_sheets_warn_of_pad_burns_and_ask_about_implanted_devices(
    procedure: Procedure,
) -> None:
    information = info(procedure=procedure, steroid=None)
    is_rf = procedure is Procedure.RADIOFREQUENCY_DENERVATION
    for code in (
        RiskCode.RF_SKIN_SENSATION,
        RiskCode.RF_NEURITIS,
        RiskCode.RF_PAD_BURN,
        RiskCode.IMPLANTED_DEVICE,
    ):
        assert (code in information.risk_codes) == is_rf
    asks = [line for line in information.before if "pacemaker" in line]
    assert bool(asks) == is_rf
    if is_rf:
        assert "defibrillator" in asks[0] and "stimulator" in asks[0]
        device = information.risk(RiskCode.IMPLANTED_DEVICE)
        assert device is not None and "tell us before the day" in device.explanation


@pytest.mark.parametrize("imaging", list(Imaging))
def test_radiation_is_listed_only_for_x_ray_and_ct(imaging: Imaging) -> None:
    assert (RiskCode.RADIATION in codes(imaging=imaging)) == (imaging in IONISING_IMAGING)


def test_a_known_pregnancy_is_raised_before_the_day_whatever_the_imaging() -> None:
    for imaging in Imaging:
        assert any("pregnant" in line for line in info(imaging=imaging, pregnant=True).before)
    assert any("pregnant" in line for line in info(pregnant=None).before)
    assert not any("pregnant" in line for line in info(pregnant=False).before)
    ultrasound = info(imaging=Imaging.ULTRASOUND, pregnant=None)
    assert not any("pregnant" in line for line in ultrasound.before)


def test_radiation_asks_about_pregnancy_and_answers_a_known_pregnancy() -> None:
    unknown = info(pregnant=None).risk(RiskCode.RADIATION)
    pregnant = info(pregnant=True).risk(RiskCode.RADIATION)
    assert unknown is not None and pregnant is not None
    assert "might be" in unknown.explanation
    assert "You told us you are pregnant" in pregnant.explanation
    assert "CT" in str(info(imaging=Imaging.CT).risk(RiskCode.RADIATION))


@pytest.mark.parametrize(
    ("diabetic", "steroid", "listed"),
    [
        (True, Steroid.DEXAMETHASONE, True),
        (True, None, False),
        (False, Steroid.DEXAMETHASONE, False),
        (False, None, False),
    ],
)
def test_raised_glucose_is_listed_only_for_diabetes_with_a_steroid(
    diabetic: bool, steroid: Steroid | None, listed: bool
) -> None:
    assert (RiskCode.RAISED_BLOOD_GLUCOSE in codes(diabetic=diabetic, steroid=steroid)) == listed


@pytest.mark.parametrize("on_anticoagulant", [True, False])
def test_anticoagulant_bleeding_is_listed_only_on_a_blood_thinner(on_anticoagulant: bool) -> None:
    listed = RiskCode.ANTICOAGULANT_BLEEDING in codes(on_anticoagulant=on_anticoagulant)
    assert listed == on_anticoagulant
    assert any("blood thinner" in line for line in info(on_anticoagulant=True).before)
    assert not any("blood thinner" in line for line in info(on_anticoagulant=False).before)


@pytest.mark.parametrize("procedure", list(Procedure))
def test_unclear_result_is_listed_only_for_a_medial_branch_block(procedure: Procedure) -> None:
    listed = RiskCode.MBB_UNCLEAR_RESULT in codes(procedure=procedure)
    assert listed == (procedure is Procedure.MEDIAL_BRANCH_BLOCK)


def test_applies_because_explains_this_patient() -> None:
    information = info(diabetic=True, on_anticoagulant=True)
    reasons = {r.code: r.applies_because for r in information.risks}
    assert "epidural" in reasons[RiskCode.DURAL_PUNCTURE_HEADACHE]
    assert "X-ray" in reasons[RiskCode.RADIATION]
    assert "dexamethasone" in reasons[RiskCode.TISSUE_WEAKENING]
    assert "blood" in reasons[RiskCode.ANTICOAGULANT_BLEEDING]
    assert "FDA" in reasons[RiskCode.SEVERE_HARM]
    assert "lidocaine" in reasons[RiskCode.LOCAL_ANAESTHETIC_NUMBNESS]


# --- Item 7: benefits and alternatives, fairly; the drug and dose --------------------------------


@pytest.mark.parametrize("procedure", sorted(EPIDURALS))
@pytest.mark.parametrize("steroid", [None, Steroid.DEXAMETHASONE])
def test_epidural_sheets_say_up_to_about_half_get_little_or_no_relief(
    procedure: Procedure, steroid: Steroid | None
) -> None:
    information = info(procedure=procedure, steroid=steroid)
    assert "up to about half" in information.expected_benefit.lower()
    assert "little or no relief" in information.expected_benefit
    no_benefit = information.risk(RiskCode.NO_BENEFIT)
    assert no_benefit is not None and "up to about half" in no_benefit.frequency


def test_radiofrequency_names_the_mint_trial_and_its_small_added_benefit() -> None:
    information = info(procedure=Procedure.RADIOFREQUENCY_DENERVATION, steroid=None)
    assert "MINT" in information.expected_benefit and "2017" in information.expected_benefit
    assert "little or nothing" in information.expected_benefit
    assert "[S1]" in information.benefit_sources
    assert "S1" in {ref.key for ref in information.references}


def test_facet_injection_states_the_guideline_against_it() -> None:
    information = info(procedure=Procedure.FACET_JOINT_INJECTION)
    assert "UK guidance says not to use" in information.why
    assert "UK guidance says not to use" in information.expected_benefit


def test_the_medial_branch_block_and_radiofrequency_use_the_rules_threshold_of_half() -> None:
    mbb = info(procedure=Procedure.MEDIAL_BRANCH_BLOCK, steroid=None)
    rf = info(procedure=Procedure.RADIOFREQUENCY_DENERVATION, steroid=None)
    assert "at least half" in mbb.why
    assert "by half or more" in mbb.expected_benefit
    assert "at least half" in rf.why
    for text in (all_text(mbb), all_text(rf)):
        assert "most of your pain" not in text
        assert "eased your back pain a lot" not in text


@pytest.mark.parametrize("procedure", list(Procedure))
def test_alternatives_include_a_combined_physical_and_psychological_programme(
    procedure: Procedure,
) -> None:
    alternatives = {a.title: a for a in info(procedure=procedure).alternatives}
    programme = alternatives["A programme of exercise and talking therapy"]
    assert "talking therapy" in programme.explanation and programme.sources == "[3]"
    assert "Keep active and keep up your exercises" in alternatives
    assert "Check your pain medicines" in alternatives
    assert "Wait and see" in alternatives
    assert ("See a spine surgeon" in alternatives) == (procedure in EPIDURALS)
    pathway = "A test, then heat treatment" in alternatives
    assert pathway == (procedure is Procedure.FACET_JOINT_INJECTION)


@pytest.mark.parametrize("procedure", list(Procedure))
def test_only_sciatica_sheets_say_it_often_gets_better_on_its_own(procedure: Procedure) -> None:
    text = all_text(info(procedure=procedure))
    assert "often gets better over time" not in text
    assert ("Sciatica often gets better on its own" in text) == (procedure in EPIDURALS)


@pytest.mark.parametrize(
    ("steroid", "dose", "shown"),
    [
        (Steroid.DEXAMETHASONE, 6.6, "Steroid: dexamethasone, 6.6 mg."),
        (Steroid.TRIAMCINOLONE, 40.0, "Steroid: triamcinolone, 40 mg."),
        (Steroid.METHYLPREDNISOLONE, 80.0, "Steroid: methylprednisolone, 80 mg."),
        (None, None, "Steroid: none."),
    ],
)
def test_the_sheet_shows_the_planned_drug_and_dose(
    steroid: Steroid | None, dose: float | None, shown: str
) -> None:
    medicines = info(steroid=steroid, steroid_dose_mg=dose).medicines
    assert medicines[0].startswith(shown)
    assert "lidocaine" in medicines[1]


def test_a_steroid_needs_its_dose_and_a_dose_needs_a_steroid() -> None:
    with pytest.raises(ValueError, match="needs its dose"):
        dataclasses.replace(BASE, steroid_dose_mg=None)
    with pytest.raises(ValueError, match="no steroid is planned"):
        dataclasses.replace(BASE, steroid=None)
    with pytest.raises(ValueError, match="above 0"):
        dataclasses.replace(BASE, steroid_dose_mg=float("nan"))


def test_steroid_relief_timing_is_honest() -> None:
    information = info()
    assert "2 to 5 days" in information.how_long_relief_lasts
    assert "2 weeks" in information.how_long_relief_lasts
    assert "weeks or months" in information.how_long_relief_lasts
    assert "not a cure" in information.expected_benefit


def test_a_diagnostic_block_is_described_as_a_test_lasting_hours_with_a_diary() -> None:
    information = info(procedure=Procedure.MEDIAL_BRANCH_BLOCK, steroid=None)
    assert "test" in information.what_it_is
    assert "few hours" in information.how_long_relief_lasts
    assert "pain diary" in information.expected_benefit
    assert any("pain diary" in line for line in information.after)
    assert not any("Rest for the rest of the day" in line for line in information.after)


# --- Item 8: warning signs that do not contradict each other -------------------------------------


def test_numbness_is_expected_for_a_stated_time_and_a_warning_after_it() -> None:
    information = info()
    hours = f"{NUMBNESS_WEARS_OFF_HOURS} hours"
    expected = [line for line in information.after if "numb" in line]
    assert expected and "normal" in expected[0] and hours in expected[0]
    legs = information.emergency_signs[0]
    assert hours in legs and "comes back" in legs
    # No sign tells the patient to act on numbness the sheet has just called normal.
    for line in information.emergency_signs:
        if "numb" in line.lower() and "legs" in line:
            assert hours in line or "worn off" in line, line


def test_without_a_numbing_drug_any_new_numbness_is_a_warning() -> None:
    information = info(local_anaesthetic=None)
    assert information.emergency_signs[0].startswith("New numbness")
    assert not any("numb" in line and "normal" in line for line in information.after)


def test_the_warning_signs_cover_infection_meningitis_sex_bleeding_and_stroke() -> None:
    signs = " ".join(info().emergency_signs)
    assert "Severe back pain that keeps getting worse, with a fever" in signs
    assert "headache with a stiff neck or a fever" in signs
    assert "New problems with sex" in signs
    assert "Bleeding where the needle went in that does not stop" in signs
    assert "loss of sight" in signs and "999" in signs
    assert "lose control of your bladder or bowels" in signs
    call_us = " ".join(info().call_us_signs)
    assert "worse when you sit or stand" in call_us
    assert "38°C" in call_us


def test_urine_advice_gives_the_same_hours_as_the_warning_signs() -> None:
    information = info()
    risk = information.risk(RiskCode.URINE_RETENTION)
    assert risk is not None
    hours = f"{NUMBNESS_WEARS_OFF_HOURS} hours"
    assert hours in risk.explanation
    assert any(hours in line and "pass urine" in line for line in information.emergency_signs)


@pytest.mark.parametrize("threshold", [DEFAULT_SICK_DAY_GLUCOSE_MMOL_L, 13.9])
def test_diabetes_with_a_steroid_gives_the_clinics_sick_day_glucose_threshold(
    threshold: float,
) -> None:
    information = info(diabetic=True, sick_day_glucose_mmol_l=threshold)
    said = f"above {threshold:g} mmol/L"
    assert any(said in line and "sick-day rules" in line for line in information.call_us_signs)
    assert any(said in line for line in information.emergency_signs)
    risk = information.risk(RiskCode.RAISED_BLOOD_GLUCOSE)
    assert risk is not None and said in risk.explanation
    assert "[23]" in information.warning_sources


def test_no_glucose_advice_without_diabetes_or_without_a_steroid() -> None:
    for information in (info(diabetic=False), info(diabetic=True, steroid=None)):
        assert not any("mmol/L" in line for line in information.call_us_signs)
        assert not any("mmol/L" in line for line in information.emergency_signs)


def test_the_sick_day_threshold_must_be_a_positive_number() -> None:
    with pytest.raises(ValueError, match="sick-day"):
        dataclasses.replace(BASE, sick_day_glucose_mmol_l=0)


def test_everyone_is_told_not_to_drive() -> None:
    after = " ".join(info(local_anaesthetic=None, steroid=None).after)
    assert "Do not drive" in after


# --- Titles and levels ---------------------------------------------------------------------------


@pytest.mark.parametrize("procedure", list(Procedure))
def test_every_procedure_has_a_title(procedure: Procedure) -> None:
    assert procedure_title(procedure)
    assert procedure_title(procedure) in info(procedure=procedure).title


def test_levels_and_side_appear_in_order() -> None:
    text = info(levels=("L5/S1", "L4/L5"), side=Laterality.RIGHT).what_it_is
    assert "at the L4/L5 and L5/S1 levels on your right side" in text
    assert "on your" not in info(side=Laterality.NOT_APPLICABLE, levels=()).what_it_is


def test_levels_are_validated_and_put_in_order() -> None:
    assert validate_levels(["S1", "L1/L2"]) == ("L1/L2", "S1")
    assert validate_levels([]) == ()
    with pytest.raises(ValueError, match="unknown"):
        validate_levels(["L4-L5"])
    with pytest.raises(ValueError, match="more than once"):
        validate_levels(["L4/L5", "L4/L5"])
    with pytest.raises(ValueError, match="unknown"):
        dataclasses.replace(BASE, levels=("L6/S1",))


def test_example_context_is_the_fullest_sheet() -> None:
    ctx = example_context(Procedure.CAUDAL_EPIDURAL, Imaging.CT, Steroid.TRIAMCINOLONE)
    assert ctx.diabetic and ctx.on_anticoagulant and ctx.pregnant is None
    assert ctx.steroid_dose_mg == 40.0
