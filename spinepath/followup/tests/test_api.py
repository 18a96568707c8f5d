"""The follow-up API: POST /api/v1/outcomes/relief exactly per api.md, and the staff endpoints."""

from __future__ import annotations

import pytest
from django.utils import timezone

from spinepath.accounts.models import AuditEvent
from spinepath.followup.models import NextStepPlan, TimePoint
from spinepath.followup.tests.helpers import answer, point, treated
from spinepath.testing import api_client_for

pytestmark = pytest.mark.django_db

EXAMPLE = {
    "procedure_date": "2026-01-10",
    "primary": "nrs_leg",
    "baseline": {"nrs_back": 4, "nrs_leg": 8, "odi": 46.0},
    "timepoints": [
        {"label": "6w", "date": "2026-02-21", "nrs_back": 4, "nrs_leg": 7, "odi": 40.0, "pgic": 4},
        {"label": "2w", "date": "2026-01-24", "nrs_back": 3, "nrs_leg": 3, "odi": None, "pgic": 2},
    ],
}


def test_the_api_md_example(api_a):
    response = api_a.post("/api/v1/outcomes/relief", EXAMPLE)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["responder"] is True
    assert body["onset"] == {"label": "2w", "date": "2026-01-24", "days": 14}
    assert body["ended"] == {"label": "6w", "date": "2026-02-21", "days": 42}
    assert body["duration_days"] == 42 and body["censored"] is False
    assert body["timepoints"][0] == {
        "label": "2w",
        "days": 14,
        "completed": True,
        "change_points": 5,
        "change_percent": 62.5,
        "meaningful": True,
        "substantial": True,
        "odi_change_points": None,
        "odi_meaningful": None,
        "pgic_meaningful": True,
    }
    assert [t["label"] for t in body["timepoints"]] == ["2w", "6w"]


def test_a_non_responder_has_nulls(api_a):
    body = api_a.post(
        "/api/v1/outcomes/relief",
        {**EXAMPLE, "timepoints": [{"label": "2w", "date": "2026-01-24", "nrs_leg": 8}]},
    ).json()
    assert body["onset"] is None and body["ended"] is None and body["duration_days"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"primary": "odi"}, "primary"),
        ({"procedure_date": "10/01/2026"}, "procedure_date"),
        ({"baseline": {"nrs_leg": 11}}, "baseline.nrs_leg"),
        ({"baseline": {"nrs_leg": "8"}}, "baseline.nrs_leg"),
        ({"baseline": {"odi": 101}}, "baseline.odi"),
        ({"timepoints": [{"label": "2w", "date": "2026-01-24", "pgic": 0}]}, "timepoints.0.pgic"),
        ({"timepoints": [{"label": "1y", "date": "2026-01-24"}]}, "timepoints.0.label"),
        ({"timepoints": [{"label": "2w", "date": "2026-01-09"}]}, "timepoints.0.date"),
        (
            {"timepoints": [{"label": "2w", "date": "2026-01-24", "nrs_leg": 2.5}]},
            "timepoints.0.nrs_leg",
        ),
    ],
)
def test_bad_input_is_a_422_naming_the_field(api_a, change, field):
    response = api_a.post("/api/v1/outcomes/relief", {**EXAMPLE, **change})
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["detail"]]


def test_unparseable_bodies_never_500(api_a):
    for body in ("", "[]", '{"timepoints": null}', '{"baseline": 3}'):
        response = api_a.post("/api/v1/outcomes/relief", body)
        assert response.status_code in (400, 422), body


