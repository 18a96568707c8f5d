"""The decision page: who may see it, and recording a reasoned decision to proceed."""

import html
import re
from datetime import date

import pytest

from spinepath.accounts.models import AuditEvent
from spinepath.assessment.tests.helpers import (
    CAUTION_PLAN,
    DEFER_PLAN,
    NOT_RECOMMENDED_PLAN,
    NOT_SUITABLE_PLAN,
    URGENT_PLAN,
    headline,
)
from spinepath.patients.models import PriorInjection, TimelineEvent
from spinepath.testing import audit_events, make_decision

REASON = "Discussed at MDT; patient prefers to proceed now and accepts the risk."


@pytest.fixture
def alice(client, clinician_a):
    client.force_login(clinician_a)
    return client


def page_url(decision):
    return f"/decisions/{decision.pk}/"


def text(response):
    markup = response.content.decode()
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)))


def assert_unchanged(decision):
    decision.refresh_from_db()
    assert (decision.proceed_reason, decision.proceed_by, decision.proceed_at) == ("", None, None)
    assert not audit_events(action=AuditEvent.Action.OVERRIDE)
    assert not TimelineEvent.objects.filter(kind=TimelineEvent.Kind.OVERRIDE).exists()


def test_it_shows_the_decision_and_audits_the_read(alice, episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a, **DEFER_PLAN)
    r = alice.get(page_url(decision))
    assert r.status_code == 200
    page = text(r)
    assert headline("defer") in page
    assert "RED_FLAGS_NOT_SCREENED" in page
    assert "Source: Safety rule: not assessed is not 'no'" in page
    assert f"{decision.ruleset_name} {decision.ruleset_version}" in page
    assert "Record reason and proceed" in page
    [read] = audit_events(action=AuditEvent.Action.READ, model="assessment.Decision")
    assert read.object_id == str(decision.pk)


def test_it_lists_the_baseline_scores(alice, episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a, nrs_back=3, nrs_leg=8)
    page = text(alice.get(page_url(decision)))
    assert "Leg pain numerical rating scale: 8" in page
    assert "Back pain numerical rating scale: 3" in page


def test_it_shows_when_a_blocked_steroid_injection_could_be_given(
    alice, episode_a, clinician_a, patient_a
):
    PriorInjection.objects.create(
        patient=patient_a,
        given_on=date(2026, 11, 14),
        site="other_joint",
        steroid="triamcinolone",
        steroid_dose_mg=40,
    )
    decision = make_decision(episode_a, clinician_a)
    page = text(alice.get(page_url(decision)))
    assert headline("defer") in page
    assert "STEROID_INTERVAL_TOO_SHORT" in page
    assert "dexamethasone 8 mg" in page
    assert "Days since last steroid injection 10" in page
    assert "Earliest date that passes every block 28 Nov 2026" in page


def test_it_writes_codes_as_words(alice, episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a)
    decision.assessment.questionnaires.filter(instrument="nrs_leg").update(band="bed_bound")
    page = text(alice.get(page_url(decision)))
    assert "(bed bound)" in page
    assert "(lumbar epidural)" in page
    assert "bedbound" not in page and "lumbarepidural" not in page


def test_it_shows_the_unconfirmed_thresholds_in_force(alice, episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a)
    page = text(alice.get(page_url(decision)))
    assert "whose source is not yet confirmed" in page
    assert "HbA1c above which a steroid injection waits 69 mmol/mol" in page
    assert "Hold apixaban before an epidural 72 hours" in page
    assert "hba1c_max_mmol_mol" not in page and "hba1c max" not in page


@pytest.mark.parametrize("reason", ["", "   "])
def test_it_refuses_to_proceed_without_a_reason(alice, episode_a, clinician_a, reason):
    decision = make_decision(episode_a, clinician_a, **NOT_RECOMMENDED_PLAN)
    r = alice.post(page_url(decision), {"reason": reason})
    assert r.status_code == 200
    assert "Write the reason for proceeding: it cannot be left empty." in text(r)
    assert_unchanged(decision)


def test_it_refuses_a_reason_too_short_to_mean_anything(alice, episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a, **DEFER_PLAN)
    r = alice.post(page_url(decision), {"reason": "ok"})
    assert r.status_code == 200
    assert "at least a short sentence" in text(r)
    assert_unchanged(decision)


