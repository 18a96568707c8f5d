"""Hypothesis strategies for facts objects and steroid histories."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from spinepath.clinical.dose_limits import DEFAULT
from spinepath.clinical.facts import Facts, InjectionSite
from spinepath.clinical.tests.factories import ASSESSED
from spinepath.clinical.vocab import (
    INJECTABLE_STEROIDS,
    Allergy,
    Antithrombotic,
    AspirinIndication,
    Condition,
    Imaging,
    LocalAnaesthetic,
    Procedure,
    RedFlag,
    Sex,
    Steroid,
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def days_before(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda d: (ASSESSED - dt.timedelta(days=d)).isoformat())


def steroid_doses(steroids: list[Steroid]) -> st.SearchStrategy[dict[str, Any]]:
    """A steroid with a dose from 1 mg to its plausible maximum (``dose_limits.py``)."""
    return st.sampled_from(steroids).flatmap(
        lambda steroid: st.fixed_dictionaries(
            {
                "steroid": st.just(steroid.value),
                "steroid_dose_mg": st.integers(1, int(DEFAULT.steroid_max_mg[steroid])),
            }
        )
    )


injectates = st.none().map(lambda _: {"steroid": None, "steroid_dose_mg": None}) | steroid_doses(
    list(INJECTABLE_STEROIDS)
)

antithrombotic_uses = st.fixed_dictionaries(
    {
        "drug": st.sampled_from(list(Antithrombotic)),
        "hours_since_last_dose": maybe(st.integers(0, 300)),
        "indication": maybe(st.sampled_from(list(AspirinIndication))),
    }
)

previous_injections = st.one_of(
    st.fixed_dictionaries(
        {
            "date": days_before(0, 1500),
            "procedure": st.sampled_from(list(InjectionSite)),
            "relief_percent": maybe(st.integers(0, 100)),
        }
    ),
    st.tuples(
        st.fixed_dictionaries(
            {
                "date": days_before(0, 1500),
                "procedure": st.sampled_from(list(InjectionSite)),
                "relief_percent": maybe(st.integers(0, 100)),
            }
        ),
        steroid_doses(list(Steroid)),
    ).map(lambda parts: {**parts[0], **parts[1]}),
)

nrs = maybe(st.integers(0, 10))


@st.composite
def facts_data(draw: st.DrawFn, screened: bool = False) -> dict[str, Any]:
    """Facts as JSON; ``screened`` keeps red flags, allergies and medication recorded (lists)."""
    recorded = (lambda s: s) if screened else maybe
    injectate = draw(injectates)
    injectate["local_anaesthetic"] = draw(maybe(st.sampled_from(list(LocalAnaesthetic))))
    return {
        "assessment_date": ASSESSED.isoformat(),
        "age": draw(st.integers(10, 95)),
        "sex": draw(st.sampled_from(list(Sex))),
        "pregnant": draw(maybe(st.booleans())),
        "condition": draw(st.sampled_from(list(Condition))),
        "procedure": draw(st.sampled_from(list(Procedure))),
        "imaging": draw(st.sampled_from(list(Imaging))),
        "injectate": injectate,
        "symptoms": {
            "duration_weeks": draw(maybe(st.integers(0, 60))),
            "leg_pain_nrs": draw(nrs),
            "back_pain_nrs": draw(nrs),
            "leg_pain_dominant": draw(maybe(st.booleans())),
            "neurogenic_claudication": draw(maybe(st.booleans())),
        },
        "conservative_care_weeks": draw(maybe(st.integers(0, 30))),
        "red_flags": draw(
            recorded(st.lists(st.sampled_from(list(RedFlag)), unique=True, max_size=3))
        ),
        "infection": draw(
            maybe(
                st.fixed_dictionaries(
                    {"systemic": maybe(st.booleans()), "local_at_site": maybe(st.booleans())}
                )
            )
        ),
        "allergies": draw(
            recorded(st.lists(st.sampled_from(list(Allergy)), unique=True, max_size=3))
        ),
        "antithrombotics": draw(recorded(st.lists(antithrombotic_uses, max_size=3))),
        "inr": draw(maybe(st.floats(0.8, 5, allow_nan=False).map(lambda x: round(x, 1)))),
        "platelets": draw(maybe(st.integers(0, 400))),
        "bleeding_disorder": draw(maybe(st.booleans())),
        "thrombotic_risk_high": draw(maybe(st.booleans())),
        "crcl_ml_min": draw(maybe(st.integers(5, 150))),
        "diabetes": draw(
            maybe(
                st.fixed_dictionaries(
                    {
                        "present": maybe(st.booleans()),
                        "hba1c_mmol_mol": maybe(st.integers(30, 120)),
                    }
                )
            )
        ),
        "immunosuppressed": draw(maybe(st.booleans())),
        "mbb": draw(
            maybe(
                st.fixed_dictionaries(
                    {"date": days_before(0, 400), "relief_percent": st.integers(0, 100)}
                )
            )
        ),
        "previous_injections": draw(st.lists(previous_injections, max_size=5)),
    }


def facts(screened: bool = False) -> st.SearchStrategy[Facts]:
    return facts_data(screened).map(Facts.model_validate)
