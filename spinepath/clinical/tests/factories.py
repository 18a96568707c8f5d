"""Shared test data: the api.md example facts (a clean "suitable" case) and ways to vary it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import settings

from spinepath.clinical.decision import Decision, evaluate
from spinepath.clinical.examples import evaluate_example
from spinepath.clinical.facts import Facts

ASSESSED = dt.date(2026, 11, 24)

BASE: dict[str, Any] = evaluate_example()

NO_STEROID = {"injectate": {"steroid": None, "steroid_dose_mg": None}}

# No example database: tests must not write outside the package, and runs stay reproducible.
PROPERTY = settings(database=None, deadline=None, max_examples=150)


def merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes``; nested objects merge key by key, lists and scalars replace."""
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def facts_data(*changes: dict[str, Any]) -> dict[str, Any]:
    data = BASE
    for change in changes:
        data = merged(data, change)
    return data


def make_facts(*changes: dict[str, Any]) -> Facts:
    return Facts.model_validate(facts_data(*changes))


def decide(*changes: dict[str, Any]) -> Decision:
    return evaluate(make_facts(*changes))


def codes(decision: Decision) -> list[str]:
    return [reason.code for reason in decision.reasons]
