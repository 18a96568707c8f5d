"""The three stable clinical endpoints of api.md, as an outside integration calls them."""

import copy
from datetime import timedelta

import pytest
from django.utils import timezone

from spinepath.assessment.tests.helpers import API_EXAMPLE_STEROID_CHECK, facts

EVALUATE = "/api/v1/decision-support/evaluate"
STEROID_CHECK = "/api/v1/steroid-safety/check"
REASON_KEYS = {"code", "outcome", "message", "source", "action"}


def score_url(code):
    return f"/api/v1/instruments/{code}/score"


def fields_named(response):
    """The ``field`` of every problem in a 422 body, after checking the body's shape."""
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    assert detail, "a 422 must say what is wrong"
    for problem in detail:
        assert problem["msg"]
        assert problem["loc"][-len(problem["field"].split(".")) :] == problem["field"].split(".")
    return [problem["field"] for problem in detail]


# --- POST /api/v1/decision-support/evaluate ------------------------------------------------------


def test_it_evaluates_the_api_md_example_as_suitable(api_a):
    r = api_a.post(EVALUATE, facts())
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"outcome", "ruleset", "reasons", "steroid"}
    assert body["outcome"] == "suitable"
    assert body["reasons"] == []
    assert body["ruleset"]["name"] == "nice-ng59-default"
    assert set(body["ruleset"]) == {"name", "version"}
    assert body["ruleset"]["version"]


def test_without_an_assessment_date_the_api_evaluates_as_of_today(api_a):
    """The core needs the date; the API (not the core) supplies today when it is left out."""
    today = timezone.localdate()
    body = facts(mbb={"date": today.isoformat(), "relief_percent": 80})
    del body["assessment_date"]
    assert api_a.post(EVALUATE, body).status_code == 200
    body["mbb"]["date"] = (today + timedelta(days=1)).isoformat()
    assert api_a.post(EVALUATE, body).status_code == 422  # a block after the assessment date


def test_it_reports_the_steroid_check_when_a_steroid_is_planned(api_a):
    steroid = api_a.post(EVALUATE, facts()).json()["steroid"]
    assert steroid["status"] == "ok"
    assert steroid["planned_mpe_mg"] == pytest.approx(8 * 5.333, abs=0.01)  # steroids.md
    assert steroid["region"] == "lumbar_epidural"
    assert steroid["region_count_12m"] == 1
    assert steroid["days_since_last"] is None


def test_it_leaves_out_the_steroid_check_without_a_steroid(api_a):
    body = facts(injectate={"steroid": None, "steroid_dose_mg": None, "local_anaesthetic": None})
    r = api_a.post(EVALUATE, body)
    assert r.status_code == 200
    assert r.json()["steroid"] is None


def test_it_refers_a_red_flag_urgently_with_every_reason_complete(api_a):
    r = api_a.post(EVALUATE, facts(red_flags=["saddle_anaesthesia", "bladder_dysfunction"]))
    assert r.status_code == 200
    body = r.json()
    assert body["outcome"] == "urgent_referral"
    codes = [reason["code"] for reason in body["reasons"]]
    assert codes.count("RED_FLAG_CAUDA_EQUINA") == 1
    for reason in body["reasons"]:
        assert set(reason) == REASON_KEYS
        assert reason["message"] and reason["source"]
    cauda = body["reasons"][codes.index("RED_FLAG_CAUDA_EQUINA")]
    assert cauda["outcome"] == "urgent_referral"
    assert cauda["action"]


