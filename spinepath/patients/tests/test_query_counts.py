"""The pages clinicians live on ask the database a fixed number of questions, however long the
patient's record grows: a query per row would make the page slower with every visit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from spinepath.patients.models import Episode, PriorInjection
from spinepath.testing import (
    check_today,
    make_decision,
    make_episode,
    make_patient,
    ready_for_procedure,
    record_procedure,
    take_consent,
)


def _treated(patient: Any, clinician: Any, *, visits: int) -> Episode:
    """An episode assessed ``visits`` times (each re-assessment re-consented and re-checked), then
    treated; with as many injections given elsewhere and other episodes, so every list has rows."""
    episode = make_episode(patient)
    today = timezone.localdate()
    for n in range(visits - 1, 0, -1):
        decided = make_decision(
            episode, clinician, assessed_on=today - timedelta(days=n), symptom_duration_weeks=8
        )
        check_today(take_consent(decided, clinician), clinician)
    ready_for_procedure(episode, clinician)
    record_procedure(episode, clinician)
    for n in range(visits):
        PriorInjection.objects.create(
            patient=patient,
            given_on=today - timedelta(days=400 + 90 * n),
            site="caudal_epidural",
            steroid="methylprednisolone",
            steroid_dose_mg=40,
            where="St Elsewhere",
        )
    for n in range(visits):  # more episodes too, one of them stopped by a red flag
        other = make_episode(patient, condition="spinal_stenosis", laterality="not_applicable")
        flags = ["saddle_anaesthesia"] if n == 0 else []
        make_decision(other, clinician, assessed_on=today - timedelta(days=n), red_flags=flags)
    return episode


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def histories(clinic_a: Any, clinician_a: Any) -> tuple[Episode, Episode]:
    short = make_patient(clinic_a, nhs_number="", mrn="SHORT1")
    long = make_patient(clinic_a, nhs_number="", mrn="LONG1", given_name="Lena")
    return _treated(short, clinician_a, visits=1), _treated(long, clinician_a, visits=4)


def test_the_patient_page_asks_as_many_queries_for_a_long_record_as_for_a_short_one(
    client, clinician_a, histories
):
    short, long = histories
    client.force_login(clinician_a)
    counts = [_queries(client, f"/patients/{e.patient_id}/") for e in (short, long)]
    assert counts[0] == counts[1]


def test_the_episode_page_asks_as_many_queries_for_a_long_record_as_for_a_short_one(
    client, clinician_a, histories
):
    short, long = histories
    client.force_login(clinician_a)
    counts = [_queries(client, f"/episodes/{e.pk}/") for e in (short, long)]
    assert counts[0] == counts[1]


def _followed_up(episode: Episode, *, diary: int, links: int) -> int:
    """``episode``'s procedure given ``diary`` more pain-diary time points, and every time point
    ``links`` patient links (the status words ask of each point whether its link is locked);
    how many points there are."""
    from spinepath.followup.links import issue_link
    from spinepath.followup.models import Label, TimePoint

    first = TimePoint.objects.filter(episode=episode).first()
    assert first is not None
    for n in range(diary):
        TimePoint.objects.create(
            episode=episode,
            procedure=first.procedure,
            label=Label.DIARY,
            due_on=first.due_on + timedelta(days=n + 1),
            due_at=timezone.now() + timedelta(days=n + 1),
            instruments=["nrs_leg"],
        )
    points = list(TimePoint.objects.filter(episode=episode))
    for point in points:
        for _ in range(links):
            issue_link(point)
    return len(points)


def test_the_episode_page_asks_as_many_queries_with_many_follow_up_points_as_with_few(
    client, clinician_a, histories
):
    short, long = histories
    few = _followed_up(short, diary=0, links=0)
    assert _followed_up(long, diary=6, links=2) >= few + 6
    client.force_login(clinician_a)
    counts = [_queries(client, f"/episodes/{e.pk}/") for e in (short, long)]
    assert counts[0] == counts[1]
    assert "Pain diary" in client.get(f"/episodes/{long.pk}/").content.decode()


def test_the_worklists_ask_as_many_queries_for_a_busy_clinic_as_for_a_quiet_one(
    client, clinic_a, clinician_a, histories
):
    client.force_login(clinician_a)
    quiet = _queries(client, "/")
    for n in range(12):
        patient = make_patient(clinic_a, nhs_number="", mrn=f"BUSY{n}")
        episode = make_episode(patient)
        make_decision(episode, clinician_a, red_flags=["saddle_anaesthesia"] if n % 4 == 0 else [])
        Episode.objects.filter(pk=episode.pk).update(stage=Episode.Stage.values[n % 5])
    assert _queries(client, "/") == quiet


def _at_stage(clinic: Any, n: int, prefix: str) -> None:
    for i in range(n):
        episode = make_episode(make_patient(clinic, nhs_number="", mrn=f"{prefix}{i}"))
        Episode.objects.filter(pk=episode.pk).update(stage=Episode.Stage.CONSENTED)


def test_the_worklists_ask_as_many_queries_when_a_stage_overflows_its_list(
    client, clinic_a, clinician_a
):
    from spinepath.views import WORKLIST_LIMIT

    client.force_login(clinician_a)
    _at_stage(clinic_a, 2, "FEW")
    few = _queries(client, "/")
    _at_stage(clinic_a, WORKLIST_LIMIT + 5, "MANY")
    assert "Show all" in client.get("/").content.decode()
    assert _queries(client, "/") == few


def test_a_stage_page_asks_as_many_queries_for_a_full_page_as_for_a_short_one(
    client, clinic_a, clinician_a, monkeypatch
):
    from spinepath import views

    monkeypatch.setattr(views, "STAGE_PAGE_SIZE", 5)
    client.force_login(clinician_a)
    _at_stage(clinic_a, 2, "FEW")
    short = _queries(client, "/worklists/consented/")
    _at_stage(clinic_a, 12, "MANY")
    assert _queries(client, "/worklists/consented/?page=2") == short
