"""The printed consent form carries the information as generated: risks, dose, sources (pypdf)."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from pypdf import PdfReader

from spinepath.assessment.decisions import record_proceed
from spinepath.clinical.vocab import Procedure
from spinepath.procedures.consent import consent_information_for
from spinepath.procedures.models import Consent
from spinepath.procedures.pdf import consent_pdf_bytes
from spinepath.testing import assess, take_consent

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _consent(episode: Any, clinician: Any, **plan: Any) -> Consent:
    """Consent taken through the workflow; an overridable outcome gets a written reason first."""
    decision = assess(episode, clinician, **plan)
    if not decision.cleared_to_proceed:
        assert not decision.blocks, decision.outcome
        record_proceed(None, decision, by=clinician, reason="Discussed; the patient wishes it.")
    return take_consent(decision, clinician)


# Old wording that read as "no risk" for a non-particulate steroid.
REMOVED_RISK = re.compile(
    r"has none|no risk|risk is removed|That is why doctors prefer it|(?<!not )take the risk away",
    re.IGNORECASE,
)


def test_the_transforaminal_dexamethasone_pdf_names_each_catastrophic_harm_and_its_rarity(
    episode_a: Any, clinician_a: Any
) -> None:
    consent = _consent(episode_a, clinician_a)
    assert (consent.procedure, consent.steroid) == ("transforaminal_epidural", "dexamethasone")

    text = _text(consent_pdf_bytes(consent))

    assert "Loss of sight, stroke, paralysis or death" in text
    assert (
        "Very rare: loss of sight, stroke, paralysis and death each happen to fewer than "
        "1 in 10,000 people"
    ) in text
    assert "does not take the risk away" in text
    assert "They do not take it away" in text
    assert not REMOVED_RISK.search(text)
    assert "Steroid: dexamethasone, 8 mg." in text


def test_the_ultrasound_sacroiliac_pdf_without_steroid_has_no_steroid_or_radiation_risk(
    episode_a: Any, clinician_a: Any
) -> None:
    consent = _consent(
        episode_a,
        clinician_a,
        procedure="sacroiliac_joint_injection",
        imaging="ultrasound",
        steroid="",
        steroid_dose_mg=None,
    )

    text = _text(consent_pdf_bytes(consent))

    assert "Sacroiliac joint injection" in text
    assert "Steroid: none." in text
    for steroid_or_radiation in (
        "Side effects of the steroid",
        "adrenal",
        "Weaker skin, bone or tendons",
        "Higher blood sugar",
        "radiation",
        "X-rays can harm an unborn baby",
        "cancer",
    ):
        assert steroid_or_radiation not in text, steroid_or_radiation
    assert "Loss of sight, stroke" not in text  # the epidural warning is not this injection's


def test_a_radiofrequency_pdf_asks_about_implanted_devices_and_cites_the_mint_trial(
    episode_a: Any, clinician_a: Any
) -> None:
    consent = _consent(
        episode_a,
        clinician_a,
        procedure="radiofrequency_denervation",
        steroid="",
        steroid_dose_mg=None,
        mbb_date=timezone.localdate() - dt.timedelta(days=30),
        mbb_relief_percent=80,
        nrs_back=7,
    )

    text = _text(consent_pdf_bytes(consent))

    assert "Tell us if you have a pacemaker, a heart defibrillator (ICD), or a spinal cord" in text
    assert "If you have a pacemaker or another device in your body" in text
    assert "A burn under the pad on your skin" in text
    assert "MINT" in text
    assert "[S1] Juch JNS" in text


@pytest.mark.parametrize(
    ("procedure", "steroid", "dose", "shown"),
    [
        ("transforaminal_epidural", "dexamethasone", 6.6, "Steroid: dexamethasone, 6.6 mg."),
        ("interlaminar_epidural", "methylprednisolone", 80, "Steroid: methylprednisolone, 80 mg."),
        ("caudal_epidural", "triamcinolone", 40, "Steroid: triamcinolone, 40 mg."),
        ("facet_joint_injection", "methylprednisolone", 40, "Steroid: methylprednisolone, 40 mg."),
        ("medial_branch_block", "", None, "Steroid: none."),
        ("sacroiliac_joint_injection", "betamethasone", 6, "Steroid: betamethasone, 6 mg."),
    ],
)
def test_every_pdf_shows_the_dose_and_lists_its_sources(
    episode_a: Any, clinician_a: Any, procedure: str, steroid: str, dose: Any, shown: str
) -> None:
    consent = _consent(
        episode_a, clinician_a, procedure=procedure, steroid=steroid, steroid_dose_mg=dose
    )

    text = _text(consent_pdf_bytes(consent))

    assert shown in text
    assert "Numbing drug (local anaesthetic): lidocaine." in text
    for reference in consent.information["references"]:
        assert f"[{reference['key']}] {reference['citation'][:25]}" in text, reference["key"]
    risk_sources = [risk["sources"] for risk in consent.information["risks"]]
    assert all(risk_sources)
    for sources in set(risk_sources):
        assert f"Sources: {sources}" in text
    if procedure in ("transforaminal_epidural", "interlaminar_epidural", "caudal_epidural"):
        assert "[27] fda.gov" in text


def test_an_old_consent_without_sources_still_prints(episode_a: Any, clinician_a: Any) -> None:
    """Consents stored before this version keep their own words; the PDF prints what is there."""
    consent = _consent(episode_a, clinician_a)
    information = consent.information
    for key in ("medicines", "references", "emergency_signs", "call_us_signs"):
        information.pop(key)
    for key in ("benefit_sources", "warning_sources"):
        information.pop(key)
    for item in (*information["risks"], *information["alternatives"]):
        item.pop("sources")
    consent.information_version = consent.information["version"] = "consent-info 2026.11.1"
    text = _text(consent_pdf_bytes(consent))
    assert "consent-info 2026.11.1" in text
    assert "Sources:" not in text


@override_settings(SPINEPATH_SICK_DAY_GLUCOSE_MMOL_L=13.9)
def test_the_clinics_sick_day_glucose_threshold_comes_from_settings(
    episode_a: Any, clinician_a: Any
) -> None:
    decision = assess(episode_a, clinician_a, diabetes=True, hba1c_mmol_mol=50)
    information = consent_information_for(decision.assessment, levels=["L4/L5"], side="left")
    assert any("above 13.9 mmol/L" in line for line in information.call_us_signs)
    assert Procedure(decision.assessment.procedure) in Procedure