def test_it_lists_reasons_most_restrictive_first(api_a):
    body = facts(red_flags=["night_pain"], allergies=None, antithrombotics=None)
    reasons = api_a.post(EVALUATE, body).json()["reasons"]
    assert [r["outcome"] for r in reasons] == ["defer", "defer", "suitable_with_cautions"]
    assert {r["code"] for r in reasons} == {
        "ALLERGIES_NOT_RECORDED",
        "MEDICATION_NOT_RECORDED",
        "NIGHT_PAIN_REVIEW",
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (facts(condition="back_ache"), "condition"),
        (facts(symptoms={**facts()["symptoms"], "leg_pain_nrs": 11}), "symptoms.leg_pain_nrs"),
        ({k: v for k, v in facts().items() if k != "age"}, "age"),
        (facts(red_flags=["headache"]), "red_flags.0"),
        (facts(injectate={"steroid": "triamcinolone", "steroid_dose_mg": None}), "injectate"),
        (facts(procedure="spinal_fusion"), "procedure"),
        (facts(allergies=["peanuts"]), "allergies.0"),
        (facts(antithrombotics=[{"drug": "aspirin", "hours": 3}]), "antithrombotics.0.hours"),
        (facts(surprise=True), "surprise"),
    ],
    ids=[
        "unknown-condition",
        "nrs-11",
        "missing-age",
        "unknown-red-flag",
        "steroid-without-dose",
        "unknown-procedure",
        "unknown-allergy",
        "unknown-antithrombotic-field",
        "unknown-field",
    ],
)
def test_it_refuses_invalid_facts_naming_the_field(api_a, body, field):
    assert field in fields_named(api_a.post(EVALUATE, body))


def test_it_says_why_a_steroid_without_a_dose_is_refused(api_a):
    r = api_a.post(EVALUATE, facts(injectate={"steroid": "triamcinolone"}))
    assert r.status_code == 422
    assert "steroid_dose_mg" in r.json()["detail"][0]["msg"]


def test_it_names_every_bad_field_at_once(api_a):
    body = facts(age=-1, condition="back_ache")
    assert {"age", "condition"} <= set(fields_named(api_a.post(EVALUATE, body)))


@pytest.mark.parametrize("payload", ["{not json", "", "[1, 2", "null"])
def test_it_refuses_a_body_that_is_not_a_facts_object(api_a, payload):
    r = api_a.post(EVALUATE, payload)
    assert r.status_code in (400, 422)
    assert r.status_code != 500
    assert r.json()["detail"]


def test_it_refuses_malformed_json_with_a_message(api_a):
    r = api_a.post(EVALUATE, "{not json")
    assert r.status_code == 400
    assert r.json()["detail"]


def test_it_refuses_a_request_without_a_token(client, clinician_a):
    r = client.post(EVALUATE, facts(), content_type="application/json")
    assert r.status_code == 401
    assert "token" in r.json()["detail"].lower()


def test_it_refuses_a_wrong_token(client, clinician_a):
    r = client.post(
        EVALUATE,
        facts(),
        content_type="application/json",
        headers={"Authorization": "Bearer not-a-real-token"},
    )
    assert r.status_code == 401


# --- POST /api/v1/instruments/{code}/score -------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "answers", "score", "band", "subscores"),
    [
        ("nrs", {"score": 4}, 4, None, {}),
        ("nrs_back", {"score": 0}, 0, None, {}),
        ("nrs_leg", {"score": 10}, 10, None, {}),
        ("odi", {f"s{n}": 2 for n in range(1, 11)}, 40.0, "moderate", {}),
        ("odi", {**{f"s{n}": 5 for n in range(1, 9)}, "s9": None}, 100.0, "bed_bound", {}),
        ("rmdq", {"items": [True] * 7 + [False] * 16 + [None]}, 7, None, {}),
        (
            "startback",
            {"q1": 1, "q2": 1, "q3": 0, "q4": 0, "q5": 1, "q6": 1, "q7": 1, "q8": 0, "q9": 3},
            6,
            "high",
            {"psychosocial": 4},
        ),
        ("pgic", {"score": 2}, 2, "much_improved", {}),
    ],
    ids=["nrs", "nrs_back", "nrs_leg", "odi", "odi-8-sections", "rmdq", "startback", "pgic"],
)
def test_it_scores_every_instrument(api_a, code, answers, score, band, subscores):
    r = api_a.post(score_url(code), {"answers": answers})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["instrument"] == code
    assert body["version"]
    assert body["score"] == score
    assert body["band"] == band
    assert body["subscores"] == subscores


