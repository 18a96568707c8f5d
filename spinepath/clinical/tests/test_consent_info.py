"""Consent information: the right risks for the right patient, honestly worded and readable."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spinepath.clinical.consent_info import (
    ALWAYS_LISTED,
    FREQUENCY_BAND_MEANINGS,
    INFORMATION_VERSION,
    SPINAL_LEVELS,
    ConsentContext,
    ConsentInformation,
    FrequencyBand,
    RiskCode,
    build_consent_information,
    procedure_title,
    validate_levels,
)
from spinepath.clinical.readability import flesch_kincaid_grade, text_stats
from spinepath.clinical.vocab import (
    EPIDURALS,
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
)


def info(**changes: Any) -> ConsentInformation:
    return build_consent_information(dataclasses.replace(BASE, **changes))


def codes(**changes: Any) -> frozenset[str]:
    return info(**changes).risk_codes


contexts = st.builds(
    ConsentContext,
    procedure=st.sampled_from(Procedure),
    imaging=st.sampled_from(Imaging),
    steroid=st.none() | st.sampled_from(Steroid),
    local_anaesthetic=st.none() | st.sampled_from(LocalAnaesthetic),
    levels=st.lists(st.sampled_from(SPINAL_LEVELS), unique=True, max_size=3).map(tuple),
    side=st.sampled_from(Laterality),
    diabetic=st.booleans(),
    on_anticoagulant=st.booleans(),
    pregnant=st.none() | st.booleans(),
)


def every_context() -> list[ConsentContext]:
    """Every combination that changes the wording (levels and side only fill in a sentence)."""
    return [
        ConsentContext(p, i, s, la, ("L4/L5", "L5/S1"), Laterality.BILATERAL, d, a, pr)
        for p, i, s, la, d, a, pr in itertools.product(
            Procedure,
            Imaging,
            (None, Steroid.DEXAMETHASONE, Steroid.METHYLPREDNISOLONE),
            (None, LocalAnaesthetic.LIDOCAINE),
            (False, True),
            (False, True),
            (None, False, True),
        )
    ]


# --- Risks listed for everyone -------------------------------------------------------------------


@given(contexts)
def test_it_never_fails_and_always_lists_the_general_risks(ctx: ConsentContext) -> None:
    information = build_consent_information(ctx)
    assert information.risk_codes >= ALWAYS_LISTED
    assert {RiskCode.PAIN_FLARE, RiskCode.INFECTION, RiskCode.BLEEDING} <= information.risk_codes
    assert (RiskCode.TISSUE_WEAKENING in information.risk_codes) == (ctx.steroid is not None)


@given(contexts)
def test_every_risk_is_fully_described_once(ctx: ConsentContext) -> None:
    risks = build_consent_information(ctx).risks
    assert len({r.code for r in risks}) == len(risks)
    for risk in risks:
        assert risk.code in set(RiskCode)
        assert risk.title.strip()
        assert risk.explanation.strip()
        assert risk.frequency.strip()
        assert risk.applies_because.strip()
        assert risk.frequency_band in FREQUENCY_BAND_MEANINGS


@given(contexts)
def test_every_frequency_starts_with_its_band(ctx: ConsentContext) -> None:
    for risk in build_consent_information(ctx).risks:
        band_words = FREQUENCY_BAND_MEANINGS[risk.frequency_band].split(":")[0]
        assert risk.frequency.startswith(band_words), risk.code


def test_frequencies_give_numbers_and_say_they_are_rough() -> None:
    for risk in info(diabetic=True, on_anticoagulant=True).risks:
        if risk.frequency_band is FrequencyBand.NOT_KNOWN:
            continue
        assert any(ch.isdigit() for ch in risk.frequency) or "half" in risk.frequency
        assert "rough" in risk.frequency or "not known" in risk.frequency, risk.code


@given(contexts)
def test_it_is_deterministic_and_carries_the_version(ctx: ConsentContext) -> None:
    assert build_consent_information(ctx) == build_consent_information(ctx)
    assert build_consent_information(ctx).version == INFORMATION_VERSION


# --- Risks listed only when they apply -----------------------------------------------------------


@pytest.mark.parametrize("procedure", list(Procedure))
def test_dural_puncture_headache_is_listed_only_for_epidurals(procedure: Procedure) -> None:
    listed = RiskCode.DURAL_PUNCTURE_HEADACHE in codes(procedure=procedure)
    assert listed == (procedure in EPIDURALS)


def test_dural_puncture_headache_gives_about_1_in_200() -> None:
    risk = info().risk(RiskCode.DURAL_PUNCTURE_HEADACHE)
    assert risk is not None
    assert "1 in 200" in risk.frequency
    assert risk.frequency_band is FrequencyBand.UNCOMMON  # UK bands: 1 in 100 to 1 in 1,000


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


def test_raised_glucose_says_how_long_and_why() -> None:
    risk = info(diabetic=True).risk(RiskCode.RAISED_BLOOD_GLUCOSE)
    assert risk is not None
    assert "2 days" in risk.explanation and "2 weeks" in risk.explanation
    assert "diabetes" in risk.applies_because and "steroid" in risk.applies_because


@pytest.mark.parametrize("steroid", [None, *Steroid])
def test_steroid_risks_are_listed_only_with_a_steroid(steroid: Steroid | None) -> None:
    listed = codes(steroid=steroid)
    assert (RiskCode.TISSUE_WEAKENING in listed) == (steroid is not None)
    assert (RiskCode.STEROID_SIDE_EFFECTS in listed) == (steroid is not None)


def test_steroid_side_effects_name_the_common_ones() -> None:
    risk = info().risk(RiskCode.STEROID_SIDE_EFFECTS)
    assert risk is not None
    for effect in ("flushing", "sleep", "mood", "blood pressure", "period"):
        assert effect in risk.explanation


@pytest.mark.parametrize("procedure", list(Procedure))
def test_rf_risks_are_listed_only_for_radiofrequency_denervation(procedure: Procedure) -> None:
    listed = codes(procedure=procedure)
    is_rf = procedure is Procedure.RADIOFREQUENCY_DENERVATION
    assert (RiskCode.RF_SKIN_SENSATION in listed) == is_rf
    assert (RiskCode.RF_NEURITIS in listed) == is_rf


@pytest.mark.parametrize("procedure", list(Procedure))
def test_unclear_result_is_listed_only_for_a_medial_branch_block(procedure: Procedure) -> None:
    listed = RiskCode.MBB_UNCLEAR_RESULT in codes(procedure=procedure)
    assert listed == (procedure is Procedure.MEDIAL_BRANCH_BLOCK)


@pytest.mark.parametrize("on_anticoagulant", [True, False])
def test_anticoagulant_bleeding_is_listed_only_on_a_blood_thinner(on_anticoagulant: bool) -> None:
    listed = RiskCode.ANTICOAGULANT_BLEEDING in codes(on_anticoagulant=on_anticoagulant)
    assert listed == on_anticoagulant
    assert any("blood thinner" in line for line in info(on_anticoagulant=True).before)
    assert not any("blood thinner" in line for line in info(on_anticoagulant=False).before)


@pytest.mark.parametrize("anaesthetic", [None, *LocalAnaesthetic])
def test_leg_numbness_is_listed_only_with_a_local_anaesthetic(
    anaesthetic: LocalAnaesthetic | None,
) -> None:
    risk = info(local_anaesthetic=anaesthetic).risk(RiskCode.LOCAL_ANAESTHETIC_NUMBNESS)
    assert (risk is not None) == (anaesthetic is not None)
    if risk is not None:
        assert "drive" in risk.explanation
        assert str(anaesthetic) in risk.applies_because


@pytest.mark.parametrize("procedure", list(Procedure))
def test_spinal_cord_warning_is_given_only_for_transforaminal_injections(
    procedure: Procedure,
) -> None:
    risk = info(procedure=procedure).risk(RiskCode.NERVE_INJURY)
    assert risk is not None
    warned = "spinal cord" in risk.explanation and "Dexamethasone" in risk.explanation
    assert warned == (procedure is Procedure.TRANSFORAMINAL_EPIDURAL)


@pytest.mark.parametrize(
    ("steroid", "says"),
    [
        (Steroid.DEXAMETHASONE, "Your injection uses dexamethasone."),
        (None, "Your injection has no steroid."),
        (Steroid.TRIAMCINOLONE, "Your plan uses triamcinolone."),
        (Steroid.METHYLPREDNISOLONE, "Ask your doctor why"),
    ],
)
def test_transforaminal_nerve_risk_explains_the_planned_steroid(
    steroid: Steroid | None, says: str
) -> None:
    risk = info(steroid=steroid).risk(RiskCode.NERVE_INJURY)
    assert risk is not None and says in risk.explanation


def test_applies_because_explains_this_patient() -> None:
    information = info(diabetic=True, on_anticoagulant=True)
    reasons = {r.code: r.applies_because for r in information.risks}
    assert "epidural" in reasons[RiskCode.DURAL_PUNCTURE_HEADACHE]
    assert "X-ray" in reasons[RiskCode.RADIATION]
    assert "dexamethasone" in reasons[RiskCode.TISSUE_WEAKENING]
    assert "blood" in reasons[RiskCode.ANTICOAGULANT_BLEEDING]


# --- Benefit, duration, alternatives, before and after -------------------------------------------


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


def test_without_a_steroid_it_does_not_promise_steroid_relief() -> None:
    information = info(steroid=None)
    assert "steroid" not in information.how_long_relief_lasts
    assert "no steroid" in information.what_it_is


@pytest.mark.parametrize("procedure", list(Procedure))
def test_alternatives_always_include_exercise_medicines_and_waiting(procedure: Procedure) -> None:
    titles = [a.title for a in info(procedure=procedure).alternatives]
    assert "Keep up physiotherapy and exercise" in titles
    assert "Check your pain medicines" in titles
    assert "Wait and see" in titles
    assert ("See a spinal surgeon" in titles) == (procedure in EPIDURALS)
    pathway = "A test injection, then heat treatment" in titles
    assert pathway == (procedure is Procedure.FACET_JOINT_INJECTION)


def test_waiting_mentions_sciatica_settling_for_epidurals() -> None:
    wait = next(a for a in info().alternatives if a.title == "Wait and see")
    assert "Sciatica often gets better" in wait.explanation


def test_levels_and_side_appear_in_order() -> None:
    text = info(levels=("L5/S1", "L4/L5"), side=Laterality.RIGHT).what_it_is
    assert "at the L4/L5 and L5/S1 levels on your right side" in text
    assert "on your" not in info(side=Laterality.NOT_APPLICABLE, levels=()).what_it_is


def test_diabetes_adds_glucose_advice_before_and_after() -> None:
    information = info(diabetic=True)
    assert any("blood sugar" in line for line in information.before)
    assert any("2 weeks" in line for line in information.after)
    assert not any("blood sugar" in line for line in info(diabetic=False).after)


def test_everyone_is_told_not_to_drive_and_about_warning_signs() -> None:
    after = " ".join(info(local_anaesthetic=None, steroid=None).after)
    assert "Do not drive" in after
    assert "bladder" in after and "fever" in after


# --- Titles and levels ---------------------------------------------------------------------------


@pytest.mark.parametrize("procedure", list(Procedure))
def test_every_procedure_has_a_title(procedure: Procedure) -> None:
    assert procedure_title(procedure)
    assert procedure_title(procedure) in info(procedure=procedure).title


def test_levels_are_validated_and_put_in_order() -> None:
    assert validate_levels(["S1", "L1/L2"]) == ("L1/L2", "S1")
    assert validate_levels([]) == ()
    with pytest.raises(ValueError, match="unknown"):
        validate_levels(["L4-L5"])
    with pytest.raises(ValueError, match="more than once"):
        validate_levels(["L4/L5", "L4/L5"])
    with pytest.raises(ValueError, match="unknown"):
        dataclasses.replace(BASE, levels=("L6/S1",))


# --- Readability ---------------------------------------------------------------------------------

GRADE_LIMIT = 8.0
"""Flesch–Kincaid grade 8 ≈ reading age 13: the most any section may need."""
TARGET_GRADE = 6.0
"""Grade 6 ≈ reading age 11: what the information as a whole aims for (aftercare.md)."""


def _sections(information: ConsentInformation) -> dict[str, list[str]]:
    return {
        "what_it_is": [information.what_it_is],
        "why": [information.why],
        "how_it_is_done": [information.how_it_is_done],
        "expected_benefit": [information.expected_benefit],
        "how_long_relief_lasts": [information.how_long_relief_lasts],
        "risk explanations": [r.explanation for r in information.risks],
        "risk frequencies": [r.frequency for r in information.risks],
        "alternatives": [a.explanation for a in information.alternatives],
        "before": list(information.before),
        "after": list(information.after),
    }


def test_every_version_of_the_information_is_easy_to_read() -> None:
    worst: dict[str, float] = {}
    for ctx in every_context():
        information = build_consent_information(ctx)
        whole = flesch_kincaid_grade(*information.patient_texts())
        assert whole <= TARGET_GRADE, (ctx, whole)
        for name, texts in _sections(information).items():
            grade = flesch_kincaid_grade(*texts)
            worst[name] = max(worst.get(name, grade), grade)
            assert grade <= GRADE_LIMIT, (ctx, name, grade)
    print("worst section grades:", {k: round(v, 1) for k, v in worst.items()})


@pytest.mark.parametrize("procedure", list(Procedure))
def test_the_fullest_information_for_each_procedure_is_easy_to_read(procedure: Procedure) -> None:
    """Every conditional risk switched on: the longest text a patient can be given."""
    ctx = dataclasses.replace(
        BASE, procedure=procedure, diabetic=True, on_anticoagulant=True, pregnant=None
    )
    stats = text_stats(*build_consent_information(ctx).patient_texts())
    print(
        f"{procedure}: FK grade {stats.flesch_kincaid_grade:.2f}, "
        f"reading ease {stats.flesch_reading_ease:.1f}, {stats.words} words, "
        f"{stats.words_per_sentence:.1f} words/sentence, "
        f"{stats.syllables_per_word:.2f} syllables/word"
    )
    assert stats.flesch_kincaid_grade <= TARGET_GRADE
