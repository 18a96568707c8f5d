from __future__ import annotations

import base64
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from spinepath.procedures.models import (
    SIGNATURE_MAX_CHARS,
    Consent,
    ConsentDeleteError,
    validate_signature_image,
)

PNG_1PX = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def test_it_is_valid_for_the_procedure_only_when_active_permit_and_not_withdrawn() -> None:
    consent = Consent(status="active", decision="permit")
    assert consent.is_valid_for_procedure()
    assert not Consent(status="inactive", decision="permit").is_valid_for_procedure()
    assert not Consent(status="active", decision="deny").is_valid_for_procedure()
    assert not Consent(status="entered-in-error", decision="permit").is_valid_for_procedure()
    consent.withdrawn_at = consent.created_at
    assert not consent.is_valid_for_procedure()


def test_its_status_codes_are_fhir_consent_codes() -> None:
    assert set(Consent.Status.values) == {"draft", "active", "inactive", "entered-in-error"}
    assert set(Consent.Decision.values) == {"permit", "deny"}


def test_it_accepts_a_png_data_url() -> None:
    validate_signature_image(PNG_1PX)
    validate_signature_image("")


@pytest.mark.parametrize(
    "value",
    [
        "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ==",
        "data:image/png;base64,not base64 at all!",
        "data:image/png;base64," + base64.b64encode(b"GIF89a not a png").decode(),
        "javascript:alert(1)",
        "data:image/png;base64," + "A" * SIGNATURE_MAX_CHARS,
    ],
)
def test_it_refuses_a_malformed_drawn_signature(value: str) -> None:
    with pytest.raises(ValidationError):
        validate_signature_image(value)


def test_it_cannot_be_deleted() -> None:
    with pytest.raises(ConsentDeleteError):
        Consent(pk=1).delete()


def test_permit_without_capacity_or_signature_is_invalid() -> None:
    consent = Consent(decision="permit", status="active", capacity_confirmed=False)
    with pytest.raises(ValidationError) as raised:
        consent.clean()
    assert {"capacity_confirmed", "signed_name"} <= set(raised.value.message_dict)


def test_a_deny_needs_no_signature() -> None:
    Consent(decision="deny", status="inactive").clean()


def test_a_drawn_signature_needs_the_drawing(**_: Any) -> None:
    consent = Consent(
        decision="permit",
        status="active",
        capacity_confirmed=True,
        signature_method="drawn",
        signed_name="Mary Jones",
    )
    with pytest.raises(ValidationError) as raised:
        consent.clean()
    assert "signature_image" in raised.value.message_dict
