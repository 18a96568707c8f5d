"""`lib/validation.py` and `lib/batched.py` on real models: Python agrees with the database."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from spinepath.lib.batched import batched_inserts, insert
from spinepath.lib.validation import QuickValidation, check_passes
from spinepath.patients.models import Patient, PriorInjection, TimelineEvent, site_choices
from spinepath.procedures.models import Consent
from spinepath.testing import make_clinic, make_episode, make_patient


def _database_says(instance: models.Model, constraint: models.CheckConstraint) -> bool:
    try:
        constraint.validate(type(instance), instance)
    except ValidationError:
        return False
    return True


def _checks(model: type[models.Model]) -> list[models.CheckConstraint]:
    return [c for c in model._meta.constraints if isinstance(c, models.CheckConstraint)]


INJECTIONS = [
    {"steroid": "", "steroid_dose_mg": None, "relief_percent": None},
    {"steroid": "", "steroid_dose_mg": 40.0, "relief_percent": 100},
    {"steroid": "triamcinolone", "steroid_dose_mg": 40.0, "relief_percent": 101},
    {"steroid": "triamcinolone", "steroid_dose_mg": 0.0, "relief_percent": 0},
    {"steroid": "triamcinolone", "steroid_dose_mg": None, "relief_percent": 50},
]
CONSENTS = [
    {"status": s, "decision": d, "capacity_confirmed": c}
    for s in ("active", "inactive", "draft", "bogus")
    for d in ("permit", "deny", "maybe")
    for c in (True, False)
]


@pytest.mark.parametrize(
    ("model", "values"),
    [(PriorInjection, v) for v in INJECTIONS]
    + [(Consent, v) for v in CONSENTS]
    + [(Patient, {"nhs_number": n, "mrn": m}) for n in ("", "9434765919") for m in ("", "A1")],
)
def test_each_check_constraint_gets_the_databases_answer(
    db: Any, model: type[models.Model], values: dict[str, Any]
) -> None:
    instance = model(**values)
    for constraint in _checks(model):
        ours = check_passes(instance, constraint, exclude=set())
        if ours is not None:
            assert ours == _database_says(instance, constraint), (constraint.name, values)


def test_a_null_in_a_comparison_is_left_to_the_database(db: Any) -> None:
    injection = PriorInjection(steroid="triamcinolone", steroid_dose_mg=None)
    dose = next(c for c in _checks(PriorInjection) if "positive_dose" in c.name)
    assert check_passes(injection, dose, exclude=set()) is None
    assert check_passes(injection, dose, exclude={"steroid_dose_mg"}) is True  # Django skips it


def test_full_clean_asks_nothing_of_the_database_for_plain_checks_and_loaded_keys(
    clinic_a: Any, clinician_a: Any
) -> None:
    patient = make_patient(clinic_a)
    injection = PriorInjection(
        patient=patient,
        given_on=patient.created_at.date(),
        site=site_choices()[0][0],
        recorded_by=clinician_a,
    )
    with CaptureQueriesContext(connection) as queries:
        injection.full_clean()
    assert len(queries) == 0
    injection.relief_percent = 120
    with pytest.raises(ValidationError, match="percentage"):
        injection.full_clean()


def test_a_foreign_key_given_only_by_id_is_still_looked_up(clinic_a: Any) -> None:
    patient = make_patient(clinic_a)
    injection = PriorInjection(patient_id=patient.pk, given_on=patient.created_at.date())
    with CaptureQueriesContext(connection) as queries, contextlib.suppress(ValidationError):
        injection.full_clean()
    assert any('"patients_patient"' in q["sql"] for q in queries)


def test_a_partial_unique_constraint_whose_condition_is_false_asks_nothing(
    clinic_a: Any,
) -> None:
    first = make_patient(clinic_a, mrn="")
    second = Patient(
        clinic=clinic_a,
        given_name="Second",
        family_name=first.family_name,
        date_of_birth=first.date_of_birth,
        sex=first.sex,
        nhs_number="9999999484",
        mrn="",
    )
    with CaptureQueriesContext(connection) as queries:
        second.full_clean(exclude=["id"])
    looked_up = [q["sql"] for q in queries if '"patients_patient"' in q["sql"]]
    assert len(looked_up) == 1 and '"nhs_number"' in looked_up[0]  # no empty MRN is looked up
    second.mrn = first.mrn = "A1"
    first.save(update_fields=["mrn"])
    with pytest.raises(ValidationError):
        second.full_clean(exclude=["id"])


def test_a_partial_unique_constraint_that_holds_is_one_query_with_djangos_error(
    clinic_a: Any,
) -> None:
    first = make_patient(clinic_a, mrn="B7")

    def patient(**given: str) -> Patient:
        fields = {"nhs_number": "9999999484", "mrn": "B8", **given}
        return Patient(
            clinic=clinic_a,
            given_name="Second",
            family_name=first.family_name,
            date_of_birth=first.date_of_birth,
            sex=first.sex,
            **fields,
        )

    second = patient()
    with CaptureQueriesContext(connection) as queries:
        second.full_clean(exclude=["id"])
    assert len(queries) == 2  # NHS number and MRN: no savepoint, no second look at the values
    assert not any("SAVEPOINT" in q["sql"] for q in queries)
    for name, value in (("nhs_number", first.nhs_number), ("mrn", first.mrn)):
        duplicate = patient(**{name: value})
        errors = []
        for validate in (QuickValidation.validate_constraints, models.Model.validate_constraints):
            with pytest.raises(ValidationError) as raised:
                validate(duplicate, exclude={"id"})
            errors.append(raised.value.message_dict)
        assert errors[0] == errors[1] and errors[0]
    second.save()
    second.full_clean()  # the saved record is not its own duplicate
    second.mrn = first.mrn  # a saved record edited into another's MRN (the search less itself)
    with pytest.raises(ValidationError) as raised:
        second.full_clean()
    assert list(raised.value.message_dict) == ["mrn"]
    elsewhere = make_patient(make_clinic("zz", "Clinic Z"), nhs_number="", mrn=first.mrn)
    elsewhere.full_clean()  # the same MRN in another clinic is no duplicate


def test_batched_rows_are_written_when_the_block_ends_in_order(clinic_a: Any) -> None:
    episode = make_episode(make_patient(clinic_a))
    before = TimelineEvent.objects.filter(episode=episode).count()
    with batched_inserts():
        first = episode.log(TimelineEvent.Kind.REFERRAL, "one")
        insert(TimelineEvent(episode=episode, kind=TimelineEvent.Kind.REFERRAL, summary="two"))
        assert TimelineEvent.objects.filter(episode=episode).count() == before
    assert first.pk is not None
    summaries = list(
        TimelineEvent.objects.filter(episode=episode)
        .order_by("id")
        .values_list("summary", flat=True)
    )
    assert summaries[-2:] == ["one", "two"]


def test_outside_a_batch_a_row_is_written_at_once(clinic_a: Any) -> None:
    episode = make_episode(make_patient(clinic_a))
    event = episode.log(TimelineEvent.Kind.REFERRAL, "now")
    assert TimelineEvent.objects.filter(pk=event.pk).exists()
