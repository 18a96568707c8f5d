"""Reading what a patient typed: the date of birth (NHS service manual date input) and one
screen of questionnaire answers, each with error messages in plain words.

The date input follows the service manual's pattern: three boxes (``dob_day``, ``dob_month``,
``dob_year``, the names api.md fixes), one message for the group saying what is wrong, and only
the boxes at fault marked. A date that is not a real date never counts as a wrong try; only a
real date that does not match does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from spinepath.clinical.instruments import Instrument, Item
from spinepath.followup.answering import ODI_MAY_SKIP

DOB_FIELDS = ("dob_day", "dob_month", "dob_year")
_PART_NAMES = {"dob_day": "a day", "dob_month": "a month", "dob_year": "a year"}


@dataclass
class DateOfBirthInput:
    values: dict[str, str]
    value: date | None = None
    error: str = ""
    error_fields: tuple[str, ...] = ()

    @property
    def first_error_field(self) -> str:
        return self.error_fields[0] if self.error_fields else DOB_FIELDS[0]


def read_date_of_birth(data: Mapping[str, Any], *, today: date) -> DateOfBirthInput:
    values = {name: str(data.get(name, "")).strip()[:10] for name in DOB_FIELDS}
    result = DateOfBirthInput(values=values)
    empty = tuple(name for name in DOB_FIELDS if not values[name])
    if len(empty) == len(DOB_FIELDS):
        result.error, result.error_fields = "Enter your date of birth", DOB_FIELDS
        return result
    if empty:
        missing = " and ".join(_PART_NAMES[name] for name in empty)
        result.error, result.error_fields = f"Date of birth must include {missing}", empty
        return result
    not_numbers = tuple(name for name in DOB_FIELDS if not values[name].isdigit())
    if not_numbers:
        result.error = "Date of birth must be a real date, written in numbers"
        result.error_fields = not_numbers
        return result
    if len(values["dob_year"]) != 4:
        result.error, result.error_fields = "Year must include 4 numbers", ("dob_year",)
        return result
    day_, month, year = (int(values[name]) for name in DOB_FIELDS)
    if not 1 <= month <= 12:
        result.error, result.error_fields = "Date of birth must be a real date", ("dob_month",)
        return result
    try:
        given = date(year, month, day_)
    except ValueError:
        result.error, result.error_fields = "Date of birth must be a real date", ("dob_day",)
        return result
    if given >= today:
        result.error, result.error_fields = "Date of birth must be in the past", DOB_FIELDS
        return result
    if year < 1900:
        result.error, result.error_fields = "Date of birth must be after 1900", ("dob_year",)
        return result
    result.value = given
    return result


@dataclass
class ScreenInput:
    """One screen's answers: ``values`` to store, ``errors`` per item id in words."""

    values: dict[str, int | None] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _question_error(instrument: Instrument, item: Item) -> str:
    if instrument.code.startswith("nrs"):
        return "Select a number from 0 to 10"
    return "Select the answer that fits you best"


def read_screen(instrument: Instrument, data: Mapping[str, Any]) -> ScreenInput:
    """Read the posted answers to ``instrument`` (field names ``<item id>``)."""
    result = ScreenInput()
    for item in instrument.items:
        raw = str(data.get(item.id, "")).strip()
        if raw == "":
            result.values[item.id] = None
            continue
        if not raw.lstrip("-").isdigit() or int(raw) not in item.values:
            result.errors[item.id] = _question_error(instrument, item)
            continue
        result.values[item.id] = int(raw)
    unanswered = [item for item in instrument.items if result.values.get(item.id, 0) is None]
    may_skip = ODI_MAY_SKIP if instrument.code == "odi" else 0
    if len(unanswered) > may_skip:
        for item in unanswered:
            if instrument.code == "odi":
                result.errors[item.id] = (
                    "Select an answer (you may leave out up to 2 sections that do not apply)"
                )
            else:
                result.errors[item.id] = _question_error(instrument, item)
    return result
