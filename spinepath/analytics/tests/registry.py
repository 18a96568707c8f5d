"""A small registry worked by hand, built through the real workflows.

Clinic A (code ``ta``), transforaminal epidurals, leg-dominant: baseline leg NRS 8 (back 3), so
the primary measure is ``nrs_leg``; meaningful = a fall of ≥ 3 points (≥ 30% and ≥ 2),
substantial = ≥ 4 points (≥ 50%). Every procedure is moved 400 days into the past so all of its
time points are due; answers are given on their due dates.

| # | 2w | 6w | 3m | 6m | 12m | relief |
| --- | --- | --- | --- | --- | --- | --- |
| P1 | 3 M S | 4 M S | 8 | | | responder, ended at 3m (event) |
| P2 | 5 M | 5 M | | | | responder, censored at 6w |
| P3 | 7 | 8 | | | | non-responder |
| P4 | 2 M S | 6 | | | | responder, ended at 6w (event); vasovagal |
| P5 | | 4 M S | 4 M S | 3 M S | 4 M S | responder, censored at 12m |
| P6 | 3 | | | | | no baseline leg score (proceeded against the advice): not measurable |
| P7 | 4 M S | 6 | | | | responder, ended at 6w (event); vasovagal, bleeding |
| P8 | 1 | | | | | entered in error: counts nowhere |
| P9 | | | | | | a repeat injection in P1's episode, today (nothing due) |
| B1 | 2 | | | | | clinic B (``tb``): outside clinic A's scope |

Responders at 2w: completed 5 (P1 P2 P3 P4 P7), meaningful 4, substantial 3; at 6w: 6, 3, 2;
3m: 2, 1, 1; 6m: 1, 1, 1; 12m: 1, 1, 1. Relief over 5 responders, 3 events: S(42) = 3/5,
S(90) = 3/10, median 90 days. Completion (primary answered of due): 2w 6 of 7, 6w 6 of 7,
3m 2 of 7, 6m 1 of 7, 12m 1 of 7 (P9 is not yet due).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from unittest import mock

from django.core.management import call_command

from spinepath.followup.tests.helpers import answer, backdate, treated
from spinepath.procedures.procedure import procedure_mark_entered_in_error
from spinepath.testing import (
    assess_with_proceed,
    check_today,
    make_clinic,
    make_episode,
    make_patient,
    make_staff,
    record_procedure,
    take_consent,
)

NHS_NUMBERS = [
    "9434765919", "9434765870", "9434765889", "9434765897", "9434765900",
    "9434765927", "9434765935", "9434765943", "9434765951", "9434765978",
]  # fmt: skip

PLAN: dict[str, dict[str, Any]] = {
    "P1": {"answers": {"2w": 3, "6w": 4, "3m": 8}},
    "P2": {"answers": {"2w": 5, "6w": 5}},
    "P3": {"answers": {"2w": 7, "6w": 8}},
    "P4": {"answers": {"2w": 2, "6w": 6}, "complications": ["vasovagal"]},
    "P5": {"answers": {"6w": 4, "3m": 4, "6m": 3, "12m": 4}},
    "P6": {"answers": {"2w": 3}, "assess": {"nrs_leg": None}},
    "P7": {"answers": {"2w": 4, "6w": 6}, "complications": ["vasovagal", "bleeding"]},
    "P8": {"answers": {"2w": 1}, "entered_in_error": True},
}


@dataclass
class Registry:
    clinic_a: Any
    clinician_a: Any
    analyst_a: Any
    clinic_b: Any
    clinician_b: Any
    records: dict[str, Any] = field(default_factory=dict)
    patients: list[Any] = field(default_factory=list)


def _patient(clinic: Any, n: int) -> Any:
    return make_patient(
        clinic,
        given_name=f"Given{n}x",
        family_name=f"Family{n}q",
        date_of_birth=date(1950 + n, 1 + n, 10 + n),
        nhs_number=NHS_NUMBERS[n],
        mrn=f"MRN-77{n}31",
        email=f"person{n}@example.net",
        phone=f"07700 900{n}42",
    )


def build() -> Registry:
    """The registry above (facts kept current by the workflows' hooks), with its personas."""
    clinic_a = make_clinic("ta", "Clinic A")
    clinic_b = make_clinic("tb", "Clinic B")
    clinician_a = make_staff("alice", "clinician", clinic_a)
    clinician_b = make_staff("bob", "clinician", clinic_b)
    registry = Registry(
        clinic_a=clinic_a,
        clinician_a=clinician_a,
        analyst_a=make_staff("ann", "analyst", clinic_a),
        clinic_b=clinic_b,
        clinician_b=clinician_b,
    )
    for n, (name, plan) in enumerate(PLAN.items()):
        patient = _patient(clinic_a, n)
        registry.patients.append(patient)
        episode = make_episode(patient)
        complications = plan.get("complications", [])
        if plan.get("assess"):  # no baseline leg score: the clinician proceeds with a reason
            consent = take_consent(
                assess_with_proceed(episode, clinician_a, **plan["assess"]), clinician_a
            )
            check_today(consent, clinician_a)
            record = record_procedure(episode, clinician_a, complications=complications)
        else:
            record = treated(episode, clinician_a, complications=complications)
        record = backdate(record, 400)
        for label, leg in plan["answers"].items():
            answer(record, label, nrs_leg=leg, nrs_back=3, pgic=2 if leg <= 4 else 4)
        if plan.get("entered_in_error"):
            procedure_mark_entered_in_error(
                None, record=record, by=clinician_a, reason="Recorded against the wrong patient."
            )
        registry.records[name] = record
    first = registry.records["P1"]
    registry.records["P9"] = treated(first.episode, clinician_a)
    patient_b = _patient(clinic_b, 9)
    registry.patients.append(patient_b)
    record_b = backdate(treated(make_episode(patient_b), clinician_b), 400)
    answer(record_b, "2w", nrs_leg=2, nrs_back=3, pgic=1)
    registry.records["B1"] = record_b
    count_waiting_answers()
    return registry


def count_waiting_answers() -> None:
    """Run the background worker until its queue is empty, as ``manage.py run_worker`` would:
    the answers the workflows left waiting are counted into the facts.

    In the test's transaction: the worker loop drops a connection left inside a transaction
    between tasks (``close_old_connections``), which would end the test's (PostgreSQL; an
    in-memory SQLite database is never closed), so that one call is left out here."""
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("run_worker", "--batch", "--no-startup-delay", verbosity=0)
