"""Model validators for clinical numbers and dates, so every door refuses a typing error.

The ranges themselves are clinical policy and live in the core (``clinical.facts.PLAUSIBLE``);
this turns one into Django validators with a message a person can act on, and adds the checks a
``FloatField`` lacks: ``NaN`` and ``Infinity`` pass ``<``/``>`` comparisons oddly and cannot be
stored in PostgreSQL's JSON, so they are refused first.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

from spinepath.clinical.facts import PLAUSIBLE

OLDEST_AGE_YEARS = int(PLAUSIBLE["age"].high)


def validate_finite(value: Any) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError("Enter a number.", code="not_finite")


@deconstructible
class InRange:
    """A finite number within the plausible range ``name`` of ``PLAUSIBLE``."""

    def __init__(self, name: str) -> None:
        if name not in PLAUSIBLE:
            raise KeyError(f"no plausible range named {name!r}")
        self.name = name

    def __call__(self, value: Any) -> None:
        validate_finite(value)
        bounds = PLAUSIBLE[self.name]
        if value is not None and not bounds.low <= value <= bounds.high:
            raise ValidationError(f"Enter a number {bounds.words}.", code="out_of_range")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InRange) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


def in_range(name: str) -> list[Callable[[Any], None]]:
    """The validators for a model field holding the clinical number ``name``."""
    return [InRange(name)]


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def date_problem(
    value: date | None,
    *,
    not_after: date | None = None,
    after_words: str = "today",
    not_before: date | None = None,
    before_words: str = "",
) -> str | None:
    """Why ``value`` is implausible, or ``None``: after ``not_after`` or before ``not_before``."""
    if value is None:
        return None
    if not_after is not None and value > not_after:
        return f"Cannot be after {after_words}."
    if not_before is not None and value < not_before:
        return f"Cannot be before {before_words}."
    return None
