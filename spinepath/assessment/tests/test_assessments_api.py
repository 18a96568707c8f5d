"""The assessments resource: record an assessment on an episode, read it back, proceed on advice."""

import pytest

from spinepath.accounts.models import AuditEvent
from spinepath.assessment.models import Assessment, Decision
from spinepath.assessment.tests.helpers import (
    CAUTION_PLAN,
    DEFER_PLAN,
    NOT_RECOMMENDED_PLAN,
    NOT_SUITABLE_PLAN,
    ODI_ANSWERS,
    URGENT_PLAN,
    assessment_body,
)
from spinepath.patients.models import Episode, TimelineEvent
from spinepath.questionnaires.models import QuestionnaireResponse
from spinepath.testing import api_client_for, audit_events, make_decision

REASON = "Patient understands the advice and wishes to go ahead after discussion."


def url(episode):
    return f"/api/v1/episodes/{episode.pk}/assessments"


def counts():
    return (
        Assessment.objects.count(),
        Decision.objects.count(),
        QuestionnaireResponse.objects.count(),
        TimelineEvent.objects.count(),
    )


def bad_fields(response):
    assert response.status_code == 422, response.content
    return [problem["field"] for problem in response.json()["detail"]]


# --- POST /api/v1/episodes/{id}/assessments ----------------------------------------------------


def test_it_records_an_assessment_and_its_decision(api_a, episode_a, clinician_a):
    r = api_a.post(url(episode_a), assessment_body())
    assert r.status_code == 201, r.content
    body = r.json()
    assessment = Assessment.objects.get()
    assert body["id"] == assessment.pk
    assert body["episode_id"] == str(episode_a.pk)
    assert body["clinician"] == "alice"
    assert assessment.clinician == clinician_a
    assert assessment.procedure == "transforaminal_epidural"
    assert assessment.steroid == "dexamethasone"
    assert assessment.steroid_dose_mg == 8
    assert assessment.red_flags_screened is True
    assert assessment.red_flags == []
    assert assessment.allergies_recorded and assessment.medication_recorded

    [decision] = body["decisions"]
    assert decision["outcome"] == "suitable"
    assert decision["ruleset"]["name"] == "nice-ng59-default"
    assert decision["ruleset"]["version"]


def test_it_stores_the_baseline_questionnaires(api_a, episode_a, clinician_a):
    api_a.post(url(episode_a), assessment_body())
    responses = {q.instrument: q for q in QuestionnaireResponse.objects.all()}
    assert set(responses) == {"nrs_back", "nrs_leg", "odi", "startback"}
    assert responses["nrs_leg"].score == 8
    assert responses["nrs_back"].score == 3
    assert responses["odi"].score == 40.0
    assert responses["odi"].band == "moderate"
    assert responses["odi"].instrument_version == "2.1a"
    assert responses["odi"].answers == ODI_ANSWERS
    assert responses["startback"].band == "high"
    assert responses["startback"].subscores == {"psychosocial": 4}
    for response in responses.values():
        assert response.source == QuestionnaireResponse.Source.STAFF
        assert response.entered_by == clinician_a
        assert response.episode == episode_a
        assert response.assessment == Assessment.objects.get()
        assert response.instrument_version
        assert response.completed_at is not None


def test_it_stores_the_decision_with_its_facts_and_rule_set(api_a, episode_a, clinician_a):
    api_a.post(url(episode_a), assessment_body())
    decision = Decision.objects.get()
    assert decision.context == Decision.Context.ASSESSMENT
    assert decision.evaluated_by == clinician_a
    assert decision.ruleset_name == "nice-ng59-default"
    assert decision.ruleset_version
    assert decision.ruleset_config["min_age"] == 16
    assert decision.facts["assessment_date"] == "2026-11-24"
    assert decision.facts["age"] == 56
    assert decision.facts["condition"] == "sciatica"
    assert decision.facts["symptoms"]["leg_pain_nrs"] == 8
    assert decision.facts["symptoms"]["back_pain_nrs"] == 3
    assert decision.facts["injectate"]["steroid"] == "dexamethasone"
    assert decision.steroid["status"] == "ok"


