"""Benchmarks for the clinical core: how long a decision and a steroid check take.

Run with ``make bench`` (or ``.venv/bin/python bench/run.py``). Every figure is printed beside a
reference measured in the same run on the same machine, so the ratios mean something wherever it
runs: the reference is validating the same facts object with pydantic alone, i.e. the cost the API
pays before any rule runs.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import timeit
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spinepath.clinical.decision import evaluate  # noqa: E402
from spinepath.clinical.examples import evaluate_example  # noqa: E402
from spinepath.clinical.facts import Facts  # noqa: E402
from spinepath.clinical.instruments import score  # noqa: E402
from spinepath.clinical.steroids import (  # noqa: E402
    GivenInjection,
    PlannedInjection,
    check_steroid_exposure,
)

# The api.md example made harder: a drug to hold, diabetes, and a year of prior injections.
FACTS = evaluate_example() | {
    "antithrombotics": [{"drug": "apixaban", "hours_since_last_dose": 30}],
    "diabetes": {"present": True, "hba1c_mmol_mol": 58},
    "previous_injections": [
        {
            "date": (dt.date(2026, 11, 24) - dt.timedelta(days=40 * i)).isoformat(),
            "procedure": "caudal_epidural",
            "steroid": "triamcinolone",
            "steroid_dose_mg": 40,
            "relief_percent": 60,
        }
        for i in range(1, 13)
    ],
}


def per_call_us(func: Callable[[], object], repeat: int = 5) -> float:
    timer = timeit.Timer(func)
    number, _ = timer.autorange()
    runs = timer.repeat(repeat=repeat, number=number)
    return statistics.median(runs) / number * 1e6


def main() -> None:
    facts = Facts.model_validate(FACTS)
    planned = PlannedInjection(
        date=dt.date(2026, 11, 24),
        procedure="caudal_epidural",
        steroid="triamcinolone",
        steroid_dose_mg=40,
    )
    history_3y = [
        GivenInjection(
            date=dt.date(2026, 11, 24) - dt.timedelta(days=30 * i),
            procedure="caudal_epidural" if i % 2 else "other_joint",
            steroid="methylprednisolone",
            steroid_dose_mg=40,
        )
        for i in range(1, 37)
    ]
    odi = {f"s{i}": i % 6 for i in range(1, 11)}

    reference = per_call_us(lambda: Facts.model_validate(FACTS))
    rows = [
        ("validate facts (reference)", reference),
        ("evaluate decision (36 rules, 12 prior injections)", per_call_us(lambda: evaluate(facts))),
        (
            "steroid check, 36 injections in 3 years",
            per_call_us(lambda: check_steroid_exposure(planned, history_3y)),
        ),
        ("score ODI", per_call_us(lambda: score("odi", odi))),
    ]
    print(f"{'benchmark':55} {'µs/call':>10} {'× reference':>12}")
    for name, micros in rows:
        print(f"{name:55} {micros:10.1f} {micros / reference:12.2f}")
    decisions_per_second = 1e6 / rows[1][1]
    print(f"\n{decisions_per_second:,.0f} decisions per second on one core")


if __name__ == "__main__":
    main()
