from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from spinepath.clinical.consent_info import INFORMATION_VERSION
from spinepath.procedures.consent import consent_withdraw
from spinepath.procedures.pdf import consent_pdf_bytes
from spinepath.procedures.tests.test_consent_model import PNG_1PX
from spinepath.testing import assess, audit_events, take_consent

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split())


def test_the_pdf_contains_the_patient_procedure_risks_and_signature(
    client: Any, episode_a: Any, clinician_a: Any
) -> None:
    consent = take_consent(assess(episode_a, clinician_a), clinician_a, levels=["L5/S1"])
    client.force_login(clinician_a)

    response = client.get(reverse("consent_pdf", args=[consent.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="consent-{consent.pk}.pdf"'
    text = _text(response.content)
    assert "Mary Jones" in text
    assert "17 May 1970" in text
    assert "943 476 5919" in text
    assert "Clinic A" in text
    assert "Transforaminal epidural injection" in text
    assert "L5/S1" in text
    assert "Headache from a leak of spinal fluid" in text
    assert "dura" in text and "fewer than about 1 in 1,000 injections next to a nerve root" in text
    assert "Infection" in text
    assert "X-ray pictures give a small dose of radiation" in text
    assert "Signed: Mary Jones" in text
    assert f"Date: {timezone.localdate():%-d %b %Y}" in text
    assert INFORMATION_VERSION in text
    assert "Will it hurt?" in text
    assert "WITHDRAWN" not in text
    [export] = audit_events(model="procedures.Consent", action="export")
    assert export.object_id == str(consent.pk)


def test_the_withdrawn_pdf_says_withdrawn(episode_a: Any, clinician_a: Any) -> None:
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    consent_withdraw(None, consent=consent, by=clinician_a, reason="Changed her mind.")
    text = _text(consent_pdf_bytes(consent))
    assert "WITHDRAWN" in text
    assert "Changed her mind." in text


def test_the_pdf_includes_a_drawn_signature_image(episode_a: Any, clinician_a: Any) -> None:
    consent = take_consent(
        assess(episode_a, clinician_a),
        clinician_a,
        signature_method="drawn",
        signed_name="",
        signature_image=PNG_1PX,
    )
    reader = PdfReader(io.BytesIO(consent_pdf_bytes(consent)))
    images = [image for page in reader.pages for image in page.images]
    assert images, "the drawn signature is embedded as an image"
