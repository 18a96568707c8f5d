"""Rehabilitation programmes: made from the builder's proposal by a physiotherapist, changed with
a timeline entry and an audit event, logged session by session, read week by week."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from spinepath.accounts.models import AuditEvent
from spinepath.aftercare.models import AdherenceLog, Programme
from spinepath.aftercare.programmes import (
    ItemChoice,
    adherence_record,
    programme_create,
    programme_update,
)
from spinepath.clinical.rehab import StartBackRisk, propose_programme
from spinepath.clinical.vocab import Condition
from spinepath.patients.models import TimelineEvent

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 11, 20, 10, 0))
INJECTED = dt.date(2026, 11, 10)  # day 10: the restore phase


def make(episode: Any, physio: Any, **fields: Any) -> Programme:
    values: dict[str, Any] = {
        "injection_date": INJECTED,
        "start_back_risk": "high",
        "at": NOW,
    }
    values.update(fields)
    return programme_create(None, episode=episode, by=physio, **values)


def test_a_physiotherapist_makes_the_programme_the_builder_proposes(
    episode_a: Any, physio_a: Any
) -> None:
    programme = make(episode_a, physio_a)
    proposal = propose_programme(Condition.SCIATICA, StartBackRisk.HIGH, 10)
    assert [(i.phase, i.exercise_code) for i in programme.items.all()] == [
        (plan.phase.value, e.code) for plan in proposal.phases for e in plan.exercises
    ]
    assert programme.phase_on(NOW.date()).value == 2
    event = episode_a.timeline.get(kind=TimelineEvent.Kind.AFTERCARE)
    assert event.at == NOW and "Rehabilitation programme made" in event.summary
    audit = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, model="aftercare.Programme")
    assert audit.at == NOW and audit.user == physio_a


def test_a_clinician_may_not_make_or_change_a_programme(
    episode_a: Any, physio_a: Any, clinician_a: Any
) -> None:
    with pytest.raises(PermissionDenied, match="physiotherapist"):
        make(episode_a, clinician_a)
    programme = make(episode_a, physio_a)
    with pytest.raises(PermissionDenied):
        programme_update(None, programme=programme, by=clinician_a, items=[], notes="")


def test_an_injection_date_after_the_programme_is_refused(episode_a: Any, physio_a: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        make(episode_a, physio_a, injection_date=dt.date(2026, 11, 21))
    assert "injection_date" in refused.value.message_dict
    assert not Programme.objects.exists()


def test_a_change_replaces_the_exercises_and_says_what_changed(
    episode_a: Any, physio_a: Any
) -> None:
    programme = make(episode_a, physio_a)
    later = NOW + dt.timedelta(days=2)
    programme_update(
        None,
        programme=programme,
        by=physio_a,
        items=[
            ItemChoice(2, "press_ups_lying", "10 times, every 2 hours"),
            ItemChoice(3, "bridge"),
        ],
        notes="Walk to the shop and back each day.",
        at=later,
    )
    items = list(programme.items.all())
    assert [(i.phase, i.exercise_code, i.dosage_shown) for i in items] == [
        (2, "press_ups_lying", "10 times, every 2 hours"),
        (3, "bridge", "10 times, once or twice a day."),
    ]
    event = episode_a.timeline.filter(kind=TimelineEvent.Kind.AFTERCARE).first()
    assert event.at == later and "removed" in event.summary and "notes changed" in event.summary
    assert AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, at=later).exists()


def test_an_unchanged_save_writes_nothing(episode_a: Any, physio_a: Any) -> None:
    programme = make(episode_a, physio_a)
    same = [ItemChoice(i.phase, i.exercise_code, i.dosage) for i in programme.items.all()]
    programme_update(None, programme=programme, by=physio_a, items=same, notes="")
    assert episode_a.timeline.filter(kind=TimelineEvent.Kind.AFTERCARE).count() == 1


@pytest.mark.parametrize(
    ("choice", "field"),
    [
        (ItemChoice(1, "bridge"), "phase"),  # the bridge is not a first-days exercise
        (ItemChoice(2, "both_knees_to_chest"), "exercise_code"),  # flexion: avoided in sciatica
    ],
)
def test_an_exercise_outside_its_phase_or_against_the_condition_is_refused(
    episode_a: Any, physio_a: Any, choice: ItemChoice, field: str
) -> None:
    programme = make(episode_a, physio_a)
    before = list(programme.items.values_list("exercise_code", flat=True))
    with pytest.raises(ValidationError) as refused:
        programme_update(None, programme=programme, by=physio_a, items=[choice], notes="")
    assert field in refused.value.message_dict
    assert list(programme.items.values_list("exercise_code", flat=True)) == before


def test_a_programme_without_exercises_is_refused(episode_a: Any, physio_a: Any) -> None:
    programme = make(episode_a, physio_a)
    with pytest.raises(ValidationError, match="at least one exercise"):
        programme_update(None, programme=programme, by=physio_a, items=[], notes="")
    assert programme.items.exists()


# --- Adherence --------------------------------------------------------------------------------


def log(programme: Programme, **fields: Any) -> AdherenceLog:
    values: dict[str, Any] = {
        "exercise_code": programme.items.first().exercise_code,
        "on": dt.date(2026, 11, 18),
        "done": True,
        "pain_during": 3,
        "source": AdherenceLog.Source.PATIENT,
        "at": NOW,
    }
    values.update(fields)
    return adherence_record(None, programme=programme, **values)


def test_a_patient_logs_a_session_and_it_is_audited_as_the_patients(
    episode_a: Any, physio_a: Any
) -> None:
    programme = make(episode_a, physio_a)
    entry = log(programme)
    assert entry.pain_during == 3 and entry.recorded_by is None
    event = AuditEvent.objects.get(model="aftercare.AdherenceLog")
    assert event.channel == AuditEvent.Channel.PATIENT
    assert event.patient_id == str(episode_a.patient_id)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"pain_during": 11}, "pain_during"),
        ({"done": False, "pain_during": 4}, "pain_during"),
        ({"on": dt.date(2026, 11, 9)}, "on"),
        ({"on": dt.date(2026, 11, 21)}, "on"),
        ({"exercise_code": "swimming"}, "exercise_code"),
        ({"source": "staff"}, None),
    ],
)
def test_a_bad_log_is_refused_and_nothing_is_stored(
    episode_a: Any, physio_a: Any, changes: dict[str, Any], field: str | None
) -> None:
    programme = make(episode_a, physio_a)
    if field is None:
        with pytest.raises(PermissionDenied):
            log(programme, **changes)
    else:
        with pytest.raises(ValidationError) as refused:
            log(programme, **changes)
        assert field in refused.value.message_dict
    assert not AdherenceLog.objects.exists()


# --- Pages ------------------------------------------------------------------------------------


def test_the_physiotherapist_makes_changes_prints_and_reads_adherence_through_the_pages(
    client: Any, episode_a: Any, physio_a: Any
) -> None:
    client.force_login(physio_a)
    episode_page = client.get(reverse("episode_detail", args=[episode_a.pk])).content.decode()
    assert reverse("programme_new", args=[episode_a.pk]) in episode_page
    today = timezone.localdate()
    response = client.post(
        reverse("programme_new", args=[episode_a.pk]),
        {"injection_date": (today - dt.timedelta(days=20)).isoformat(), "start_back_risk": "low"},
    )
    programme = Programme.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "programme_detail", args=[programme.pk]
    )
    detail = client.get(reverse("programme_detail", args=[programme.pk])).content.decode()
    assert "Strengthen" in detail and "today" in detail
    first = programme.items.first()
    key = f"p{first.phase}-{first.exercise_code}"
    response = client.post(
        reverse("programme_edit", args=[programme.pk]),
        {key: "on", f"{key}-dosage": "Twice a day", "notes": "Keep going."},
    )
    assert response.status_code == 302
    assert [i.exercise_code for i in programme.items.all()] == [first.exercise_code]
    printout = client.get(reverse("programme_print", args=[programme.pk])).content.decode()
    assert first.exercise.steps[0] in printout and "Twice a day" in printout
    adherence_record(
        None,
        programme=programme,
        exercise_code=first.exercise_code,
        on=today,
        done=True,
        pain_during=2,
        source=AdherenceLog.Source.PATIENT,
    )
    page = client.get(reverse("programme_adherence", args=[programme.pk])).content.decode()
    assert "pain 2/10" in page and "100%" in page


def test_an_empty_change_is_refused_with_a_message(
    client: Any, episode_a: Any, physio_a: Any
) -> None:
    programme = make(episode_a, physio_a)
    client.force_login(physio_a)
    response = client.post(reverse("programme_edit", args=[programme.pk]), {"notes": ""})
    assert (
        response.status_code == 400 and "Choose at least one exercise" in response.content.decode()
    )
    assert programme.items.exists()


def test_clinicians_view_but_may_not_change_and_other_clinics_see_nothing(
    client: Any, episode_a: Any, physio_a: Any, clinician_a: Any, clinician_b: Any
) -> None:
    programme = make(episode_a, physio_a)
    client.force_login(clinician_a)
    assert client.get(reverse("programme_detail", args=[programme.pk])).status_code == 200
    assert client.get(reverse("programme_edit", args=[programme.pk])).status_code == 403
    assert client.get(reverse("programme_new", args=[episode_a.pk])).status_code == 403
    client.force_login(clinician_b)
    assert client.get(reverse("programme_detail", args=[programme.pk])).status_code == 404
