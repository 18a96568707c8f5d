"""How soon a red flag must be seen: the one statement of that policy (rules.md, red flags).

Every red flag stops the injection (``urgent_referral``), but not every one is a same-day
emergency [12][13][15]: cauda equina signs, a possible spinal infection and deteriorating weakness
are; suspected cancer and suspected fracture (and stable major weakness) are urgent, to be seen
within two weeks. Rule texts, worklists and banners all ask :func:`urgency`.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from spinepath.clinical.vocab import RedFlag


class Urgency(StrEnum):
    EMERGENCY = "emergency"
    URGENT = "urgent"

    @property
    def label(self) -> str:
        """For lists and banners: "Emergency: refer the same day"."""
        return _LABELS[self]

    @property
    def words(self) -> str:
        """For the start of a rule's action: "Emergency, same day: refer for …"."""
        return _WORDS[self]


_LABELS = {
    Urgency.EMERGENCY: "Emergency: refer the same day",
    Urgency.URGENT: "Urgent: to be seen within 2 weeks",
}

_WORDS = {
    Urgency.EMERGENCY: "Emergency, same day",
    Urgency.URGENT: "Urgent, within 2 weeks",
}

EMERGENCY_FLAGS = frozenset(
    {
        # cauda equina signs
        RedFlag.SADDLE_ANAESTHESIA,
        RedFlag.BLADDER_DYSFUNCTION,
        RedFlag.BOWEL_DYSFUNCTION,
        RedFlag.SEXUAL_DYSFUNCTION,
        RedFlag.BILATERAL_LEG_SYMPTOMS,
        # possible spinal infection
        RedFlag.FEVER,
        RedFlag.IV_DRUG_USE,
        # deteriorating weakness
        RedFlag.PROGRESSIVE_WEAKNESS,
    }
)
URGENT_FLAGS = frozenset(
    {
        # suspected cancer
        RedFlag.CANCER_HISTORY,
        RedFlag.UNEXPLAINED_WEIGHT_LOSS,
        # suspected fracture
        RedFlag.SIGNIFICANT_TRAUMA,
        RedFlag.MINOR_TRAUMA_WITH_OSTEOPOROSIS,
    }
)
# Not a referral on their own: night pain is a caution; a recent bacterial infection is a
# possible spinal infection (an emergency) only in someone immunosuppressed.
NOT_A_REFERRAL = frozenset({RedFlag.NIGHT_PAIN, RedFlag.RECENT_BACTERIAL_INFECTION})


def urgency(codes: Iterable[str], *, immunosuppressed: bool | None = None) -> Urgency | None:
    """The most pressing urgency among red-flag ``codes``; ``None`` when none needs a referral.

    A code this module does not know is treated as an emergency: a new flag must never be
    under-called while its urgency is still to be decided.
    """
    found = set(codes)
    if immunosuppressed is True and RedFlag.RECENT_BACTERIAL_INFECTION in found:
        return Urgency.EMERGENCY
    known = EMERGENCY_FLAGS | URGENT_FLAGS | NOT_A_REFERRAL
    if found & EMERGENCY_FLAGS or found - known:
        return Urgency.EMERGENCY
    if found & URGENT_FLAGS:
        return Urgency.URGENT
    return None
