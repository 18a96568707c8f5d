"""The consent page's form post; records themselves are built by ``spinepath.testing``."""

from __future__ import annotations

from typing import Any

from django.utils import timezone


def form_data(**fields: Any) -> dict[str, Any]:
    """A POST for the consent page (L4/L5 and L5/S1 left, typed signature, today); a field
    given as ``None`` is left out."""
    data: dict[str, Any] = {
        "levels": ["L4/L5", "L5/S1"],
        "side": "left",
        "patient_questions": "How long will it last?",
        "capacity_confirmed": "on",
        "decision": "permit",
        "signature_method": "typed",
        "signed_name": "Mary Jones",
        "signed_on": timezone.localdate().isoformat(),
        "signature_image": "",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}