@pytest.mark.parametrize("plan", [NOT_RECOMMENDED_PLAN, DEFER_PLAN, CAUTION_PLAN])
def test_it_records_a_reasoned_proceed(alice, episode_a, clinician_a, plan):
    decision = make_decision(episode_a, clinician_a, **plan)
    r = alice.post(page_url(decision), {"reason": REASON})
    assert r.status_code == 302
    assert r.url == page_url(decision)
    decision.refresh_from_db()
    assert decision.proceed_reason == REASON
    assert decision.proceed_by == clinician_a
    [event] = audit_events(action=AuditEvent.Action.OVERRIDE)
    assert (event.reason, event.channel) == (REASON, AuditEvent.Channel.UI)

    page = text(alice.get(r.url))
    assert "Your reason for proceeding is recorded." in page
    assert f"Proceeding recorded by {clinician_a.display_name}" in page
    assert REASON in page
    assert "Record reason and proceed" not in page

    episode = text(alice.get(f"/episodes/{episode_a.pk}/"))
    assert f"Proceeding against '{decision.get_outcome_display().lower()}': {REASON}" in episode
    assert "cleared" in episode


def test_it_will_not_record_a_second_override_over_the_first(alice, episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a, **DEFER_PLAN)
    alice.post(page_url(decision), {"reason": REASON})
    r = alice.post(page_url(decision), {"reason": "A different reason written afterwards."})
    assert r.status_code == 200
    assert REASON in text(r)
    assert "A different reason" not in text(r)
    decision.refresh_from_db()
    assert decision.proceed_reason == REASON
    assert len(audit_events(action=AuditEvent.Action.OVERRIDE)) == 1


@pytest.mark.parametrize(
    ("plan", "outcome"),
    [(URGENT_PLAN, "urgent_referral"), (NOT_SUITABLE_PLAN, "not_suitable")],
)
def test_it_says_a_blocking_decision_cannot_be_overridden(
    alice, episode_a, clinician_a, plan, outcome
):
    decision = make_decision(episode_a, clinician_a, **plan)
    assert decision.outcome == outcome
    page = text(alice.get(page_url(decision)))
    assert headline(outcome) in page
    assert "This outcome cannot be overridden." in page
    assert "Record reason and proceed" not in page

    r = alice.post(page_url(decision), {"reason": REASON})
    assert r.status_code == 200
    assert "cannot be overridden" in text(r)
    assert_unchanged(decision)


def test_it_needs_no_override_for_a_suitable_decision(alice, episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a)
    assert "No override is needed." in text(alice.get(page_url(decision)))
    alice.post(page_url(decision), {"reason": REASON})
    assert_unchanged(decision)


def test_it_lets_a_physiotherapist_read_but_not_proceed(client, physio_a, episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a, **DEFER_PLAN)
    client.force_login(physio_a)
    page = text(client.get(page_url(decision)))
    assert "A clinician must record a reason before proceeding." in page
    assert client.post(page_url(decision), {"reason": REASON}).status_code == 403
    assert_unchanged(decision)


def test_it_refuses_an_analyst(client, analyst_a, episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a, **DEFER_PLAN)
    client.force_login(analyst_a)
    assert client.get(page_url(decision)).status_code == 403
    assert client.post(page_url(decision), {"reason": REASON}).status_code == 403
    assert_unchanged(decision)


def test_it_hides_another_clinics_decision(client, clinician_b, episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a, **DEFER_PLAN)
    client.force_login(clinician_b)
    assert client.get(page_url(decision)).status_code == 404
    assert client.get(f"{page_url(decision)}rerun/").status_code == 404
    assert client.post(page_url(decision), {"reason": REASON}).status_code == 404
    assert_unchanged(decision)


def test_it_reruns_the_stored_facts_without_change(alice, episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a, **CAUTION_PLAN)
    r = alice.get(f"{page_url(decision)}rerun/")
    assert r.status_code == 200
    page = text(r)
    assert "No change: the same outcome and the same reasons." in page
    assert "Then Suitable with cautions" in page
    assert f"{decision.ruleset_name} {decision.ruleset_version}" in page


def test_it_reruns_under_a_changed_rule_set(alice, episode_a, clinician_a, settings):
    decision = make_decision(episode_a, clinician_a)
    settings.SPINEPATH_RULESET_OVERRIDES = {"steroid_single_dose_warn_mg": 20, "version": "t-2"}
    page = text(alice.get(f"{page_url(decision)}rerun/"))
    assert "Reasons that apply now but did not then" in page
    assert "STEROID_SINGLE_DOSE_HIGH" in page
    assert "nice-ng59-default t-2" in page
