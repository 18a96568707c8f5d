"""The questionnaire definitions in force: shipped structure plus the clinic's licensed wording."""

from __future__ import annotations

from spinepath.clinical.instruments import INSTRUMENTS, Instrument, apply_wording
from spinepath.questionnaires.models import LicensedWording


def current_instruments() -> dict[str, Instrument]:
    """Definitions with any loaded wording merged in; placeholders where none is loaded."""
    loaded = {row.instrument: row.wording for row in LicensedWording.objects.all()}
    return apply_wording(loaded) if loaded else dict(INSTRUMENTS)
