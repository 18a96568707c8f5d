"""The demo's consents and procedures: what the real workflows store, dated in the past."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from spinepath.assessment.models import Decision
from spinepath.clinical.vocab import APPROACHES_FOR, Complication, Procedure
from spinepath.demo.seed import build_demo
from spinepath.lib import nhs_number
from spinepath.patients.models import Episode, Patient
from spinepath.procedures import recording
from spinepath.procedures.consent import consent_information_for, information_snapshot
from spinepath.procedures.models import Consent, ProcedureComplication, ProcedureRecord
from spinepath.procedures.recording import procedure_steroid_check

TODAY = date(2026, 11, 24)
TREATED = (Episode.Stage.TREATED, Episode.Stage.FOLLOW_UP, Episode.Stage.DISCHARGED)
CONSENTED = (Episode.Stage.CONSENTED, *TREATED)


@pytest.fixture(scope="module")
def built(module_db: None) -> Any:
    """Built once for the module: its tests only read it (each test's own writes roll back)."""
    return build_demo(patients=40, seed=7, today=TODAY)


@pytest.fixture
def world(built: Any, db: Any) -> Any:
    return built


def _day(moment: Any) -> date:
    return timezone.localdate(moment)


def _records() -> list[ProcedureRecord]:
    return list(
        ProcedureRecord.objects.select_related(
            "episode__patient", "consent", "safety_check__decision", "operator"
        ).order_by("performed_at")
    )


def test_every_treated_episode_has_a_procedure_on_valid_consent_and_a_complete_check(
    world: Any,
) -> None:
    for episode in Episode.objects.filter(stage__in=TREATED):
        records = list(ProcedureRecord.objects.counted().filter(episode=episode))
        assert records, episode
        for record in records:
            consent, check = record.consent, record.safety_check
            assert consent.episode_id == episode.pk and consent.is_valid_for_procedure()
            assert check.complete and check.missing == [] and check.consent_id == consent.pk
            assert check.checked_on == _day(record.performed_at)
            assert consent.created_at < check.checked_at < record.performed_at
            assert record.performed_at < record.discharged_at
            assert _day(record.performed_at) < TODAY
            assert record.operator == episode.responsible_clinician == consent.clinician
            assert check.decision.context == Decision.Context.DAY_OF_PROCEDURE
            assert check.decision.evaluated_at == check.checked_at
            assert check.decision.facts["assessment_date"] == check.checked_on.isoformat()
            assert not check.decision.blocks
    assert not ProcedureRecord.objects.exclude(episode__stage__in=TREATED).exists()


def test_the_workflow_would_accept_each_procedure(world: Any) -> None:
    for record in _records():
        errors = recording.procedure_problems(record.consent, record)
        assert errors == {}, (record, errors)
        check = record.safety_check
        problem = recording.day_of_decision_problem(check.decision)
        assert problem == "", record
        assert recording.checklist_problem(check) == "", record
        assert check.ready_for_procedure and check.contradictions == []


def test_procedures_use_the_planned_drugs_in_realistic_doses(world: Any) -> None:
    for record in _records():
        consent = record.consent
        procedure = Procedure(record.procedure)
        assert record.approach in {a.value for a in APPROACHES_FOR[procedure]}
        assert (record.steroid, record.steroid_dose_mg) == (
            consent.steroid,
            consent.steroid_dose_mg,
        )
        assert record.local_anaesthetic == consent.local_anaesthetic
        if record.steroid == "dexamethasone":
            assert procedure is Procedure.TRANSFORAMINAL_EPIDURAL
            assert 6.6 <= record.steroid_dose_mg <= 8
        elif record.steroid == "triamcinolone":
            assert record.steroid_dose_mg == 40
        elif record.steroid == "methylprednisolone":
            assert 40 <= record.steroid_dose_mg <= 80
        if record.local_anaesthetic == "lidocaine":
            assert record.local_anaesthetic_percent == 1 and 2 <= record.local_anaesthetic_ml <= 5
        elif record.local_anaesthetic:
            assert record.local_anaesthetic_percent == 0.25
            assert 2 <= record.local_anaesthetic_ml <= 10
        if record.imaging == "fluoroscopy":
            assert 50 <= record.dose_area_product <= 600 and 10 <= record.screening_time_s <= 90
            assert record.dose_length_product is None
        elif record.imaging == "ct":
            assert 50 <= record.dose_length_product <= 300 and record.dose_area_product is None
        else:
            assert record.dose_area_product is record.dose_length_product is None
            assert record.contrast_ml is None and record.contrast_agent == ""
        if record.imaging in ("fluoroscopy", "ct"):
            assert 1 <= record.contrast_ml <= 3
        assert record.assistant and record.needle and record.observations
        minutes = (record.discharged_at - record.performed_at).total_seconds() / 60
        if record.complications:
            assert record.discharge_condition == "observed_longer" and minutes <= 150
        else:
            assert record.discharge_condition == "well" and 30 <= minutes <= 90


def test_consents_fit_the_procedure_and_show_every_state(world: Any) -> None:
    states = Counter(
        (c.status, c.decision, c.is_withdrawn) for c in Consent.objects.select_related("episode")
    )
    assert states[("active", "permit", False)] >= 1
    assert states[("inactive", "deny", False)] >= 1
    assert states[("inactive", "permit", True)] >= 1  # one at least: a few more by chance
    for episode in Episode.objects.filter(stage__in=CONSENTED):
        assert Consent.objects.filter(episode=episode).valid_for_procedure().exists(), episode
    for consent in Consent.objects.select_related("episode__patient", "assessment"):
        episode, assessment = consent.episode, consent.assessment
        assert consent.capacity_confirmed and consent.signature_method == "typed"
        assert consent.signed_name == episode.patient.full_name
        assert consent.signed_on == _day(consent.created_at) <= TODAY
        assert consent.side == episode.laterality
        expected = consent_information_for(assessment, levels=consent.levels, side=consent.side)
        assert consent.information == information_snapshot(expected)
        assert consent.information_version == expected.version
        levels = {
            "transforaminal_epidural": 1,
            "interlaminar_epidural": 1,
            "caudal_epidural": 0,
            "sacroiliac_joint_injection": 0,
        }.get(consent.procedure, 2)
        assert len(consent.levels) == levels, consent.procedure
        if episode.stage == Episode.Stage.CONSENTED:
            assert assessment.assessed_on <= consent.signed_on
            assert consent.signed_on <= _day(episode.stage_changed_at)
        assert episode.timeline.filter(kind="consent", at=consent.created_at).exists()


def test_consent_is_taken_only_on_a_decision_cleared_to_proceed(world: Any) -> None:
    for consent in Consent.objects.select_related("assessment"):
        decision = recording.assessment_decision(consent.assessment)
        assert decision is not None and decision.cleared_to_proceed
        assert consent.created_at > (decision.proceed_at or decision.evaluated_at)


def test_some_patients_had_repeat_injections_months_apart(world: Any) -> None:
    by_episode: dict[Any, list[ProcedureRecord]] = {}
    for record in _records():
        by_episode.setdefault(record.episode_id, []).append(record)
    repeats = [records for records in by_episode.values() if len(records) > 1]
    assert repeats
    for records in repeats:
        assert records[-1].episode.stage in (Episode.Stage.FOLLOW_UP, Episode.Stage.DISCHARGED)
        plans = {(r.procedure, r.steroid, r.steroid_dose_mg, r.imaging) for r in records}
        assert len(plans) == 1
        assert len({r.consent_id for r in records}) == len(records)  # each its own consent
        for earlier, later in zip(records, records[1:], strict=False):
            assert (_day(later.performed_at) - _day(earlier.performed_at)).days >= 91
            assert later.consent.created_at > earlier.performed_at


def test_a_few_complications_none_serious(world: Any) -> None:
    records = _records()
    complicated = [r for r in records if r.complications]
    assert 1 <= len(complicated) <= max(3, round(0.1 * len(records)))
    kinds = Counter(c for r in complicated for c in r.complications)
    assert set(kinds) <= {
        Complication.VASOVAGAL,
        Complication.DURAL_PUNCTURE,
        Complication.INTRAVASCULAR_UPTAKE,
    }
    assert kinds[Complication.DURAL_PUNCTURE] <= 1 and kinds[Complication.INTRAVASCULAR_UPTAKE] <= 1
    for record in complicated:
        assert record.complication_notes
        if Complication.DURAL_PUNCTURE in record.complications:
            assert record.procedure == "interlaminar_epidural"
        if Complication.INTRAVASCULAR_UPTAKE in record.complications:
            assert "no steroid given intravascularly" in record.complication_notes
            assert record.imaging in ("fluoroscopy", "ct")
    assert not ProcedureRecord.objects.filter(
        discharge_condition__in=["admitted", "transferred"]
    ).exists()
    # The counted rows agree with the records (issue 9: what the outcomes dashboard counts).
    rows = Counter(ProcedureComplication.objects.counted().values_list("code", flat=True))
    assert rows == kinds


def test_each_steroid_check_is_the_ledger_as_it_stood_that_day(world: Any) -> None:
    statuses: Counter[str | None] = Counter()
    for record in _records():
        day = _day(record.performed_at)
        with transaction.atomic():
            # The ledger before this injection: it and anything after it had not happened yet.
            ProcedureRecord.objects.filter(
                episode__patient=record.episode.patient, performed_at__gte=record.performed_at
            ).update(entered_in_error=True)
            again = procedure_steroid_check(
                record.episode,
                procedure=record.procedure,
                steroid=record.steroid,
                steroid_dose_mg=record.steroid_dose_mg,
                on=day,
            )
            transaction.set_rollback(True)
        assert record.steroid_check == (again.model_dump(mode="json") if again else None)
        statuses[record.steroid_status] += 1
        if record.steroid_status == "block":
            assert len(record.steroid_override_reason) >= 10
        else:
            assert record.steroid_override_reason == ""
    assert statuses["ok"] and statuses[None]


def test_timeline_events_are_dated_when_the_records_were_made(world: Any) -> None:
    for record in _records():
        timeline = record.episode.timeline
        assert timeline.filter(
            kind="procedure", detail={"procedure": record.pk}, at=record.created_at
        ).exists()
        check = record.safety_check
        assert timeline.filter(
            kind="procedure",
            detail={"safety_check": check.pk, "phase": "sign_in"},
            at=check.checked_at,
        ).exists()
        # Time out just before the needle, sign out after it, each item with who and when.
        times = {i.phase: i.recorded_at for i in check.items.all()}
        assert check.checked_at < times["time_out"] < record.performed_at < times["sign_out"]
        assert timeline.filter(kind="decision", at=check.checked_at).exists()
    latest = max(e.at for e in Episode.objects.get(pk=_records()[0].episode_id).timeline.all())
    assert _day(latest) <= TODAY


def test_every_nhs_number_is_still_valid(world: Any) -> None:
    numbers = list(Patient.objects.values_list("nhs_number", flat=True))
    assert len(numbers) == 40 == len(set(numbers))
    assert all(nhs_number.is_valid(n) for n in numbers)
