from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from spinepath.procedures.models import Consent
from spinepath.procedures.tests.helpers import form_data
from spinepath.procedures.tests.test_consent_model import PNG_1PX
from spinepath.testing import assess, audit_events, make_episode, make_patient, take_consent

pytestmark = pytest.mark.django_db


def _login(client: Any, user: Any) -> None:
    client.force_login(user)


def test_the_page_shows_the_information_and_risks(
    client: Any, episode_a: Any, clinician_a: Any
) -> None:
    assess(episode_a, clinician_a)
    _login(client, clinician_a)
    url = reverse("consent_create", args=[episode_a.pk])
    response = client.get(url, {"levels": ["L5/S1"], "side": "left"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Transforaminal epidural injection" in html
    assert "Headache from a leak of spinal fluid" in html
    assert "This applies to you because" in html
    assert "Rare: fewer than about 1 in 1,000 injections next to a nerve root" in html
    assert "Loss of sight, stroke, paralysis or death" in html
    assert "Steroid: dexamethasone, 8 mg." in html
    assert "Sources: [27][28][29][30]" in html
    assert "[27] fda.gov/Drugs/DrugSafety/ucm394280.htm" in html
    assert "Go to A&amp;E or call 999 at once if you have" in html
    assert "at the L5/S1 level" in html
    assert 'name="signature_image"' in html and "<canvas" in html


def test_a_permit_through_the_page_is_active_and_consents_the_episode(
    client: Any, episode_a: Any, clinician_a: Any
) -> None:
    assess(episode_a, clinician_a)
    _login(client, clinician_a)
    response = client.post(reverse("consent_create", args=[episode_a.pk]), form_data())
    consent = Consent.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("consent_detail", args=[consent.pk])
    assert consent.status == "active" and consent.levels == ["L4/L5", "L5/S1"]
    assert consent.clinician == clinician_a
    episode_a.refresh_from_db()
    assert episode_a.stage == "consented"
    detail = client.get(response["Location"])
    assert "Consent given" in detail.content.decode()


def test_a_drawn_signature_is_stored(client: Any, episode_a: Any, clinician_a: Any) -> None:
    assess(episode_a, clinician_a)
    _login(client, clinician_a)
    data = form_data(signature_method="drawn", signed_name="", signature_image=PNG_1PX)
    response = client.post(reverse("consent_create", args=[episode_a.pk]), data)
    assert response.status_code == 302
    assert Consent.objects.get().signature_image == PNG_1PX


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"capacity_confirmed": None}, "capacity_confirmed"),
        ({"signed_name": ""}, "signed_name"),
        ({"signature_method": "drawn", "signature_image": ""}, "signed_name"),
        ({"signature_method": "drawn", "signature_image": "data:image/png;base64,AAAA"}, None),
        ({"signature_method": "drawn", "signature_image": "data:text/html,<b>x</b>"}, None),
        ({"decision": None}, "decision"),
        ({"side": "upwards"}, None),
        ({"levels": ["L9/L10"]}, None),
    ],
)
def test_bad_input_shows_errors_and_writes_nothing(
    client: Any, episode_a: Any, clinician_a: Any, changes: dict[str, Any], field: str | None
) -> None:
    assess(episode_a, clinician_a)
    _login(client, clinician_a)
    before = len(audit_events())
    response = client.post(reverse("consent_create", args=[episode_a.pk]), form_data(**changes))
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    if field:
        assert response.context["form"].errors[field]
    assert not Consent.objects.exists()
    assert len(audit_events()) == before
    episode_a.refresh_from_db()
    assert episode_a.stage == "assessed"


def test_the_page_refuses_when_the_decision_is_not_cleared(
    client: Any, episode_a: Any, clinician_a: Any
) -> None:
    assess(episode_a, clinician_a, red_flags_screened=False)
    _login(client, clinician_a)
    url = reverse("consent_create", args=[episode_a.pk])
    assert "reason to proceed" in client.get(url).content.decode()
    response = client.post(url, form_data())
    assert response.status_code == 409
    assert not Consent.objects.exists()


def test_a_physiotherapist_may_not_take_consent(
    client: Any, episode_a: Any, clinician_a: Any, physio_a: Any
) -> None:
    assess(episode_a, clinician_a)
    _login(client, physio_a)
    url = reverse("consent_create", args=[episode_a.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, form_data()).status_code == 403
    assert not Consent.objects.exists()


def test_another_clinic_gets_404(
    client: Any, episode_a: Any, clinician_a: Any, clinician_b: Any
) -> None:
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    _login(client, clinician_b)
    assert client.get(reverse("consent_create", args=[episode_a.pk])).status_code == 404
    for name in ("consent_detail", "consent_pdf"):
        assert client.get(reverse(name, args=[consent.pk])).status_code == 404
    for name in ("consent_withdraw", "consent_error"):
        response = client.post(reverse(name, args=[consent.pk]), {"withdraw-reason": "x"})
        assert response.status_code == 404
    consent.refresh_from_db()
    assert consent.status == "active"


def test_withdraw_through_the_page(client: Any, episode_a: Any, clinician_a: Any) -> None:
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    _login(client, clinician_a)
    url = reverse("consent_withdraw", args=[consent.pk])
    assert client.post(url, {"withdraw-reason": ""}).status_code == 400
    response = client.post(url, {"withdraw-reason": "Wants to wait."}, follow=True)
    consent.refresh_from_db()
    assert consent.status == "inactive" and consent.withdrawn_reason == "Wants to wait."
    assert "WITHDRAWN" in response.content.decode()


def test_entered_in_error_through_the_page(client: Any, episode_a: Any, clinician_a: Any) -> None:
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    _login(client, clinician_a)
    response = client.post(
        reverse("consent_error", args=[consent.pk]), {"error-reason": "Wrong plan."}, follow=True
    )
    consent.refresh_from_db()
    assert consent.status == "entered-in-error"
    assert "ENTERED IN ERROR" in response.content.decode()


def test_a_physiotherapist_may_read_but_not_withdraw(
    client: Any, episode_a: Any, clinician_a: Any, physio_a: Any
) -> None:
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    _login(client, physio_a)
    assert client.get(reverse("consent_detail", args=[consent.pk])).status_code == 200
    response = client.post(reverse("consent_withdraw", args=[consent.pk]), {"withdraw-reason": "x"})
    assert response.status_code == 403
    consent.refresh_from_db()
    assert consent.status == "active"


def test_a_later_episode_of_another_patient_is_not_mixed_up(
    client: Any, clinic_a: Any, clinician_a: Any
) -> None:
    other = make_episode(make_patient(clinic_a, nhs_number="4010232137", given_name="Ann"))
    assess(other, clinician_a)
    _login(client, clinician_a)
    client.post(reverse("consent_create", args=[other.pk]), form_data(signed_name="Ann Jones"))
    consent = Consent.objects.get()
    assert consent.episode == other and consent.signed_on == timezone.localdate()


def test_a_deny_through_the_page_needs_no_signature(
    client: Any, episode_a: Any, clinician_a: Any
) -> None:
    assess(episode_a, clinician_a)
    _login(client, clinician_a)
    data = form_data(decision="deny", capacity_confirmed=None, signed_name="", signed_on="")
    response = client.post(reverse("consent_create", args=[episode_a.pk]), data, follow=True)
    consent = Consent.objects.get()
    assert consent.status == "inactive" and consent.decision == "deny"
    assert "refusal is recorded" in response.content.decode()
    episode_a.refresh_from_db()
    assert episode_a.stage == "assessed"
