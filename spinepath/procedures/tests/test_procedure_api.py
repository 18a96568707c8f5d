"""Safety checks and procedures as resources on episodes."""

from __future__ import annotations

from typing import Any

import pytest

from spinepath.clinical.checklist import ITEMS_BY_CODE
from spinepath.procedures.models import ProcedureRecord, SafetyCheck
from spinepath.testing import (
    api_client_for,
    assess,
    audit_events,
    procedure_fields,
    ready_for_procedure,
    recent_steroid_elsewhere,
    take_consent,
    tick_all,
)

pytestmark = pytest.mark.django_db

ITEM_PHASE = {code: item.phase.value for code, item in ITEMS_BY_CODE.items()}
NO_INFECTION = {"infection_systemic": False, "infection_local": False}


def _fields(response: Any) -> set[str]:
    return {error["field"] for error in response.json()["detail"]}


def test_it_records_a_safety_check_and_a_procedure_and_reads_them(client, episode_a, clinician_a):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    api = api_client_for(client, clinician_a)
    base = f"/api/v1/episodes/{episode_a.pk}"

    answers = tick_all(consent)
    sign_in = {code: yes for code, yes in answers.items() if ITEM_PHASE[code] == "sign_in"}
    time_out = {code: yes for code, yes in answers.items() if ITEM_PHASE[code] == "time_out"}
    checked = api.post(f"{base}/safety-checks", {"answers": sign_in, "day": NO_INFECTION})
    assert checked.status_code == 201, checked.content
    body = checked.json()
    assert body["ready_for_procedure"] is False and body["contradictions"] == []
    assert set(body["missing"]) == set(time_out) | {
        "leg_strength_sensation_checked",
        "discharge_criteria_met",
        "leaflet_given",
    }
    assert {i["recorded_by"] for i in body["items"]} == {"alice"}
    assert body["day_facts"]["infection_local"] is False
    assert body["consent_id"] == consent.pk
    early = api.post(f"{base}/procedures", procedure_fields())
    assert early.status_code == 409 and "time out is not done" in early.json()["detail"]
    timed = api.post(f"{base}/safety-checks/{body['id']}/phases/time_out", {"answers": time_out})
    assert timed.status_code == 200, timed.content
    assert timed.json()["ready_for_procedure"] is True
    assert body["decision_context"] == "day_of_procedure" and body["decision_outcome"] == "suitable"
    assert [c["id"] for c in api.get(f"{base}/safety-checks").json()] == [body["id"]]

    created = api.post(f"{base}/procedures", procedure_fields(dose_area_product=None))
    assert created.status_code == 201, created.content
    record = created.json()
    assert record["safety_check_id"] == body["id"] and record["operator"] == "alice"
    assert record["steroid_check"]["status"] == "ok"
    assert record["steroid_mpe_mg"] == 42.67
    assert record["warnings"] == ["No dose-area product recorded for fluoroscopy."]
    [event] = audit_events(action="create", model="procedures.ProcedureRecord")
    assert event.channel == "api"
    episode_a.refresh_from_db()
    assert episode_a.stage == "treated"

    assert [p["id"] for p in api.get(f"{base}/procedures").json()] == [record["id"]]
    read = api.get(f"/api/v1/procedures/{record['id']}")
    assert read.status_code == 200 and read.json()["levels"] == ["L4/L5"]
    assert audit_events(action="read", model="procedures.ProcedureRecord")


def test_a_procedure_without_a_checklist_is_a_conflict(client, episode_a, clinician_a):
    take_consent(assess(episode_a, clinician_a), clinician_a)
    api = api_client_for(client, clinician_a)
    response = api.post(f"/api/v1/episodes/{episode_a.pk}/procedures", procedure_fields())
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Complete today's safety checklist (sign in and time out) before recording the procedure."
    )


def test_a_procedure_without_consent_is_a_conflict(client, episode_a, clinician_a):
    assess(episode_a, clinician_a)
    api = api_client_for(client, clinician_a)
    for path in ("procedures", "safety-checks"):
        body = procedure_fields() if path == "procedures" else {"answers": {}}
        response = api.post(f"/api/v1/episodes/{episode_a.pk}/{path}", body)
        assert response.status_code == 409
        assert response.json()["detail"].startswith("No consent is recorded")


def test_bad_fields_are_named(client, episode_a, clinician_a):
    ready_for_procedure(episode_a, clinician_a)
    api = api_client_for(client, clinician_a)
    response = api.post(
        f"/api/v1/episodes/{episode_a.pk}/procedures",
        procedure_fields(approach="caudal_sacral_hiatus", levels=["L4-5"], dose_length_product=9),
    )
    assert response.status_code == 422
    assert _fields(response) == {"approach", "levels", "dose_length_product"}
    missing = api.post(f"/api/v1/episodes/{episode_a.pk}/procedures", {"procedure": "x"})
    assert missing.status_code == 422 and {"side", "approach", "imaging"} <= _fields(missing)
    checklist = api.post(
        f"/api/v1/episodes/{episode_a.pk}/safety-checks", {"answers": {"made_up": True}}
    )
    assert checklist.status_code == 422 and _fields(checklist) == {"answers"}
    assert ProcedureRecord.objects.count() == 0


