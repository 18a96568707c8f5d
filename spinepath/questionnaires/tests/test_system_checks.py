"""Start-up checks: a broken rule set or malformed questionnaires stop the app with a stable id."""

import pytest
from django.core.checks import Error, run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from spinepath.assessment.tests.helpers import facts
from spinepath.clinical.rules import RULES
from spinepath.questionnaires import checks


def ids(messages):
    return [message.id for message in messages]


def test_it_passes_the_shipped_rule_set_and_instruments():
    assert checks.ruleset_is_well_formed(None) == []
    assert checks.instruments_are_well_formed(None) == []


def test_it_registers_its_checks_with_django():
    assert not [m for m in run_checks() if m.id and m.id.startswith("spinepath.E0")]


@override_settings(SPINEPATH_RULESET_OVERRIDES={"no_such_threshold": 1})
def test_it_refuses_an_unknown_override():
    [error] = checks.ruleset_is_well_formed(None)
    assert isinstance(error, Error)
    assert error.id == "spinepath.E020"
    assert "no_such_threshold" in error.msg
    assert "SPINEPATH_RULESET_OVERRIDES" in error.msg


@override_settings(SPINEPATH_RULESET_OVERRIDES={"min_age": -3, "platelets_min": "lots"})
def test_it_lists_every_bad_override_value():
    errors = checks.ruleset_is_well_formed(None)
    assert ids(errors) == ["spinepath.E020", "spinepath.E020"]
    assert any("min_age" in e.msg for e in errors)
    assert any("platelets_min" in e.msg for e in errors)


@override_settings(SPINEPATH_RULESET_OVERRIDES={"no_such_threshold": 1})
def test_it_stops_manage_py_check_on_a_bad_override():
    with pytest.raises(SystemCheckError, match="spinepath.E020"):
        call_command("check")


@override_settings(SPINEPATH_RULESET_OVERRIDES={"min_age": 18, "version": "local-1"})
def test_it_accepts_a_valid_override_and_the_api_uses_it(api_a):
    assert checks.ruleset_is_well_formed(None) == []
    body = api_a.post("/api/v1/decision-support/evaluate", facts(age=17)).json()
    assert body["outcome"] == "not_suitable"
    assert [r["code"] for r in body["reasons"]] == ["OUTSIDE_AGE_RANGE"]
    assert body["ruleset"] == {"name": "nice-ng59-default", "version": "local-1"}


def test_it_uses_the_default_age_limit_without_an_override(api_a):
    assert api_a.post("/api/v1/decision-support/evaluate", facts(age=17)).json()["outcome"] == (
        "suitable"
    )


def test_it_refuses_two_rules_sharing_a_code(monkeypatch):
    first = RULES[0]
    twin = type("TwinRule", (type(first),), {})()
    monkeypatch.setattr(checks, "RULES", [*RULES, twin])
    errors = checks.ruleset_is_well_formed(None)
    assert ids(errors) == ["spinepath.E021"]
    assert f"code {first.code} is used by both" in errors[0].msg
    assert "TwinRule" in errors[0].msg


def test_it_refuses_malformed_instrument_definitions(monkeypatch):
    problem = "odi.s3: 5 options but scoring expects 6"
    monkeypatch.setattr(checks, "validate_instruments", lambda: [problem])
    errors = checks.instruments_are_well_formed(None)
    assert [(e.id, e.msg) for e in errors] == [("spinepath.E010", problem)]
    with pytest.raises(SystemCheckError, match="spinepath.E010"):
        call_command("check")
