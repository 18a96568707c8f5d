"""What was given against what the patient consented to.

A patient agrees to one procedure, on one side, at named levels, with a named steroid and dose.
What is done may differ, and how much that matters differs:

* **refused** — another procedure, the other side, a level not on the consent, or a steroid when
  the patient agreed to an injection without one. The patient was not told about, and did not
  agree to, what would be done: take consent again.
* **needs a written reason** — another steroid or local anaesthetic, a local anaesthetic the plan
  did not name, or a higher steroid dose than consented (compared in methylprednisolone-
  equivalent mg, so 8 mg dexamethasone after consent for 40 mg triamcinolone is a lower dose but
  still another drug). The operating clinician may proceed with a reason, which is kept on the
  record, or take consent again.

Less than consented (fewer levels, one side of a bilateral consent, no steroid, a lower dose of
the same steroid) is neither: the patient agreed to more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from spinepath.clinical.consent_info import procedure_title
from spinepath.clinical.steroids import mpe_mg
from spinepath.clinical.vocab import Laterality, Procedure, Steroid


class Severity(StrEnum):
    REFUSE = "refuse"
    REASON = "reason"


@dataclass(frozen=True)
class Injection:
    """A consented plan or what was given; blank strings for "none"."""

    procedure: str
    side: str
    levels: Sequence[str] = ()
    steroid: str = ""
    steroid_dose_mg: float | None = None
    local_anaesthetic: str = ""


@dataclass(frozen=True)
class Variance:
    """One way what was given differs from the consent, with the field it is about."""

    code: str
    field: str
    severity: Severity
    message: str

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "field": self.field,
            "severity": self.severity.value,
            "message": self.message,
        }


_SIDE_WORDS = {
    Laterality.LEFT: "the left side",
    Laterality.RIGHT: "the right side",
    Laterality.BILATERAL: "both sides",
    Laterality.NOT_APPLICABLE: "the midline",
}


def _side(value: str) -> str:
    try:
        return _SIDE_WORDS[Laterality(value)]
    except ValueError:
        return value


def _procedure(value: str) -> str:
    try:
        return procedure_title(Procedure(value)).lower()
    except ValueError:
        return value.replace("_", " ")


def _drug(name: str, dose: float | None) -> str:
    return f"{name} {dose:g} mg" if dose is not None else name


def _mpe(steroid: str, dose: float | None) -> float | None:
    try:
        return None if dose is None else mpe_mg(Steroid(steroid), dose)
    except ValueError:
        return None


def compare_with_consent(consented: Injection, given: Injection) -> list[Variance]:
    """Every difference that matters, refusals first; [] when what was given was consented to."""
    found: list[Variance] = []
    if given.procedure != consented.procedure:
        found.append(
            Variance(
                "procedure_differs",
                "procedure",
                Severity.REFUSE,
                f"The consent is for {_procedure(consented.procedure)}. Take consent for "
                "a different procedure first.",
            )
        )
    covers = {consented.side}
    if consented.side == Laterality.BILATERAL:
        covers |= {Laterality.LEFT.value, Laterality.RIGHT.value}
    if given.side not in covers:
        found.append(
            Variance(
                "side_differs",
                "side",
                Severity.REFUSE,
                f"The consent is for {_side(consented.side)}. Take consent for "
                f"{_side(given.side)} first.",
            )
        )
    outside = [level for level in given.levels if level not in consented.levels]
    if outside:
        on_consent = ", ".join(consented.levels) if consented.levels else "no levels"
        found.append(
            Variance(
                "level_not_consented",
                "levels",
                Severity.REFUSE,
                f"{', '.join(outside)} is not on the consent ({on_consent}). Take consent for "
                "the levels to be injected first.",
            )
        )
    if given.steroid and not consented.steroid:
        found.append(
            Variance(
                "steroid_not_consented",
                "steroid",
                Severity.REFUSE,
                "The patient consented to an injection without a steroid. Take consent again "
                "to give one.",
            )
        )
    elif given.steroid and given.steroid != consented.steroid:
        found.append(
            Variance(
                "steroid_differs",
                "steroid",
                Severity.REASON,
                f"Consented: {_drug(consented.steroid, consented.steroid_dose_mg)}; given: "
                f"{_drug(given.steroid, given.steroid_dose_mg)}.",
            )
        )
    if given.steroid and consented.steroid:
        given_mpe = _mpe(given.steroid, given.steroid_dose_mg)
        consented_mpe = _mpe(consented.steroid, consented.steroid_dose_mg)
        if given_mpe is not None and consented_mpe is not None and given_mpe > consented_mpe:
            found.append(
                Variance(
                    "steroid_dose_higher",
                    "steroid_dose_mg",
                    Severity.REASON,
                    f"The dose given ({_drug(given.steroid, given.steroid_dose_mg)}, "
                    f"{given_mpe:g} mg methylprednisolone-equivalent) is higher than consented "
                    f"({_drug(consented.steroid, consented.steroid_dose_mg)}, {consented_mpe:g} "
                    "mg).",
                )
            )
    if given.local_anaesthetic and given.local_anaesthetic != consented.local_anaesthetic:
        planned = consented.local_anaesthetic or "no local anaesthetic"
        found.append(
            Variance(
                "local_anaesthetic_differs",
                "local_anaesthetic",
                Severity.REASON,
                f"Consented: {planned}; given: {given.local_anaesthetic}.",
            )
        )
    return sorted(found, key=lambda v: v.severity != Severity.REFUSE)


def refusals(variances: Sequence[Variance]) -> list[Variance]:
    return [v for v in variances if v.severity == Severity.REFUSE]


def needing_reason(variances: Sequence[Variance]) -> list[Variance]:
    return [v for v in variances if v.severity == Severity.REASON]
