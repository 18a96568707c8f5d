"""``lib.prepared.Prepared`` answers exactly what the ORM answers for the same queryset, with any
values, on SQLite and PostgreSQL alike; a query whose shape depends on its values is refused."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

import pytest
from django.utils import timezone

from spinepath.lib.prepared import Prepared
from spinepath.patients.models import Episode, Patient, PriorInjection, TimelineEvent
from spinepath.testing import make_episode, make_patient

PK = Patient._meta.pk
A, B = UUID(int=1), UUID(int=2)


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.fixture
def two_patients(clinic_a, clinician_a):
    first = make_patient(clinic_a, nhs_number="", mrn="P1")
    second = make_patient(clinic_a, nhs_number="", mrn="P2", given_name="Sam")
    for patient in (first, second):
        for condition in ("spinal_stenosis", "lumbar_radicular_pain"):
            episode = make_episode(patient, condition=condition, laterality="not_applicable")
            episode.log(TimelineEvent.Kind.UPDATE, f"note for {patient.given_name}", by=clinician_a)
        for days in (10, 400, 900):
            PriorInjection.objects.create(
                patient=patient,
                given_on=timezone.localdate() - dt.timedelta(days=days),
                site="caudal_epidural",
                steroid="methylprednisolone",
                steroid_dose_mg=40 + days,
                where="Elsewhere",
            )
    return first, second


def test_values_rows_are_the_orms(two_patients):
    def build(patient):
        return (
            TimelineEvent.objects.filter(episode__patient=patient)
            .order_by("-at", "-id")
            .values_list("at", "kind", "summary", "actor__username")[:200]
        )

    prepared = Prepared(build, patient=(PK, A, B))
    for patient in two_patients:
        expected = list(build(patient.pk))
        assert expected and prepared(patient=patient.pk) == expected
        assert prepared(patient=str(patient.pk)) == expected  # a key as text, as in a URL
    assert prepared(patient=A) == []


def test_model_objects_are_the_orms_deferred_fields_included(two_patients):
    def build(patient, day):
        return PriorInjection.objects.filter(
            patient=patient, entered_in_error=False, given_on__lte=day
        ).only("patient_id", "given_on", "steroid_dose_mg", "where")

    field = PriorInjection._meta.get_field("given_on")
    prepared = Prepared(
        build, patient=(PK, A, B), day=(field, dt.date(1901, 1, 1), dt.date(1902, 2, 2))
    )
    for patient in two_patients:
        for day in (timezone.localdate(), timezone.localdate() - dt.timedelta(days=100)):
            expected = list(build(patient.pk, day))
            found = prepared(patient=patient.pk, day=day)
            assert [_fields(o) for o in found] == [_fields(o) for o in expected]
            assert [o.get_deferred_fields() for o in found] == [
                o.get_deferred_fields() for o in expected
            ]
            assert all(not o._state.adding for o in found)


def test_plain_model_rows_in_the_models_order(two_patients):
    prepared = Prepared(lambda patient: Episode.objects.filter(patient=patient), patient=(PK, A, B))
    for patient in two_patients:
        assert [_fields(e) for e in prepared(patient=patient.pk)] == [
            _fields(e) for e in patient.episodes.all()
        ]


def test_a_query_whose_shape_depends_on_its_values_is_refused(db):
    def build(patient):
        queryset = Episode.objects.filter(patient=patient)
        return queryset.filter(stage="referred") if patient == A else queryset

    with pytest.raises(ValueError):
        Prepared(build, patient=(PK, A, B))(patient=A)


def test_select_related_objects_are_the_orms_and_cached_on_their_parents(two_patients):
    def build(patient):
        return (
            Episode.objects.filter(patient=patient)
            .select_related("patient__clinic", "responsible_clinician")
            .order_by("-referral_date", "-id")[:1]
        )

    prepared = Prepared(build, patient=(PK, A, B))
    for patient in two_patients:
        (expected,) = build(patient.pk)
        (found,) = prepared(patient=patient.pk)
        assert _fields(found) == _fields(expected)
        for relation in ("patient", "responsible_clinician"):
            field = Episode._meta.get_field(relation)
            assert field.is_cached(found)  # no query to reach it
            mine, theirs = getattr(found, relation), getattr(expected, relation)
            assert (mine is None and theirs is None) or _fields(mine) == _fields(theirs)
        assert Patient._meta.get_field("clinic").is_cached(found.patient)
        assert _fields(found.patient.clinic) == _fields(expected.patient.clinic)
        assert not found._state.adding and not found.patient._state.adding
    assert prepared(patient=A) == []


def test_a_related_managers_queryset_is_refused(two_patients):
    first, _ = two_patients
    with pytest.raises(ValueError):
        Prepared(lambda patient: first.episodes.all(), patient=(PK, A, B))