def test_it_moves_a_referred_episode_to_assessed(api_a, episode_a):
    assert episode_a.stage == Episode.Stage.REFERRED
    api_a.post(url(episode_a), assessment_body())
    episode_a.refresh_from_db()
    assert episode_a.stage == Episode.Stage.ASSESSED
    kinds = list(episode_a.timeline.values_list("kind", flat=True))
    assert TimelineEvent.Kind.DECISION in kinds
    assert TimelineEvent.Kind.STAGE in kinds
    event = episode_a.timeline.get(kind=TimelineEvent.Kind.DECISION)
    assert event.summary == (
        "Suitability: suitable for transforaminal epidural injection (nice-ng59-default "
        f"{Decision.objects.get().ruleset_version})"
    )
    assert event.detail == {"decision": Decision.objects.get().pk}


def test_it_leaves_a_later_stage_alone_on_reassessment(api_a, episode_a):
    episode_a.advance_to(Episode.Stage.CONSENTED)
    api_a.post(url(episode_a), assessment_body())
    episode_a.refresh_from_db()
    assert episode_a.stage == Episode.Stage.CONSENTED


def test_it_audits_every_record_it_writes(api_a, episode_a, clinician_a):
    api_a.post(url(episode_a), assessment_body())
    created = audit_events(action=AuditEvent.Action.CREATE)
    models = sorted(event.model for event in created)
    assert models == sorted(
        ["assessment.Assessment", "assessment.Decision"]
        + ["questionnaires.QuestionnaireResponse"] * 4
    )
    for event in created:
        assert event.user == clinician_a
        assert event.channel == AuditEvent.Channel.API
        assert event.patient_id == str(episode_a.patient_id)
        assert event.clinic_id == clinician_a.clinic_id


def test_it_keeps_not_assessed_distinct_from_none(api_a, episode_a):
    body = assessment_body(red_flags=None, allergies=None, antithrombotics=None)
    r = api_a.post(url(episode_a), body)
    assert r.status_code == 201
    decision = Decision.objects.get()
    assert decision.outcome == "defer"
    assert decision.facts["red_flags"] is None
    codes = {reason["code"] for reason in decision.reasons}
    assert {
        "RED_FLAGS_NOT_SCREENED",
        "ALLERGIES_NOT_RECORDED",
        "MEDICATION_NOT_RECORDED",
    } <= codes


@pytest.mark.parametrize(
    ("baseline", "field"),
    [
        ({"odi": {f"s{n}": 1 for n in range(1, 8)}}, "baseline.odi.answers"),
        ({"nrs_leg": {"score": 11}}, "baseline.nrs_leg.score"),
        ({"nrs_back": {"score": "a lot"}}, "baseline.nrs_back.score"),
        ({"startback": {"q1": 1}}, "baseline.startback.q2"),
        ({"phq9": {"score": 1}}, "baseline.phq9"),
    ],
    ids=["odi-7-sections", "nrs-11", "nrs-text", "startback-incomplete", "unknown-instrument"],
)
def test_it_refuses_a_bad_baseline_and_writes_nothing(api_a, episode_a, baseline, field):
    before = counts()
    events = AuditEvent.objects.count()
    r = api_a.post(url(episode_a), assessment_body(baseline={"nrs_leg": {"score": 8}, **baseline}))
    assert bad_fields(r) == [field]
    assert counts() == before
    assert AuditEvent.objects.count() == events
    episode_a.refresh_from_db()
    assert episode_a.stage == Episode.Stage.REFERRED


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"steroid_dose_mg": None}, "steroid_dose_mg"),
        ({"steroid": None}, "steroid_dose_mg"),
        ({"procedure": "spinal_fusion"}, "procedure"),
        ({"red_flags": ["headache"]}, "red_flags.0"),
        ({"mbb_date": "2026-10-01"}, "mbb_relief_percent"),
        ({"mbb_date": "2026-10-01", "mbb_relief_percent": 120}, "mbb_relief_percent"),
        ({"symptom_duration_weeks": -2}, "symptom_duration_weeks"),
    ],
)
def test_it_refuses_an_invalid_plan_and_writes_nothing(api_a, episode_a, overrides, field):
    before = counts()
    assert field in bad_fields(api_a.post(url(episode_a), assessment_body(**overrides)))
    assert counts() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"assessed_on": "2099-01-01"}, "assessed_on"),
        ({"mbb_date": "2026-12-01", "mbb_relief_percent": 80}, "mbb_date"),
        ({"assessed_on": "1960-01-01"}, "assessed_on"),
    ],
    ids=["assessed-in-future", "block-after-assessment", "assessed-before-birth"],
)
def test_it_refuses_dates_the_rules_cannot_measure_from(api_a, episode_a, overrides, field):
    before = counts()
    assert bad_fields(api_a.post(url(episode_a), assessment_body(**overrides))) == [field]
    assert counts() == before