def test_it_refuses_an_odi_with_three_sections_missing_giving_the_reason(api_a):
    answers = {f"s{n}": 1 for n in range(1, 8)}
    r = api_a.post(score_url("odi"), {"answers": answers})
    assert r.status_code == 422
    message = r.json()["detail"][0]["msg"]
    assert "7 of 10" in message
    assert "s8, s9, s10" in message


def test_it_refuses_an_unknown_instrument_naming_the_code(api_a):
    r = api_a.post(score_url("phq9"), {"answers": {"score": 1}})
    assert "code" in fields_named(r)


@pytest.mark.parametrize(
    ("code", "answers", "field"),
    [
        ("nrs", {"score": 11}, "answers.score"),
        ("nrs_leg", {"score": -1}, "answers.score"),
        ("nrs", {"score": 7.5}, "answers.score"),
        ("pgic", {"score": 0}, "answers.score"),
        ("startback", {"q1": 1}, "answers.q2"),
        ("odi", {"s11": 1}, "answers.s11"),
        ("rmdq", {"items": [True] * 3}, "answers.items"),
    ],
)
def test_it_refuses_unscorable_answers_naming_the_field(api_a, code, answers, field):
    assert fields_named(api_a.post(score_url(code), {"answers": answers})) == [field]


def test_it_refuses_a_score_body_without_answers(api_a):
    assert "answers" in fields_named(api_a.post(score_url("nrs"), {"score": 3}))


# --- POST /api/v1/steroid-safety/check -----------------------------------------------------------


def test_it_checks_the_api_md_steroid_example(api_a):
    r = api_a.post(STEROID_CHECK, API_EXAMPLE_STEROID_CHECK)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] in ("ok", "warn")
    assert body["planned_mpe_mg"] == 40
    assert body["total_12m_mpe_mg"] == 80
    assert body["total_36m_mpe_mg"] == 80
    assert body["region"] == "lumbar_epidural"
    assert body["region_count_12m"] == 2
    assert body["days_since_last"] == 84
    assert body["days_since_last_same_region"] == 84
    assert body["earliest_date"] == "2026-11-24"
    assert isinstance(body["reasons"], list)


def test_it_blocks_an_injection_ten_days_after_the_last(api_a):
    body = copy.deepcopy(API_EXAMPLE_STEROID_CHECK)
    body["history"][0]["date"] = "2026-11-14"
    r = api_a.post(STEROID_CHECK, body)
    assert r.status_code == 200
    check = r.json()
    assert check["status"] == "block"
    assert check["days_since_last"] == 10
    assert "STEROID_INTERVAL_TOO_SHORT" in [reason["code"] for reason in check["reasons"]]
    assert check["earliest_date"] == "2026-11-28"  # 14 days after 14 November


def test_it_counts_a_steroid_given_in_another_joint(api_a):
    body = copy.deepcopy(API_EXAMPLE_STEROID_CHECK)
    body["history"] = [
        {
            "date": "2026-11-01",
            "procedure": "other_joint",
            "steroid": "methylprednisolone",
            "steroid_dose_mg": 40,
        }
    ]
    r = api_a.post(STEROID_CHECK, body)
    assert r.status_code == 200, r.content
    check = r.json()
    assert check["total_12m_mpe_mg"] == 80
    assert check["days_since_last"] == 23
    assert check["region_count_12m"] == 1
    assert check["days_since_last_same_region"] is None


def test_it_refuses_history_dated_after_the_planned_injection(api_a):
    body = copy.deepcopy(API_EXAMPLE_STEROID_CHECK)
    body["history"][0]["date"] = "2026-12-01"
    r = api_a.post(STEROID_CHECK, body)
    assert r.status_code == 422
    assert "2026-12-01" in str(r.json()["detail"])


def test_it_refuses_an_unknown_steroid_naming_the_field(api_a):
    body = copy.deepcopy(API_EXAMPLE_STEROID_CHECK)
    body["planned"]["steroid"] = "hydrocortisone-ish"
    assert "planned.steroid" in fields_named(api_a.post(STEROID_CHECK, body))


def test_it_refuses_steroid_checks_without_a_token(client, clinician_a):
    r = client.post(STEROID_CHECK, API_EXAMPLE_STEROID_CHECK, content_type="application/json")
    assert r.status_code == 401
