"""The demo is a replay: every record comes from the real workflows, at the story's own times."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from spinepath.accounts.models import AuditEvent
from spinepath.assessment.models import Decision
from spinepath.demo import procedures as demo_procedures
from spinepath.demo.seed import build_demo
from spinepath.patients.models import Episode, Patient, TimelineEvent
from spinepath.procedures import hooks
from spinepath.procedures.models import Consent, ProcedureRecord

TODAY = date(2026, 11, 24)
ORDER = list(Episode.Stage.values)


@pytest.fixture
def hooked(monkeypatch: Any) -> list[Any]:
    """A receiver on ``ON_PROCEDURE_RECORDED``, as aftercare and follow-up will register."""
    received: list[Any] = []
    monkeypatch.setattr(hooks, "ON_PROCEDURE_RECORDED", [received.append])
    return received


@pytest.fixture
def world(db: Any, hooked: list[Any]) -> Any:
    return build_demo(patients=40, seed=7, today=TODAY)


def test_the_hook_fires_once_for_each_demo_procedure(world: Any, hooked: list[Any]) -> None:
    assert hooked
    assert sorted(r.pk for r in hooked) == sorted(
        ProcedureRecord.objects.values_list("pk", flat=True)
    )


def test_every_record_has_its_audit_event_at_the_time_it_was_made(world: Any) -> None:
    created = AuditEvent.objects.filter(action=AuditEvent.Action.CREATE)
    for model, when in (
        (Patient, "created_at"),
        (Episode, "created_at"),
        (Consent, "created_at"),
        (ProcedureRecord, "created_at"),
        (Decision, "evaluated_at"),
    ):
        label = f"{model._meta.app_label}.{model.__name__}"
        for pk, at in model.objects.values_list("pk", when):
            events = created.filter(model__iexact=label, object_id=str(pk))
            assert list(events.values_list("at", flat=True)) == [at], (label, pk)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.OVERRIDE).exists() or not (
        ProcedureRecord.objects.exclude(steroid_override_reason="").exists()
    )


def test_each_timeline_is_written_in_date_order_before_today(world: Any) -> None:
    for episode in Episode.objects.all():
        times = list(episode.timeline.order_by("id").values_list("at", flat=True))
        assert times == sorted(times), episode
        assert timezone.localdate(times[-1]) < TODAY
    for patient in Patient.objects.all():
        times = list(
            AuditEvent.objects.filter(patient_id=str(patient.pk))
            .order_by("id")
            .values_list("at", flat=True)
        )
        assert times == sorted(times) and times[0] == patient.created_at


def test_stage_moves_are_on_the_timeline_when_the_records_that_made_them_were(world: Any) -> None:
    for episode in Episode.objects.all():
        moves = list(episode.timeline.filter(kind=TimelineEvent.Kind.STAGE).order_by("at", "id"))
        if episode.stage == Episode.Stage.REFERRED:
            assert moves == []
            continue
        assert moves[-1].at == episode.stage_changed_at
        assert episode.get_stage_display() in moves[-1].summary
        decision = Decision.objects.filter(
            assessment__episode=episode, context=Decision.Context.ASSESSMENT
        ).get()
        assert moves[0].at == decision.evaluated_at
        assert moves[0].summary == "Stage changed from Referred to Assessed"
        first_procedure = episode.procedures.order_by("created_at").first()
        if first_procedure is not None:
            treated = [m for m in moves if m.summary.endswith("to Treated")]
            assert treated[0].at == first_procedure.created_at
        if episode.stage == Episode.Stage.DISCHARGED:
            assert episode.discharged_at == episode.stage_changed_at
            assert episode.discharge_outcome


def test_every_stage_and_both_kinds_of_hesitation_appear(world: Any) -> None:
    assert set(Episode.objects.values_list("stage", flat=True)) == set(ORDER)
    states = Counter(
        (c.status, c.decision, c.withdrawn_at is not None) for c in Consent.objects.all()
    )
    assert states[("inactive", "deny", False)] >= 1
    assert states[("inactive", "permit", True)] >= 1


def test_a_steroid_check_that_blocks_gets_the_operators_written_override(
    db: Any, settings: Any
) -> None:
    """Repeats planned after relief wore off, under a service rule set that wants a year between
    steroid injections: the interval check blocks, and the operating clinician writes the
    override the workflow asks for."""
    settings.SPINEPATH_RULESET_OVERRIDES = {"steroid_min_interval_days": 365, "version": "demo-1"}
    build_demo(patients=60, seed=7, today=TODAY)
    overridden = ProcedureRecord.objects.exclude(steroid_override_reason="")
    assert overridden.exists()
    for record in overridden:
        assert record.steroid_status == "block"
        assert record.episode.timeline.filter(kind="override", detail__procedure=record.pk)
        assert AuditEvent.objects.filter(
            action=AuditEvent.Action.OVERRIDE, object_id=str(record.pk), at=record.created_at
        ).exists()


def test_a_day_of_finding_moves_the_injection_a_week_later(db: Any, monkeypatch: Any) -> None:
    """An infection found at the first sign in for each plan: no injection that day; the
    clinician signs in again on the list a week later and injects then."""
    found: set[int] = set()
    day_facts = demo_procedures.day_facts

    def infected_first(assessment: Any, **kwargs: Any) -> Any:
        facts = day_facts(assessment, **kwargs)
        first = assessment.pk not in found
        found.add(assessment.pk)
        return dataclasses.replace(facts, infection_systemic=True) if first else facts

    monkeypatch.setattr(demo_procedures, "day_facts", infected_first)
    build_demo(patients=30, seed=3, today=TODAY)
    moved = 0
    for record in ProcedureRecord.objects.all():
        checks = list(record.consent.safety_checks.order_by("checked_at"))
        if checks[0].pk != record.safety_check_id:
            moved += 1
            assert checks[0].decision.facts["infection"]["systemic"] is True
            assert record.safety_check.checked_on - checks[0].checked_on == timedelta(days=7)
            assert not ProcedureRecord.objects.filter(safety_check=checks[0]).exists()
    assert moved


@pytest.mark.parametrize(("seed", "patients"), [(1, 3), (2, 7), (3, 14), (4, 25), (5, 9)])
def test_any_seed_builds(db: Any, seed: int, patients: int) -> None:
    world = build_demo(patients=patients, seed=seed, today=TODAY - timedelta(days=seed))
    assert Patient.objects.count() == len(world.episodes) == patients


# --- the same seed and day give the same data -------------------------------------------------

DUMPED = (
    *("patients", "questionnaires", "assessment", "procedures", "onward"),
    *("followup", "aftercare"),
)
SECRET = {"token_hash"}
"""A follow-up link's token comes from ``secrets`` on purpose: the one thing never seeded."""
WRITTEN = {"written_at", "prev_hash", "hash"}
"""The audit chain stamps each event with the moment it was written (the wall clock, on purpose:
``accounts/chain.py``) and hashes that in, so these differ between runs however seeded."""


