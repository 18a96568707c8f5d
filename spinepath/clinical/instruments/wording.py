"""Merge a clinic's licensed questionnaire wording into the shipped definitions.

Licensed wording never lives in the repository; a clinic holding a licence keeps it in a JSON
file shaped ``{instrument: {item_id: {"text": ..., "options": [...]}}}`` and a management command
loads it through ``apply_wording``. The file is checked against the structure first — an item
that does not exist, or a different number of options, would mean the wording belongs to another
version of the questionnaire and the stored answers would no longer mean what the patient read.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from spinepath.clinical.instruments.definitions import (
    INSTRUMENTS,
    Instrument,
    Item,
    Option,
    Wording,
)


class WordingError(ValueError):
    """The wording file does not fit the definitions; ``problems`` lists every mismatch."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def check_wording(wording: Any, instruments: Mapping[str, Instrument] = INSTRUMENTS) -> list[str]:
    """Every way ``wording`` fails to match the definitions; empty when it can be applied."""
    if not isinstance(wording, Mapping):
        return ["the wording file must be an object keyed by instrument code"]
    problems = []
    for code, items in wording.items():
        if code not in instruments:
            problems.append(f"{code}: unknown instrument")
            continue
        if not isinstance(items, Mapping):
            problems.append(f"{code}: must be an object keyed by item id")
            continue
        instrument = instruments[code]
        for item_id, entry in items.items():
            where = f"{code}.{item_id}"
            if item_id not in instrument.item_ids:
                problems.append(f"{where}: unknown item for {code}")
                continue
            if not isinstance(entry, Mapping):
                problems.append(f"{where}: must be an object with text and options")
                continue
            unknown = set(entry) - {"text", "options"}
            if unknown:
                problems.append(f"{where}: unknown keys {', '.join(sorted(unknown))}")
            text = entry.get("text")
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{where}.text: must be non-empty text")
            options = entry.get("options")
            if options is None:
                continue
            expected = len(instrument.item(item_id).options)
            if not isinstance(options, list) or not all(
                isinstance(o, str) and o.strip() for o in options
            ):
                problems.append(f"{where}.options: must be a list of non-empty text")
            elif len(options) != expected:
                problems.append(
                    f"{where}.options: {len(options)} given but the item has {expected} options"
                )
    return problems


def _merged_item(item: Item, entry: Mapping[str, Any]) -> Item:
    options = entry.get("options")
    new_options = (
        tuple(Option(o.value, text) for o, text in zip(item.options, options, strict=True))
        if options is not None
        else item.options
    )
    return dataclasses.replace(item, text=entry["text"], options=new_options, placeholder=False)


def apply_wording(
    wording: Any, instruments: Mapping[str, Instrument] = INSTRUMENTS
) -> dict[str, Instrument]:
    """New definitions with ``wording`` merged in; raises ``WordingError`` if it does not fit.

    An instrument is marked ``clinic_supplied`` only once no placeholder is left, so a partial
    file never makes the form look complete.
    """
    problems = check_wording(wording, instruments)
    if problems:
        raise WordingError(problems)
    merged = dict(instruments)
    for code, entries in wording.items():
        instrument = instruments[code]
        items = tuple(
            _merged_item(item, entries[item.id]) if item.id in entries else item
            for item in instrument.items
        )
        if instrument.wording is Wording.OWN:
            status = Wording.OWN if not entries else Wording.CLINIC_SUPPLIED
        elif any(item.placeholder for item in items):
            status = Wording.PLACEHOLDER
        else:
            status = Wording.CLINIC_SUPPLIED
        merged[code] = dataclasses.replace(instrument, items=items, wording=status)
    return merged


def load_wording_file(
    path: Path | str, instruments: Mapping[str, Instrument] = INSTRUMENTS
) -> dict[str, Instrument]:
    """Read a clinic's JSON wording file and merge it (``WordingError`` if it does not fit)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise WordingError([f"{path}: not valid JSON ({error})"]) from error
    return apply_wording(data, instruments)