def test_a_steroid_block_needs_the_override_reason(client, episode_a, clinician_a):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    recent_steroid_elsewhere(episode_a.patient, days_ago=5)
    api = api_client_for(client, clinician_a)
    base = f"/api/v1/episodes/{episode_a.pk}"
    body = {"answers": tick_all(consent), "day": NO_INFECTION}
    assert api.post(f"{base}/safety-checks", body).status_code == 201

    refused = api.post(f"{base}/procedures", procedure_fields())
    assert refused.status_code == 422
    assert _fields(refused) == {"steroid_override_reason"}
    assert "STEROID_INTERVAL_TOO_SHORT" in refused.json()["detail"][0]["msg"]
    assert ProcedureRecord.objects.count() == 0

    reason = "Severe pain; previous injection elsewhere was a different region."
    created = api.post(f"{base}/procedures", procedure_fields(steroid_override_reason=reason))
    assert created.status_code == 201
    assert created.json()["steroid_override_reason"] == reason
    [override] = audit_events(action="override")
    assert override.reason == reason and override.channel == "api"


def test_only_clinicians_write_and_other_clinics_see_nothing(
    client, episode_a, clinician_a, physio_a, clinician_b
):
    consent = ready_for_procedure(episode_a, clinician_a)
    base = f"/api/v1/episodes/{episode_a.pk}"
    physio = api_client_for(client, physio_a)
    assert physio.post(f"{base}/procedures", procedure_fields()).status_code == 403
    body = {"answers": tick_all(consent)}
    assert physio.post(f"{base}/safety-checks", body).status_code == 403
    assert physio.get(f"{base}/safety-checks").status_code == 200

    record = api_client_for(client, clinician_a).post(f"{base}/procedures", procedure_fields())
    outsider = api_client_for(client, clinician_b)
    assert outsider.get(f"{base}/procedures").status_code == 404
    assert outsider.get(f"/api/v1/procedures/{record.json()['id']}").status_code == 404
    assert outsider.post(f"{base}/safety-checks", body).status_code == 404
    assert SafetyCheck.objects.count() == 1


def test_the_day_of_facts_reason_and_hard_stop_over_the_api(client, episode_a, clinician_a):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    api = api_client_for(client, clinician_a)
    base = f"/api/v1/episodes/{episode_a.pk}"
    day = NO_INFECTION | {"infection_local": True}
    body = api.post(f"{base}/safety-checks", {"answers": tick_all(consent), "day": day}).json()
    assert body["decision_outcome"] == "defer" and body["ready_for_procedure"] is True
    refused = api.post(f"{base}/procedures", procedure_fields())
    assert refused.status_code == 409 and "INFECTION_ACTIVE" in refused.json()["detail"]
    short = api.post(f"{base}/safety-checks/{body['id']}/proceed", {"reason": "ok"})
    assert short.status_code == 422 and _fields(short) == {"reason"}
    reason = "Old healed scratch well away from the site."
    proceed = api.post(f"{base}/safety-checks/{body['id']}/proceed", {"reason": reason})
    assert proceed.status_code == 200 and proceed.json()["decision_proceed_reason"] == reason
    assert api.post(f"{base}/procedures", procedure_fields()).status_code == 201

    bad = api.post(
        f"{base}/safety-checks",
        {"answers": {}, "day": {"last_dose_hours": {"apixaban": -1}, "inr": 0}},
    )
    assert bad.status_code == 422
    wrong_phase = api.post(
        f"{base}/safety-checks/{body['id']}/phases/time_out", {"answers": {"leaflet_given": True}}
    )
    assert wrong_phase.status_code == 422 and _fields(wrong_phase) == {"answers"}


def test_an_urgent_referral_on_the_day_is_a_hard_stop_over_the_api(client, episode_a, clinician_a):
    consent = take_consent(assess(episode_a, clinician_a), clinician_a)
    api = api_client_for(client, clinician_a)
    base = f"/api/v1/episodes/{episode_a.pk}"
    day = NO_INFECTION | {"new_red_flags": ["bladder_dysfunction"]}
    body = api.post(f"{base}/safety-checks", {"answers": tick_all(consent), "day": day}).json()
    assert body["decision_outcome"] == "urgent_referral"
    proceed = api.post(
        f"{base}/safety-checks/{body['id']}/proceed", {"reason": "Patient insists on it today."}
    )
    assert proceed.status_code == 409
    assert api.post(f"{base}/procedures", procedure_fields()).status_code == 409
    assert ProcedureRecord.objects.count() == 0
