"""The facts models: the api.md example validates as-is, and bad input names its field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from spinepath.clinical.facts import Facts, PreviousInjection
from spinepath.clinical.tests.factories import BASE, facts_data, make_facts


def _error_locs(data: dict[str, Any]) -> list[tuple[int | str, ...]]:
    with pytest.raises(ValidationError) as error:
        Facts.model_validate(data)
    return [e["loc"] for e in error.value.errors()]


def test_the_api_example_validates_as_is_and_round_trips() -> None:
    facts = Facts.model_validate(BASE)
    assert facts.assessment_date == dt.date(2026, 11, 24)
    assert Facts.model_validate(facts.model_dump(mode="json")) == facts


def test_the_core_never_reads_the_clock_the_assessment_date_is_required() -> None:
    data = {k: v for k, v in BASE.items() if k != "assessment_date"}
    with pytest.raises(ValidationError) as refused:
        Facts.model_validate(data)
    assert [error["loc"] for error in refused.value.errors()] == [("assessment_date",)]


def test_missing_safety_facts_mean_not_assessed() -> None:
    required = ("assessment_date", "age", "sex", "condition", "procedure", "imaging", "injectate")
    facts = Facts.model_validate({k: BASE[k] for k in required})
    assert facts.red_flags is None
    assert facts.allergies is None
    assert facts.antithrombotics is None
    assert facts.pregnant is None
    assert facts.previous_injections == []


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"procedure": "vertebroplasty"}, ("procedure",)),
        ({"condition": "headache"}, ("condition",)),
        ({"red_flags": ["tingling"]}, ("red_flags", 0)),
        ({"allergies": ["peanut"]}, ("allergies", 0)),
        (
            {"antithrombotics": [{"drug": "aspirin", "indication": "why"}]},
            ("antithrombotics", 0, "indication"),
        ),
        ({"symptoms": {"leg_pain_nrs": 11}}, ("symptoms", "leg_pain_nrs")),
        ({"symptoms": {"back_pain_nrs": -1}}, ("symptoms", "back_pain_nrs")),
        ({"age": -1}, ("age",)),
        ({"injectate": {"steroid_dose_mg": -4}}, ("injectate", "steroid_dose_mg")),
        ({"injectate": {"steroid": "prednisolone"}}, ("injectate", "steroid")),
        ({"mbb": {"date": "2026-01-01", "relief_percent": 101}}, ("mbb", "relief_percent")),
        (
            {"previous_injections": [{"date": "2026-01-01", "procedure": "knee"}]},
            ("previous_injections", 0, "procedure"),
        ),
        ({"nickname": "x"}, ("nickname",)),
    ],
)
def test_invalid_values_are_errors_naming_the_field(
    change: dict[str, Any], loc: tuple[int | str, ...]
) -> None:
    assert loc in _error_locs(facts_data(change))


def test_a_steroid_needs_a_dose_and_a_dose_needs_a_steroid() -> None:
    assert ("injectate",) in _error_locs(facts_data({"injectate": {"steroid_dose_mg": None}}))
    assert ("injectate",) in _error_locs(facts_data({"injectate": {"steroid": None}}))


def test_history_cannot_be_after_the_assessment() -> None:
    late = {"previous_injections": [{"date": "2026-11-25", "procedure": "caudal_epidural"}]}
    with pytest.raises(ValidationError, match=r"previous_injections\[0\]\.date"):
        make_facts(late)


def test_other_joint_is_a_valid_previous_injection_but_not_a_procedure() -> None:
    entry = PreviousInjection.model_validate(
        {
            "date": "2026-01-01",
            "procedure": "other_joint",
            "steroid": "hydrocortisone",
            "steroid_dose_mg": 25,
        }
    )
    assert entry.procedure.procedure is None
    assert ("procedure",) in _error_locs(facts_data({"procedure": "other_joint"}))


def test_facts_are_immutable() -> None:
    facts = make_facts()
    with pytest.raises(ValidationError):
        facts.age = 50  # type: ignore[misc]