def test_episode_time_points_staff_entry_and_relief(episode_a, clinician_a, api_a):
    record = treated(episode_a, clinician_a)
    listed = api_a.get(f"/api/v1/episodes/{episode_a.pk}/follow-up").json()
    assert [p["label"] for p in listed[0]["time_points"]] == ["2w", "6w", "3m", "6m", "12m"]
    assert {p["status"] for p in listed[0]["time_points"]} == {"upcoming"}

    tp = point(record, "2w")
    entered = api_a.post(
        f"/api/v1/time-points/{tp.pk}/responses",
        {"answers": {"nrs_leg": {"score": 3}, "nrs_back": {"score": 2}, "pgic": {"score": 2}}},
    )
    assert entered.status_code == 200, entered.content
    assert entered.json()["staff_entered"] is True and entered.json()["status"] == "completed"
    again = api_a.post(
        f"/api/v1/time-points/{tp.pk}/responses", {"answers": {"nrs_leg": {"score": 9}}}
    )
    assert again.status_code == 409

    relief = api_a.get(f"/api/v1/procedures/{record.pk}/relief").json()
    assert relief["responder"] is True and relief["censored"] is True
    assert relief["baseline"]["nrs_leg"] == 8 and relief["baseline_source"] == "assessment"
    assert relief["summary"].startswith("Meaningful relief from 2 weeks")
    assert "spinepath's definition" in relief["definition"]
    assert AuditEvent.objects.filter(model="procedures.ProcedureRecord", action="read").exists()


def test_staff_entry_names_bad_answers(episode_a, clinician_a, api_a):
    record = treated(episode_a, clinician_a)
    tp = point(record, "2w")
    response = api_a.post(
        f"/api/v1/time-points/{tp.pk}/responses", {"answers": {"nrs_leg": {"score": 12}}}
    )
    assert response.status_code == 422
    assert "nrs_leg.score" in [e["field"] for e in response.json()["detail"]]
    assert TimePoint.objects.get(pk=tp.pk).completed_at is None


def test_another_clinic_sees_nothing(episode_a, clinician_a, client, clinician_b):
    record = treated(episode_a, clinician_a)
    api_b = api_client_for(client, clinician_b)
    assert api_b.get(f"/api/v1/episodes/{episode_a.pk}/follow-up").status_code == 404
    assert api_b.get(f"/api/v1/procedures/{record.pk}/relief").status_code == 404
    tp = point(record, "2w")
    response = api_b.post(
        f"/api/v1/time-points/{tp.pk}/responses", {"answers": {"nrs_leg": {"score": 3}}}
    )
    assert response.status_code == 404
    assert TimePoint.objects.get(pk=tp.pk).completed_at is None


def test_plan_next_step_over_the_api(episode_a, clinician_a, api_a):
    record = treated(episode_a, clinician_a)
    early = api_a.post(
        f"/api/v1/procedures/{record.pk}/next-step",
        {"choice": "physiotherapy", "reason": "Relief has gone, patient keen on rehab."},
    )
    assert early.status_code == 409  # nothing measured yet
    answer(record, "2w", nrs_leg=7, at=timezone.now())  # 8 → 7: a non-responder (so far)
    refused = api_a.post(
        f"/api/v1/procedures/{record.pk}/next-step",
        {"choice": "repeat_injection", "reason": "Patient asks for another one."},
    )
    assert refused.status_code == 422 and "choice" in refused.json()["detail"][0]["field"]
    short = api_a.post(
        f"/api/v1/procedures/{record.pk}/next-step", {"choice": "physiotherapy", "reason": "ok"}
    )
    assert short.status_code == 422 and short.json()["detail"][0]["field"] == "reason"
    made = api_a.post(
        f"/api/v1/procedures/{record.pk}/next-step",
        {"choice": "physiotherapy", "reason": "No relief; a graded programme with the physio."},
    )
    assert made.status_code == 201, made.content
    plan = NextStepPlan.objects.get()
    assert plan.relief["responder"] is False
    assert episode_a.timeline.filter(kind="plan", detail__plan=plan.pk).exists()


def test_discharge_as_the_next_step_needs_its_outcome(episode_a, clinician_a, api_a):
    record = treated(episode_a, clinician_a)
    answer(record, "2w", nrs_leg=7, at=timezone.now())
    url = f"/api/v1/procedures/{record.pk}/next-step"
    reason = "No relief; the patient prefers to manage with exercise."
    missing = api_a.post(url, {"choice": "discharge", "reason": reason})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["field"] == "discharge_outcome"
    unknown = api_a.post(
        url, {"choice": "discharge", "reason": reason, "discharge_outcome": "gone"}
    )
    assert unknown.status_code == 422
    made = api_a.post(
        url, {"choice": "discharge", "reason": reason, "discharge_outcome": "self_managing"}
    )
    assert made.status_code == 201, made.content
    episode_a.refresh_from_db()
    assert episode_a.stage == "discharged" and episode_a.discharge_outcome == "self_managing"
