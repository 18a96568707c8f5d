"""The printed leaflets, built from real records through the workflows (text checked in the
PDF with pypdf): the issue's two examples, the clinic's contact details, access and audit."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader

from spinepath.accounts.models import AuditEvent
from spinepath.aftercare.leaflets import aftercare_for, patient_factors, plan_information_for
from spinepath.aftercare.pdf import leaflet_pdf_bytes
from spinepath.aftercare.views import AFTERCARE_BODY, PLAN_BODY
from spinepath.assessment.decisions import record_proceed
from spinepath.clinical.vocab import Antithrombotic
from spinepath.procedures.models import Consent
from spinepath.testing import (
    assess,
    check_today,
    record_procedure,
    take_consent,
)

pytestmark = pytest.mark.django_db

APIXABAN_HELD = [{"drug": "apixaban", "hours_since_last_dose": 96}]
CAUDAL_PLAN = {
    "procedure": "caudal_epidural",
    "imaging": "fluoroscopy",
    "steroid": "dexamethasone",
    "steroid_dose_mg": 8,
    "diabetes": True,
    "hba1c_mmol_mol": 55,
    "antithrombotics": APIXABAN_HELD,
}
SIJ_PLAN = {
    "procedure": "sacroiliac_joint_injection",
    "imaging": "ultrasound",
    "steroid": "",
    "steroid_dose_mg": None,
    "diabetes": True,
    "hba1c_mmol_mol": 55,
    "antithrombotics": APIXABAN_HELD,
}


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _consent(episode: Any, clinician: Any, **plan: Any) -> Consent:
    decision = assess(episode, clinician, **plan)
    if not decision.cleared_to_proceed:
        assert not decision.blocks, decision.outcome
        record_proceed(None, decision, by=clinician, reason="Discussed; the patient wishes it.")
    levels = ["L5/S1"] if plan.get("procedure") != "sacroiliac_joint_injection" else []
    return take_consent(decision, clinician, levels=levels)


def _procedure(episode: Any, clinician: Any, plan: dict[str, Any], **given: Any) -> Any:
    consent = _consent(episode, clinician, **plan)
    check_today(consent, clinician)
    return record_procedure(episode, clinician, **given)


def _caudal(episode: Any, clinician: Any) -> Any:
    return _procedure(
        episode,
        clinician,
        CAUDAL_PLAN,
        procedure="caudal_epidural",
        approach="caudal_sacral_hiatus",
        levels=["L5/S1"],
    )


def _sij(episode: Any, clinician: Any) -> Any:
    return _procedure(
        episode,
        clinician,
        SIJ_PLAN,
        procedure="sacroiliac_joint_injection",
        approach="intra_articular",
        levels=[],
        imaging="ultrasound",
        dose_area_product=None,
        screening_time_s=None,
        steroid="",
        steroid_dose_mg=None,
        contrast_agent="",
        contrast_ml=None,
    )


def _aftercare_pdf_text(record: Any) -> str:
    context = {
        "record": record,
        "episode": record.episode,
        "patient": record.episode.patient,
        "leaflet": aftercare_for(record),
        "printed_at": record.performed_at,
    }
    return _text(leaflet_pdf_bytes(AFTERCARE_BODY, context))


def test_diabetic_on_apixaban_caudal_under_x_ray_leaflet_pdf(
    episode_a: Any, clinician_a: Any
) -> None:
    record = _caudal(episode_a, clinician_a)
    text = _aftercare_pdf_text(record)
    assert "Check your blood sugar more often than usual" in text
    assert "Apixaban: you stopped this before the jab. Start it again 24 hours after it" in text
    assert "radiation" in text
    assert "Cauda equina: act fast" in text
    assert "hot red face" in text  # a steroid was given


def test_ultrasound_sij_without_steroid_leaflet_pdf_has_no_steroid_side_effects(
    episode_a: Any, clinician_a: Any
) -> None:
    episode_a.condition = "sacroiliac_joint_inflammation"
    episode_a.save()
    record = _sij(episode_a, clinician_a)
    text = _aftercare_pdf_text(record)
    for steroid_words in ("hot red face", "mood changes", "blood sugar", "You had a steroid"):
        assert steroid_words not in text, steroid_words
    assert "radiation" not in text
    assert "You did not have a steroid this time." in text
    assert "Apixaban: you did not need to stop this." in text  # a low-risk injection
    assert "Cauda equina: act fast" in text


def test_the_plan_information_pdf_names_the_plan_and_when_to_stop_and_restart(
    episode_a: Any, clinician_a: Any
) -> None:
    consent = _consent(episode_a, clinician_a, **CAUDAL_PLAN)
    context = {
        "consent": consent,
        "episode": consent.episode,
        "patient": consent.episode.patient,
        "information": plan_information_for(consent),
        "printed_at": consent.created_at,
    }
    text = _text(leaflet_pdf_bytes(PLAN_BODY, context))
    assert "caudal epidural" in text and "X-ray screening" in text
    assert "dexamethasone" in text and "sciatica" in text
    assert "Apixaban: stop this 3 days before the jab" in text
    assert "Apixaban: start it again 24 hours after the jab" in text
    assert "You have diabetes." in text and "radiation" in text


def test_the_clinics_phone_and_out_of_hours_advice_come_from_its_settings(
    episode_a: Any, clinician_a: Any
) -> None:
    clinic = episode_a.patient.clinic
    clinic.phone = "01632 960555"
    clinic.out_of_hours_advice = "After 6 pm, ring the ward on 01632 960999."
    clinic.save()
    record = _caudal(episode_a, clinician_a)
    leaflet = aftercare_for(record)
    assert leaflet.contact.phone == f"Call {clinic.name} on 01632 960555."
    assert leaflet.contact.out_of_hours == "After 6 pm, ring the ward on 01632 960999."


def test_patient_factors_ignore_an_unrecorded_medication_list(
    episode_a: Any, clinician_a: Any
) -> None:
    consent = _consent(episode_a, clinician_a, **CAUDAL_PLAN)
    assessment = consent.assessment
    assert patient_factors(assessment).antithrombotics == (Antithrombotic.APIXABAN,)
    assessment.medication_recorded = False
    assert patient_factors(assessment).antithrombotics == ()


# --- Pages, PDFs, access and audit -----------------------------------------------------------


def test_staff_open_the_pages_and_pdfs_and_each_pdf_is_audited(
    client: Any, episode_a: Any, clinician_a: Any, physio_a: Any
) -> None:
    record = _caudal(episode_a, clinician_a)
    client.force_login(physio_a)
    page = client.get(reverse("aftercare_leaflet", args=[record.pk]))
    assert page.status_code == 200
    assert "Cauda equina: act fast" in page.content.decode()
    pdf = client.get(reverse("aftercare_leaflet_pdf", args=[record.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    plan = client.get(reverse("plan_information_pdf", args=[record.consent_id]))
    assert plan.status_code == 200 and plan.content.startswith(b"%PDF")
    exports = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, user=physio_a)
    assert exports.count() == 2


def test_the_consent_and_procedure_pages_link_to_the_leaflets(
    client: Any, episode_a: Any, clinician_a: Any
) -> None:
    record = _caudal(episode_a, clinician_a)
    client.force_login(clinician_a)
    consent_page = client.get(reverse("consent_detail", args=[record.consent_id])).content
    assert reverse("plan_information", args=[record.consent_id]).encode() in consent_page
    procedure_page = client.get(reverse("procedure_detail", args=[record.pk])).content
    assert reverse("aftercare_leaflet", args=[record.pk]).encode() in procedure_page


def test_another_clinics_staff_get_a_404_and_analysts_a_403(
    client: Any, episode_a: Any, clinician_a: Any, clinician_b: Any, analyst_a: Any
) -> None:
    record = _caudal(episode_a, clinician_a)
    client.force_login(clinician_b)
    for name, arg in (
        ("aftercare_leaflet", record.pk),
        ("aftercare_leaflet_pdf", record.pk),
        ("plan_information", record.consent_id),
        ("plan_information_pdf", record.consent_id),
    ):
        assert client.get(reverse(name, args=[arg])).status_code == 404, name
    client.force_login(analyst_a)
    assert client.get(reverse("aftercare_leaflet", args=[record.pk])).status_code == 403


def test_signed_out_staff_pages_ask_for_a_login(client: Any) -> None:
    response = client.get(reverse("aftercare_leaflet", args=[1]))
    assert response.status_code == 302 and "/login/" in response["Location"]