def test_it_hides_another_clinics_episode(client, clinician_b, episode_a):
    api_b = api_client_for(client, clinician_b)
    before = counts()
    assert api_b.post(url(episode_a), assessment_body()).status_code == 404
    assert api_b.get(url(episode_a)).status_code == 404
    assert counts() == before


def test_it_refuses_a_physiotherapist(client, physio_a, episode_a):
    api = api_client_for(client, physio_a)
    before = counts()
    assert api.post(url(episode_a), assessment_body()).status_code == 403
    assert counts() == before


def test_it_refuses_an_analyst(client, analyst_a, episode_a):
    api = api_client_for(client, analyst_a)
    before = counts()
    assert api.post(url(episode_a), assessment_body()).status_code == 403
    assert api.get(url(episode_a)).status_code == 403
    assert counts() == before


def test_it_refuses_an_assessment_without_a_token(client, episode_a):
    r = client.post(url(episode_a), assessment_body(), content_type="application/json")
    assert r.status_code == 401
    assert not Assessment.objects.exists()


# --- GET ----------------------------------------------------------------------------------------


def test_it_lists_an_episodes_assessments(api_a, episode_a):
    api_a.post(url(episode_a), assessment_body())
    api_a.post(url(episode_a), assessment_body(red_flags=["fever"]))
    r = api_a.get(url(episode_a))
    assert r.status_code == 200
    outcomes = sorted(a["decisions"][0]["outcome"] for a in r.json())
    assert outcomes == ["suitable", "urgent_referral"]


def test_it_reads_one_assessment_and_audits_the_read(api_a, episode_a, clinician_a):
    created = api_a.post(url(episode_a), assessment_body()).json()
    r = api_a.get(f"/api/v1/assessments/{created['id']}")
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == created["id"]
    assert {q["instrument"] for q in body["questionnaires"]} == {
        "nrs_back",
        "nrs_leg",
        "odi",
        "startback",
    }
    assert body["decisions"][0]["facts"]["age"] == 56
    [read] = audit_events(action=AuditEvent.Action.READ, model="assessment.Assessment")
    assert read.object_id == str(created["id"])


def test_it_hides_another_clinics_assessment(client, api_a, episode_a, clinician_b):
    created = api_a.post(url(episode_a), assessment_body()).json()
    api_b = api_client_for(client, clinician_b)
    assert api_b.get(f"/api/v1/assessments/{created['id']}").status_code == 404


def test_it_says_404_for_an_assessment_that_does_not_exist(api_a):
    assert api_a.get("/api/v1/assessments/999999").status_code == 404


# --- POST /api/v1/decisions/{id}/proceed -------------------------------------------------------


def proceed(api, decision, reason):
    body = {} if reason is None else {"reason": reason}
    return api.post(f"/api/v1/decisions/{decision.pk}/proceed", body)


def assert_unchanged(decision):
    decision.refresh_from_db()
    assert decision.proceed_reason == ""
    assert decision.proceed_by is None
    assert decision.proceed_at is None
    assert not audit_events(action=AuditEvent.Action.OVERRIDE)
    assert not TimelineEvent.objects.filter(kind=TimelineEvent.Kind.OVERRIDE).exists()


@pytest.mark.parametrize("reason", [None, "", "   ", "because"])
def test_it_refuses_to_proceed_without_a_real_reason(api_a, episode_a, clinician_a, reason):
    decision = make_decision(episode_a, clinician_a, **NOT_RECOMMENDED_PLAN)
    assert decision.outcome == "not_recommended"
    assert "reason" in bad_fields(proceed(api_a, decision, reason))
    assert_unchanged(decision)


@pytest.mark.parametrize(
    ("plan", "outcome"),
    [
        (NOT_RECOMMENDED_PLAN, "not_recommended"),
        (DEFER_PLAN, "defer"),
        (CAUTION_PLAN, "suitable_with_cautions"),
    ],
)
def test_it_records_a_reasoned_proceed(api_a, episode_a, clinician_a, plan, outcome):
    decision = make_decision(episode_a, clinician_a, **plan)
    assert decision.outcome == outcome
    r = proceed(api_a, decision, f"  {REASON}  ")
    assert r.status_code == 200, r.content
    assert r.json()["proceed_reason"] == REASON
    assert r.json()["proceed_at"]

    decision.refresh_from_db()
    assert decision.proceed_reason == REASON
    assert decision.proceed_by == clinician_a
    assert decision.cleared_to_proceed

    [event] = audit_events(action=AuditEvent.Action.OVERRIDE)
    assert event.reason == REASON
    assert event.model == "assessment.Decision"
    assert event.object_id == str(decision.pk)
    assert event.user == clinician_a
    assert event.channel == AuditEvent.Channel.API

    override = episode_a.timeline.get(kind=TimelineEvent.Kind.OVERRIDE)
    assert REASON in override.summary
    assert override.actor == clinician_a