def _dump() -> list[dict[str, Any]]:
    """Every demo record (and its audit log) as plain data, less the wall-clock ``updated_at``
    and the audit chain's write times and hashes."""
    models = [m for label in DUMPED for m in apps.get_app_config(label).get_models()]
    rows = []
    for model in [*models, AuditEvent]:
        queryset = model.objects.order_by("pk")
        for row in serializers.serialize("python", queryset):
            row["fields"].pop("updated_at", None)
            for name in (*SECRET, *WRITTEN):
                row["fields"].pop(name, None)
            rows.append(row)
    return rows


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_the_same_seed_and_day_give_identical_data_in_a_flushed_database() -> None:
    dumps = []
    for seed in (11, 11, 12):
        call_command("flush", interactive=False, verbosity=0)
        build_demo(patients=16, seed=seed, today=TODAY)
        dumps.append(_dump())
    assert len(dumps[0]) > 500
    assert dumps[0] == dumps[1]
    assert dumps[0] != dumps[2]


# --- determinism of consents and procedures (worlds of their own) ---------------------------------


def _consents_and_procedures() -> list[Any]:
    consents = list(
        Consent.objects.order_by("created_at", "id").values_list(
            "episode__patient__mrn", "status", "decision", "levels", "side", "created_at"
        )
    )
    records = list(
        ProcedureRecord.objects.order_by("performed_at", "id").values_list(
            "episode__patient__mrn",
            "performed_at",
            "procedure",
            "levels",
            "steroid",
            "steroid_dose_mg",
            "dose_area_product",
            "complications",
            "steroid_check",
            "discharged_at",
        )
    )
    return [consents, records]


def test_same_seed_and_day_give_the_same_consents_and_procedures(db: Any) -> None:
    runs = []
    for _ in range(2):
        with transaction.atomic():
            build_demo(patients=24, seed=11, today=TODAY)
            runs.append(_consents_and_procedures())
            transaction.set_rollback(True)
    assert runs[0] == runs[1]
    assert runs[0][1]
    with transaction.atomic():
        build_demo(patients=24, seed=12, today=TODAY)
        assert _consents_and_procedures() != runs[0]
        transaction.set_rollback(True)


def test_small_worlds_still_build(db: Any) -> None:
    world = build_demo(patients=6, seed=1, today=TODAY - timedelta(days=3))
    assert len(world.episodes) == 6
