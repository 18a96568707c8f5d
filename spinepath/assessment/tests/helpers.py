"""Test-only builders for assessments: the api.md facts, API bodies, web form posts, saved rows."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from spinepath.assessment.presentation import OUTCOME_STYLES
from spinepath.clinical.examples import evaluate_example, steroid_check_example
from spinepath.clinical.vocab import Outcome

ASSESSED_ON = date(2026, 11, 24)

# The example body of POST /api/v1/decision-support/evaluate in shared/clinical/api.md.
API_EXAMPLE_FACTS: dict[str, Any] = evaluate_example()

# The example body of POST /api/v1/steroid-safety/check in api.md.
API_EXAMPLE_STEROID_CHECK: dict[str, Any] = steroid_check_example()

# One answer set per instrument that scores without complaint.
ODI_ANSWERS = {f"s{n}": 2 for n in range(1, 11)}  # 40.0, moderate
STARTBACK_HIGH = {"q1": 1, "q2": 0, "q3": 0, "q4": 0, "q5": 1, "q6": 1, "q7": 1, "q8": 0, "q9": 3}


def facts(**overrides: Any) -> dict[str, Any]:
    """The api.md facts with top-level ``overrides`` (deep-copied, so tests cannot leak)."""
    body = copy.deepcopy(API_EXAMPLE_FACTS)
    body.update(overrides)
    return body


def assessment_body(**overrides: Any) -> dict[str, Any]:
    """A JSON body for POST /api/v1/episodes/{id}/assessments that decides ``suitable``."""
    body: dict[str, Any] = {
        "assessed_on": ASSESSED_ON.isoformat(),
        "procedure": "transforaminal_epidural",
        "imaging": "fluoroscopy",
        "steroid": "dexamethasone",
        "steroid_dose_mg": 8,
        "local_anaesthetic": "lidocaine",
        "red_flags": [],
        "symptom_duration_weeks": 6,
        "leg_pain_dominant": True,
        "neurogenic_claudication": False,
        "conservative_care_weeks": 6,
        "allergies": [],
        "antithrombotics": [],
        "bleeding_disorder": False,
        "diabetes": False,
        "pregnant": False,
        "immunosuppressed": False,
        "infection_systemic": False,
        "infection_local": False,
        "baseline": {
            "nrs_back": {"score": 3},
            "nrs_leg": {"score": 8},
            "odi": dict(ODI_ANSWERS),
            "startback": dict(STARTBACK_HIGH),
        },
    }
    body.update(overrides)
    return body


def management_form(prefix: str, total: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def form_data(**overrides: Any) -> dict[str, Any]:
    """A POST for the assessment page (``AssessmentForm`` + formsets + questionnaires).

    The same plan as ``assessment_body``; an override of ``None`` removes the field.
    """
    data: dict[str, Any] = {
        "assessed_on": ASSESSED_ON.isoformat(),
        "procedure": "transforaminal_epidural",
        "imaging": "fluoroscopy",
        "steroid": "dexamethasone",
        "steroid_dose_mg": "8",
        "local_anaesthetic": "lidocaine",
        "red_flags_screened": "on",
        "symptom_duration_weeks": "6",
        "leg_pain_dominant": "true",
        "neurogenic_claudication": "false",
        "conservative_care_weeks": "6",
        "allergies_recorded": "on",
        "medication_recorded": "on",
        "bleeding_disorder": "false",
        "diabetes": "false",
        "pregnant": "false",
        "immunosuppressed": "false",
        "infection_systemic": "false",
        "infection_local": "false",
        "q-nrs_back__score": "3",
        "q-nrs_leg__score": "8",
        **management_form("drug", 3),
        **management_form("elsewhere", 2),
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


# Plans that produce each restrictive outcome for the default ``sciatica`` episode.
DEFER_PLAN: dict[str, Any] = {"red_flags_screened": False}
NOT_RECOMMENDED_PLAN: dict[str, Any] = {"leg_pain_dominant": False}
CAUTION_PLAN: dict[str, Any] = {"immunosuppressed": True}
URGENT_PLAN: dict[str, Any] = {"red_flags": ["saddle_anaesthesia"]}
NOT_SUITABLE_PLAN: dict[str, Any] = {"allergies": ["steroid"]}


def headline(outcome: str) -> str:
    return OUTCOME_STYLES[Outcome(outcome)].headline