def test_it_keeps_the_first_reason_to_proceed(api_a, episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a, **DEFER_PLAN)
    assert proceed(api_a, decision, REASON).status_code == 200
    r = proceed(api_a, decision, "A second and different reason to proceed.")
    assert bad_fields(r) == ["reason"]
    decision.refresh_from_db()
    assert decision.proceed_reason == REASON
    assert len(audit_events(action=AuditEvent.Action.OVERRIDE)) == 1


@pytest.mark.parametrize(
    ("plan", "outcome"),
    [(URGENT_PLAN, "urgent_referral"), (NOT_SUITABLE_PLAN, "not_suitable")],
)
def test_it_refuses_to_override_a_blocking_decision(api_a, episode_a, clinician_a, plan, outcome):
    decision = make_decision(episode_a, clinician_a, **plan)
    assert decision.outcome == outcome
    r = proceed(api_a, decision, REASON)
    assert bad_fields(r) == ["reason"]
    assert "cannot be overridden" in r.json()["detail"][0]["msg"]
    assert_unchanged(decision)


def test_it_refuses_to_override_a_suitable_decision(api_a, episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a)
    assert decision.outcome == "suitable"
    assert bad_fields(proceed(api_a, decision, REASON)) == ["reason"]
    assert_unchanged(decision)


def test_it_refuses_a_proceed_by_a_physiotherapist(client, physio_a, episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a, **DEFER_PLAN)
    r = proceed(api_client_for(client, physio_a), decision, REASON)
    assert r.status_code == 403
    assert_unchanged(decision)


def test_it_hides_another_clinics_decision(client, clinician_b, episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a, **DEFER_PLAN)
    assert proceed(api_client_for(client, clinician_b), decision, REASON).status_code == 404
    assert_unchanged(decision)


# --- Injections given elsewhere, recorded with the assessment (as the page records them) --------

ELSEWHERE = {
    "given_on": "2026-11-10",
    "site": "caudal_epidural",
    "steroid": "methylprednisolone",
    "steroid_dose_mg": 40,
    "relief_percent": 30,
    "where": "St Elsewhere",
}


def test_injections_given_elsewhere_are_recorded_and_counted(api_a, episode_a, clinician_a):
    from spinepath.patients.models import PriorInjection

    r = api_a.post(url(episode_a), assessment_body(injections_elsewhere=[ELSEWHERE]))
    assert r.status_code == 201, r.content
    prior = PriorInjection.objects.get(patient=episode_a.patient)
    assert (prior.site, prior.steroid, prior.steroid_dose_mg) == (
        "caudal_epidural",
        "methylprednisolone",
        40,
    )
    assert prior.recorded_by == clinician_a
    [decision] = r.json()["decisions"]
    [counted] = decision["facts"]["previous_injections"]
    assert (counted["date"], counted["procedure"]) == ("2026-11-10", "caudal_epidural")
    assert audit_events(model="patients.PriorInjection", action=AuditEvent.Action.CREATE)


def test_without_injections_elsewhere_none_are_counted(api_a, episode_a):
    r = api_a.post(url(episode_a), assessment_body())
    assert r.status_code == 201, r.content
    assert r.json()["decisions"][0]["facts"]["previous_injections"] == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"given_on": "2026-11-25"}, "injections_elsewhere.0.given_on"),  # after assessed_on
        ({"given_on": "1960-01-01"}, "injections_elsewhere.0.given_on"),  # before birth
        ({"steroid_dose_mg": None}, "injections_elsewhere.0.steroid_dose_mg"),
        ({"site": "elbow"}, "injections_elsewhere.0.site"),
    ],
)
def test_a_bad_injection_elsewhere_is_named_and_nothing_is_written(api_a, episode_a, change, field):
    from spinepath.patients.models import PriorInjection

    before = counts()
    body = assessment_body(injections_elsewhere=[{**ELSEWHERE, **change}])
    assert field in bad_fields(api_a.post(url(episode_a), body))
    assert counts() == before
    assert not PriorInjection.objects.exists()
