"""Self-checks of the instrument definitions, for the Django system check at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spinepath.clinical.instruments.definitions import (
    INSTRUMENTS,
    PLACEHOLDER_PREFIX,
    Instrument,
    Wording,
)
from spinepath.clinical.instruments.scoring import SCORERS, NotScorable, score


def extreme_answers(instrument: Instrument, high: bool) -> dict[str, Any]:
    """Answers choosing every item's lowest (or highest) option, in the instrument's format."""
    if instrument.code == "rmdq":
        return {"items": [high] * len(instrument.items)}
    pick = max if high else min
    return {item.id: pick(item.values) for item in instrument.items}


def validate_instruments(instruments: Mapping[str, Instrument] = INSTRUMENTS) -> list[str]:
    """Problems with the definitions; empty when every instrument is well formed and scores."""
    problems = []
    for code, instrument in instruments.items():
        if instrument.code != code:
            problems.append(f"{code}: registered under the wrong code {instrument.code!r}")
        if not instrument.version or not instrument.recall_period:
            problems.append(f"{code}: needs a version and a recall period")
        ids = instrument.item_ids
        if len(set(ids)) != len(ids):
            problems.append(f"{code}: duplicate item ids")
        for item in instrument.items:
            values = item.values
            if not values or list(values) != list(range(values[0], values[0] + len(values))):
                problems.append(f"{code}.{item.id}: option values must be consecutive")
        if not instrument.licence.may_ship_wording and instrument.wording is Wording.OWN:
            problems.append(f"{code}: licensed instrument must not ship its own wording")
        if instrument.wording is Wording.PLACEHOLDER and not any(
            item.text.startswith(PLACEHOLDER_PREFIX) for item in instrument.items
        ):
            problems.append(f"{code}: placeholder wording must be labelled as such")
        if code not in SCORERS:
            problems.append(f"{code}: no scoring function")
            continue
        for high in (False, True):
            try:
                result = score(code, extreme_answers(instrument, high), instruments)
            except NotScorable as error:
                problems.append(f"{code}: cannot score its own extreme answers ({error})")
                continue
            if not instrument.score_min <= result.score <= instrument.score_max:
                problems.append(f"{code}: score {result.score} outside its declared range")
            if instrument.bands and result.band not in instrument.bands:
                problems.append(f"{code}: band {result.band!r} is not one of its bands")
    return problems
