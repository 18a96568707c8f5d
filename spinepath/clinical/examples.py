"""The worked examples of ``shared/clinical/api.md``, as data.

They document the API's contract, seed the tests' base cases and feed the benchmarks, so they are
kept in one place; each call returns a fresh deep copy that the caller may change.
"""

from __future__ import annotations

import copy
from typing import Any

_EVALUATE: dict[str, Any] = {
    "assessment_date": "2026-11-24",
    "age": 47,
    "sex": "male",
    "pregnant": False,
    "condition": "lumbar_disc_herniation",
    "procedure": "transforaminal_epidural",
    "imaging": "fluoroscopy",
    "injectate": {
        "steroid": "dexamethasone",
        "steroid_dose_mg": 8,
        "local_anaesthetic": "lidocaine",
    },
    "symptoms": {
        "duration_weeks": 6,
        "leg_pain_nrs": 8,
        "back_pain_nrs": 3,
        "leg_pain_dominant": True,
        "neurogenic_claudication": False,
    },
    "conservative_care_weeks": 4,
    "red_flags": [],
    "infection": {"systemic": False, "local_at_site": False},
    "allergies": [],
    "antithrombotics": [],
    "bleeding_disorder": False,
    "diabetes": {"present": False},
    "immunosuppressed": False,
    "mbb": None,
    "previous_injections": [],
}

_STEROID_CHECK: dict[str, Any] = {
    "planned": {
        "date": "2026-11-24",
        "procedure": "caudal_epidural",
        "steroid": "triamcinolone",
        "steroid_dose_mg": 40,
    },
    "history": [
        {
            "date": "2026-09-01",
            "procedure": "caudal_epidural",
            "steroid": "triamcinolone",
            "steroid_dose_mg": 40,
        }
    ],
}


def evaluate_example() -> dict[str, Any]:
    """The body of ``POST /api/v1/decision-support/evaluate``: a clean, suitable case."""
    return copy.deepcopy(_EVALUATE)


def steroid_check_example() -> dict[str, Any]:
    """The body of ``POST /api/v1/steroid-safety/check``."""
    return copy.deepcopy(_STEROID_CHECK)
