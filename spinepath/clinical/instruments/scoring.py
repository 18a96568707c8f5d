"""Pure scoring of questionnaire answers, exactly as ``shared/clinical/instruments.md`` says.

Answers arrive as JSON-like mappings (from a form, the patient link or the API). Anything that
cannot be scored — an unknown key, a value out of range, a wrong type, too few ODI sections —
raises ``NotScorable`` naming the field, because a silently wrong score would be stored as an
outcome and end up in the analytics.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from spinepath.clinical.instruments.definitions import (
    INSTRUMENTS,
    ODI,
    PGIC_BANDS,
    RMDQ,
    STARTBACK,
    Instrument,
)

ODI_MIN_SECTIONS = 8


class NotScorable(ValueError):
    """The answers cannot be scored; ``field`` names the offending answer."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class UnknownInstrument(NotScorable):
    def __init__(self, code: str) -> None:
        known = ", ".join(INSTRUMENTS)
        super().__init__("instrument", f"unknown instrument {code!r}; expected one of {known}")


class Score(BaseModel):
    """The response of ``POST /api/v1/instruments/{code}/score`` (api.md)."""

    model_config = ConfigDict(frozen=True)

    instrument: str
    version: str
    score: int | float
    band: str | None = None
    subscores: dict[str, int] = Field(default_factory=dict)


def _check_keys(answers: Mapping[str, Any], allowed: tuple[str, ...], code: str) -> None:
    if not isinstance(answers, Mapping):
        raise NotScorable("answers", "must be an object of answers")
    for key in answers:
        if key not in allowed:
            raise NotScorable(str(key), f"unknown answer for {code}; expected {', '.join(allowed)}")


def _whole(value: Any, field: str, low: int, high: int) -> int:
    """``value`` as a whole number in ``low..high``; JSON ``7.0`` is accepted, ``7.5`` is not."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise NotScorable(field, f"must be a whole number from {low} to {high}, not {value!r}")
    if isinstance(value, float) and not value.is_integer():
        raise NotScorable(field, f"must be a whole number from {low} to {high}, not {value}")
    whole = int(value)
    if not low <= whole <= high:
        raise NotScorable(field, f"must be from {low} to {high}, not {whole}")
    return whole


def _required(answers: Mapping[str, Any], key: str) -> Any:
    if answers.get(key) is None:
        raise NotScorable(key, "is required")
    return answers[key]


def _single(instrument: Instrument, answers: Mapping[str, Any]) -> Score:
    """NRS and PGIC: one answer, ``score``, whose value is the score."""
    _check_keys(answers, ("score",), instrument.code)
    low, high = int(instrument.score_min), int(instrument.score_max)
    value = _whole(_required(answers, "score"), "score", low, high)
    band = PGIC_BANDS[value - 1] if instrument.code == "pgic" else None
    return Score(instrument=instrument.code, version=instrument.version, score=value, band=band)


def odi_band(score: float) -> str:
    for limit, band in ((20, "minimal"), (40, "moderate"), (60, "severe"), (80, "crippling")):
        if score <= limit:
            return band
    return "bed_bound"


def _odi(instrument: Instrument, answers: Mapping[str, Any]) -> Score:
    _check_keys(answers, ODI.item_ids, ODI.code)
    given = {
        key: _whole(answers[key], key, 0, 5) for key in ODI.item_ids if answers.get(key) is not None
    }
    if len(given) < ODI_MIN_SECTIONS:
        missing = [key for key in ODI.item_ids if key not in given]
        raise NotScorable(
            "answers",
            f"only {len(given)} of 10 sections answered (missing {', '.join(missing)}); the ODI "
            f"needs at least {ODI_MIN_SECTIONS}",
        )
    score = round(100 * sum(given.values()) / (5 * len(given)), 1)
    return Score(instrument=ODI.code, version=ODI.version, score=score, band=odi_band(score))


def _rmdq(instrument: Instrument, answers: Mapping[str, Any]) -> Score:
    _check_keys(answers, ("items",), RMDQ.code)
    items = _required(answers, "items")
    if not isinstance(items, list | tuple) or len(items) != len(RMDQ.items):
        raise NotScorable("items", f"must be a list of {len(RMDQ.items)} true/false answers")
    for index, ticked in enumerate(items):
        if ticked is not None and not isinstance(ticked, bool):
            raise NotScorable(f"items[{index}]", f"must be true, false or null, not {ticked!r}")
    # An unanswered statement counts as not ticked (instruments.md).
    score = sum(1 for ticked in items if ticked is True)
    return Score(instrument=RMDQ.code, version=RMDQ.version, score=score)


def startback_risk(total: int, psychosocial: int) -> str:
    if total <= 3:
        return "low"
    return "high" if psychosocial >= 4 else "medium"


def _startback(instrument: Instrument, answers: Mapping[str, Any]) -> Score:
    _check_keys(answers, STARTBACK.item_ids, STARTBACK.code)
    agree = {f"q{n}": _whole(_required(answers, f"q{n}"), f"q{n}", 0, 1) for n in range(1, 9)}
    bothersome = 1 if _whole(_required(answers, "q9"), "q9", 0, 4) >= 3 else 0
    total = sum(agree.values()) + bothersome
    psychosocial = sum(agree[f"q{n}"] for n in range(5, 9)) + bothersome
    return Score(
        instrument=STARTBACK.code,
        version=STARTBACK.version,
        score=total,
        band=startback_risk(total, psychosocial),
        subscores={"psychosocial": psychosocial},
    )


SCORERS: Mapping[str, Callable[[Instrument, Mapping[str, Any]], Score]] = {
    "nrs": _single,
    "nrs_back": _single,
    "nrs_leg": _single,
    "odi": _odi,
    "rmdq": _rmdq,
    "startback": _startback,
    "pgic": _single,
}


def score(
    code: str, answers: Mapping[str, Any], instruments: Mapping[str, Instrument] = INSTRUMENTS
) -> Score:
    """Score ``answers`` to instrument ``code``; raises ``NotScorable`` naming the bad field."""
    if code not in instruments or code not in SCORERS:
        raise UnknownInstrument(code)
    return SCORERS[code](instruments[code], answers)
