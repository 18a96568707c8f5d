"""The decision as a whole: its shape (api.md) and the properties rules.md asks for."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from spinepath.clinical.decision import evaluate
from spinepath.clinical.facts import Facts
from spinepath.clinical.tests import strategies
from spinepath.clinical.tests.factories import PROPERTY, decide, facts_data, merged
from spinepath.clinical.vocab import Antithrombotic, Outcome, RedFlag, most_restrictive

URGENT_ON_THEIR_OWN = frozenset(RedFlag) - {RedFlag.NIGHT_PAIN, RedFlag.RECENT_BACTERIAL_INFECTION}
"""Red flags that refer urgently whatever else is true. Night pain alone is a caution, and a
recent bacterial infection is urgent only in someone immunosuppressed (rules.md)."""


def test_the_response_has_exactly_the_api_shape() -> None:
    body = decide({"red_flags": ["night_pain"]}).to_dict()
    assert set(body) == {"outcome", "ruleset", "reasons", "steroid"}
    assert body["ruleset"] == {"name": "nice-ng59-default", "version": "2026.12.1"}
    assert set(body["reasons"][0]) == {"code", "outcome", "message", "source", "action"}
    assert set(body["steroid"]) == {
        "status",
        "planned_mpe_mg",
        "total_12m_mpe_mg",
        "total_36m_mpe_mg",
        "region",
        "region_count_12m",
        "days_since_last",
        "days_since_last_same_region",
        "earliest_date",
        "reasons",
    }


def test_the_api_example_is_suitable() -> None:
    body = decide().to_dict()
    assert body["outcome"] == "suitable"
    assert body["reasons"] == []
    assert body["steroid"]["status"] == "ok"


def test_no_steroid_means_no_steroid_check() -> None:
    body = decide({"injectate": {"steroid": None, "steroid_dose_mg": None}}).to_dict()
    assert body["steroid"] is None


def test_reasons_are_most_restrictive_first_then_in_rule_order() -> None:
    decision = decide(
        {
            "red_flags": ["fever", "saddle_anaesthesia", "night_pain"],
            "immunosuppressed": True,
            "allergies": None,
            "symptoms": {"leg_pain_dominant": False},
        }
    )
    assert decision.codes == [
        "RED_FLAG_CAUDA_EQUINA",
        "RED_FLAG_INFECTION",
        "NICE_NO_EPIDURAL_BACK_PAIN",
        "ALLERGIES_NOT_RECORDED",
        "NIGHT_PAIN_REVIEW",
        "IMMUNOSUPPRESSION",
    ]
    assert decision.outcome is Outcome.URGENT_REFERRAL
    assert not decision.overridable


def test_steroid_reasons_join_the_decision_with_their_decision_outcomes() -> None:
    decision = decide(
        {
            "injectate": {"steroid": "triamcinolone", "steroid_dose_mg": 40},
            "previous_injections": [
                {
                    "date": "2026-11-20",
                    "procedure": "other_joint",
                    "steroid": "triamcinolone",
                    "steroid_dose_mg": 40,
                }
            ],
        }
    )
    by_code = {r.code: r for r in decision.reasons}
    assert by_code["STEROID_INTERVAL_TOO_SHORT"].outcome is Outcome.DEFER
    assert by_code["STEROID_INTERVAL_TOO_SHORT"].action == "earliest date 2026-12-04"
    assert by_code["STEROID_PARTICULATE_TRANSFORAMINAL"].outcome is Outcome.SUITABLE_WITH_CAUTIONS
    assert decision.outcome is Outcome.DEFER
    assert decision.steroid is not None and decision.steroid.status == "block"


def test_every_message_is_one_sentence() -> None:
    decision = decide(
        {
            "red_flags": None,
            "allergies": ["iodinated_contrast"],
            "antithrombotics": [{"drug": "warfarin"}],
            "platelets": 60,
            "diabetes": {"present": True},
            "immunosuppressed": True,
            "conservative_care_weeks": None,
            "symptoms": {"duration_weeks": 30},
        }
    )
    assert len(decision.reasons) >= 8
    for reason in decision.reasons:
        assert reason.message.endswith(".")
        assert reason.message[0].isupper()
        assert reason.source


# --- properties (hypothesis) ---------------------------------------------------------------


@PROPERTY
@given(strategies.facts())
def test_the_outcome_is_the_most_restrictive_reason(facts: Facts) -> None:
    decision = evaluate(facts)
    assert decision.outcome is most_restrictive([r.outcome for r in decision.reasons])
    assert (decision.outcome is Outcome.SUITABLE) == (decision.reasons == [])
    severities = [r.outcome.severity for r in decision.reasons]
    assert severities == sorted(severities, reverse=True)


@PROPERTY
@given(strategies.facts())
def test_a_decision_is_deterministic_and_reproducible_from_its_snapshot(facts: Facts) -> None:
    snapshot = facts.model_dump(mode="json")
    assert evaluate(facts) == evaluate(facts)
    assert evaluate(Facts.model_validate(snapshot)).to_dict() == evaluate(facts).to_dict()


@PROPERTY
@given(strategies.facts_data(), st.sampled_from(sorted(URGENT_ON_THEIR_OWN)))
def test_an_urgent_red_flag_always_means_urgent_referral(data: dict[str, Any], flag: str) -> None:
    data["red_flags"] = sorted({*(data["red_flags"] or ()), flag})
    assert evaluate(Facts.model_validate(data)).outcome is Outcome.URGENT_REFERRAL


@PROPERTY
@given(strategies.facts_data())
def test_a_recent_infection_in_someone_immunosuppressed_is_urgent(data: dict[str, Any]) -> None:
    data["red_flags"] = sorted({*(data["red_flags"] or ()), "recent_bacterial_infection"})
    data["immunosuppressed"] = True
    assert evaluate(Facts.model_validate(data)).outcome is Outcome.URGENT_REFERRAL


def _severity(data: dict[str, Any]) -> int:
    return evaluate(Facts.model_validate(data)).outcome.severity


@PROPERTY
@given(strategies.facts_data(screened=True), st.sampled_from(list(RedFlag)))
def test_adding_a_red_flag_never_lowers_the_outcome(data: dict[str, Any], flag: str) -> None:
    more = merged(data, {"red_flags": sorted({*data["red_flags"], flag})})
    assert _severity(more) >= _severity(data)


@PROPERTY
@given(strategies.facts_data(screened=True))
def test_adding_an_allergy_to_the_injectate_never_lowers_the_outcome(
    data: dict[str, Any],
) -> None:
    allergies = set(data["allergies"])
    if data["injectate"]["steroid"]:
        allergies.add("steroid")
    if data["injectate"]["local_anaesthetic"]:
        allergies.add("local_anaesthetic")
    more = merged(data, {"allergies": sorted(allergies)})
    assert _severity(more) >= _severity(data)
    if allergies != set(data["allergies"]):
        assert _severity(more) >= Outcome.NOT_SUITABLE.severity


@PROPERTY
@given(strategies.facts_data(), st.sampled_from(["systemic", "local_at_site"]))
def test_adding_an_infection_never_lowers_the_outcome(data: dict[str, Any], where: str) -> None:
    infection = {**(data["infection"] or {}), where: True}
    more = merged(data, {"infection": infection})
    assert _severity(more) >= max(_severity(data), Outcome.DEFER.severity)


@PROPERTY
@given(
    strategies.facts_data(screened=True),
    st.sampled_from(list(Antithrombotic)),
    st.integers(0, 24),
)
def test_adding_a_recent_antithrombotic_never_lowers_the_outcome(
    data: dict[str, Any], drug: str, hours: int
) -> None:
    use = {"drug": drug, "hours_since_last_dose": hours}
    more = merged(data, {"antithrombotics": [*data["antithrombotics"], use]})
    assert _severity(more) >= _severity(data)


@PROPERTY
@given(strategies.facts_data())
def test_not_screening_red_flags_is_never_better_than_screening_clean(
    data: dict[str, Any],
) -> None:
    clean = merged(data, {"red_flags": []})
    unscreened = merged(data, {"red_flags": None})
    assert _severity(unscreened) >= max(_severity(clean), Outcome.DEFER.severity)


@PROPERTY
@given(strategies.facts_data(), st.sampled_from(["infection", "bleeding_disorder", "diabetes"]))
def test_not_assessing_a_safety_fact_is_never_better_than_a_clean_answer(
    data: dict[str, Any], fact: str
) -> None:
    clean = {
        "infection": {"systemic": False, "local_at_site": False},
        "bleeding_disorder": False,
        "diabetes": {"present": False},
    }[fact]
    assert _severity(merged(data, {fact: None})) >= _severity(merged(data, {fact: clean}))


@PROPERTY
@given(strategies.facts_data(screened=True), st.integers(5, 49))
def test_low_creatinine_clearance_never_lowers_the_outcome(data: dict[str, Any], crcl: int) -> None:
    assert _severity(merged(data, {"crcl_ml_min": crcl})) >= _severity(
        merged(data, {"crcl_ml_min": None})
    )


@PROPERTY
@given(strategies.facts_data(screened=True))
def test_a_high_thrombotic_risk_changes_advice_never_the_outcome(data: dict[str, Any]) -> None:
    high = evaluate(Facts.model_validate(merged(data, {"thrombotic_risk_high": True})))
    unknown = evaluate(Facts.model_validate(merged(data, {"thrombotic_risk_high": None})))
    assert high.outcome is unknown.outcome
    assert high.codes == unknown.codes
    for reason in high.reasons:
        if reason.code == "ANTITHROMBOTIC_NOT_HELD":
            assert reason.action is not None and "prescriber" in reason.action


def test_facts_data_helper_is_the_api_example() -> None:
    assert facts_data()["procedure"] == "transforaminal_epidural"
