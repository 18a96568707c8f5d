"""Governed rule sets end to end: propose (clinical lead), preview, approve (a second clinician),
reject, effective dates, the history page, the API, and who may do what."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from spinepath.accounts.models import Clinic, RuleSetVersion
from spinepath.accounts.rulesets import (
    RuleSetRefused,
    clinical_lead_set,
    ruleset_approve,
    ruleset_draft,
    ruleset_propose,
    ruleset_reject,
)
from spinepath.assessment.ruleset_impact import decision_impact
from spinepath.testing import (
    api_client_for,
    audit_events,
    make_decision,
    make_episode,
    make_patient,
    make_staff,
)

pytestmark = pytest.mark.django_db

SIJ = {"procedure": "sacroiliac_joint_injection"}
PROPOSED_AT = timezone.make_aware(datetime(2026, 12, 1, 10, 0))
APPROVED_AT = timezone.make_aware(datetime(2026, 12, 2, 9, 0))
LOWER = {"conservative_care_min_weeks": 2}
WHY = "Our physiotherapy waits make four weeks unrealistic."


@pytest.fixture
def lead(clinician_a: Any) -> Any:
    clinician_a.is_clinical_lead = True
    clinician_a.save()
    return clinician_a


@pytest.fixture
def second(clinic_a: Any) -> Any:
    return make_staff("carol", "clinician", clinic_a)


@pytest.fixture
def decisions(clinic_a: Any, second: Any) -> dict[int, Any]:
    """One SIJ decision per weeks of conservative care; 2 and 3 weeks draw the caution now."""
    out = {}
    for n, weeks in enumerate((1, 2, 3, 4, 6)):
        patient = make_patient(
            clinic_a, given_name=f"Pat{n}", family_name="Weeks", nhs_number="", mrn=f"W{n}"
        )
        episode = make_episode(patient)
        out[weeks] = make_decision(
            episode, second, conservative_care_weeks=weeks, at=PROPOSED_AT, **SIJ
        )
    return out


def propose(clinic: Any, by: Any, values: Any = None, off: Any = (), **kwargs: Any) -> Any:
    fields: dict[str, Any] = {
        "values": LOWER if values is None else values,
        "disabled_rules": off,
        "effective_on": date(2026, 12, 10),
        "reason": WHY,
        "at": PROPOSED_AT,
    }
    fields.update(kwargs)
    return ruleset_propose(None, clinic=clinic, by=by, **fields)


# --- proposing and the preview -----------------------------------------------------------------


def test_a_lowered_threshold_previews_exactly_the_decisions_that_would_change(
    clinic_a, lead, decisions
):
    draft = ruleset_draft(
        clinic_a,
        values=LOWER,
        disabled_rules=(),
        effective_on=date(2026, 12, 10),
        at=PROPOSED_AT,
    )
    assert [(c.label, c.before, c.after) for c in draft.changes] == [
        ("Conservative care expected first", "4 weeks", "2 weeks")
    ]
    found = decision_impact(None, clinic_a, draft.base, draft.config)
    assert found.result.considered == 5
    changed = {change.key.pk: change for change in found.changed}
    assert set(changed) == {decisions[2].pk, decisions[3].pk}
    for change in changed.values():
        assert (change.before, change.after) == ("suitable_with_cautions", "suitable")
        assert change.removed == ("CONSERVATIVE_CARE_INSUFFICIENT",)
    assert not RuleSetVersion.objects.exists()  # a preview stores nothing


def test_a_proposal_is_stored_with_its_overrides_and_audited(clinic_a, lead):
    row = propose(clinic_a, lead, off=["RF_REPEAT_TOO_SOON"])
    assert (row.number, row.status, row.version) == (1, "proposed", "2026.12.1-ta.1")
    assert row.overrides == {
        "name": "nice-ng59-default",
        "version": "2026.12.1-ta.1",
        "conservative_care_min_weeks": 2.0,
        "disabled_rules": ["RF_REPEAT_TOO_SOON"],
    }
    [event] = audit_events(model="accounts.RuleSetVersion")
    assert (event.action, event.user, event.reason, event.at) == ("create", lead, WHY, PROPOSED_AT)
    assert event.detail["changes"][0][0] == "conservative_care_min_weeks"
    # Proposed is not approved: the clinic still decides under the settings' rule set.
    assert clinic_a.ruleset(at=APPROVED_AT).version == "2026.12.1"


def test_a_proposal_that_touches_a_red_flag_is_refused_and_nothing_is_stored(clinic_a, lead):
    with pytest.raises(RuleSetRefused) as refused:
        propose(clinic_a, lead, off=["RED_FLAG_CAUDA_EQUINA"])
    assert refused.value.problems == [
        "RED_FLAG_CAUDA_EQUINA cannot be switched off: it is a red flag."
    ]
    with pytest.raises(RuleSetRefused, match="absolute contraindication"):
        propose(clinic_a, lead, values={"min_age": 12})
    assert not RuleSetVersion.objects.exists()
    assert not audit_events(model="accounts.RuleSetVersion")


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"reason": "short"}, "Write the reason for the change"),
        ({"effective_on": date(2026, 11, 30)}, "The effective date cannot be in the past."),
        ({"effective_on": None}, "Give the date the new version is to take effect."),
        ({"values": {}}, "The proposal changes nothing"),
    ],
)
def test_a_bad_proposal_says_why(clinic_a, lead, changes, problem):
    with pytest.raises(RuleSetRefused) as refused:
        propose(clinic_a, lead, **changes)
    assert any(p.startswith(problem) for p in refused.value.problems)
    assert not RuleSetVersion.objects.exists()


def test_only_a_clinical_lead_of_the_clinic_may_propose(clinic_a, clinician_a, admin_a, lead):
    admin_a.is_clinical_lead = True  # the flag does not make an administrator a clinician
    for user in (admin_a,):
        with pytest.raises(PermissionDenied):
            propose(clinic_a, user)
    plain = make_staff("dan", "clinician", clinic_a)
    with pytest.raises(PermissionDenied, match="Only a clinical lead"):
        propose(clinic_a, plain)
    other = make_staff("olga", "clinician", Clinic.objects.create(name="Other", code="ot"))
    other.is_clinical_lead = True
    with pytest.raises(PermissionDenied, match="another clinic"):
        propose(clinic_a, other)


def test_one_proposal_waits_at_a_time(clinic_a, lead):
    first = propose(clinic_a, lead)
    with pytest.raises(RuleSetRefused, match="already waiting for approval"):
        propose(clinic_a, lead, values={"hba1c_max_mmol_mol": 64})
    with pytest.raises(IntegrityError), transaction.atomic():
        RuleSetVersion.objects.create(
            clinic=clinic_a,
            number=2,
            name="x",
            version="x",
            overrides={},
            effective_on=date(2026, 12, 10),
            reason=WHY,
            proposed_by=lead,
            proposed_at=PROPOSED_AT,
        )
    assert first.status == "proposed"


# --- approval, rejection and the effective date ------------------------------------------------


def test_approval_by_the_proposer_alone_is_refused(clinic_a, lead):
    row = propose(clinic_a, lead)
    with pytest.raises(RuleSetRefused) as refused:
        ruleset_approve(None, row, by=lead, at=APPROVED_AT)
    assert refused.value.problems == [
        "You proposed this version: a second clinician of the clinic must approve it."
    ]
    row.refresh_from_db()
    assert row.status == "proposed"
    assert len(audit_events(model="accounts.RuleSetVersion")) == 1


def test_the_approver_must_be_a_clinician_of_the_same_clinic(clinic_a, lead, admin_a, clinician_b):
    row = propose(clinic_a, lead)
    with pytest.raises(PermissionDenied, match="Only a clinician"):
        ruleset_approve(None, row, by=admin_a, at=APPROVED_AT)
    with pytest.raises(PermissionDenied, match="another clinic"):
        ruleset_approve(None, row, by=clinician_b, at=APPROVED_AT)


def test_an_approved_version_takes_effect_on_its_date_not_at_approval(
    client, clinic_a, lead, second, episode_a
):
    row = propose(clinic_a, lead)
    row = ruleset_approve(None, row, by=second, note="Agreed at governance.", at=APPROVED_AT)
    assert (row.status, row.decided_by, row.decision_note) == (
        "approved",
        second,
        "Agreed at governance.",
    )
    start = timezone.make_aware(datetime(2026, 12, 10))
    assert row.effective_at == start
    clinic_a.refresh_from_db()
    assert clinic_a.governed_from == start
    just_before = timezone.make_aware(datetime(2026, 12, 9, 23, 59))
    assert clinic_a.ruleset(at=just_before).conservative_care_min_weeks == 4
    assert clinic_a.ruleset(at=start).conservative_care_min_weeks == 2
    assert clinic_a.ruleset(at=start).version == "2026.12.1-ta.1"
    # Each decision keeps the version in force at its own time.
    before = make_decision(episode_a, second, conservative_care_weeks=3, at=just_before, **SIJ)
    after = make_decision(episode_a, second, conservative_care_weeks=3, at=start, **SIJ)
    assert (before.ruleset_version, before.outcome) == ("2026.12.1", "suitable_with_cautions")
    assert (after.ruleset_version, after.outcome) == ("2026.12.1-ta.1", "suitable")
    assert after.ruleset_config["conservative_care_min_weeks"] == 2
    client.force_login(second)
    link = "The clinic's version 1: who approved it and why"
    assert link in client.get(f"/decisions/{after.pk}/").content.decode()
    assert link not in client.get(f"/decisions/{before.pk}/").content.decode()
    [_, approval] = audit_events(model="accounts.RuleSetVersion")
    assert (approval.action, approval.user, approval.reason) == (
        "update",
        second,
        "Agreed at governance.",
    )


def test_an_approval_after_the_effective_date_takes_effect_at_approval(clinic_a, lead, second):
    row = propose(clinic_a, lead, effective_on=date(2026, 12, 1))
    late = timezone.make_aware(datetime(2026, 12, 3, 14, 30))
    row = ruleset_approve(None, row, by=second, at=late)
    assert row.effective_at == late
    assert clinic_a.ruleset(at=timezone.make_aware(datetime(2026, 12, 3, 9))).version == "2026.12.1"


def test_a_later_version_starts_from_the_last_approved_and_not_before_it(clinic_a, lead, second):
    ruleset_approve(None, propose(clinic_a, lead), by=second, at=APPROVED_AT)
    with pytest.raises(RuleSetRefused, match="cannot be before that of version"):
        propose(clinic_a, lead, values={"hba1c_max_mmol_mol": 64}, effective_on=date(2026, 12, 5))
    row = propose(
        clinic_a, lead, values={"hba1c_max_mmol_mol": 64}, effective_on=date(2026, 12, 20)
    )
    assert row.version == "2026.12.1-ta.2"
    ruleset_approve(None, row, by=second, at=APPROVED_AT)
    clinic_a.refresh_from_db()
    config = clinic_a.ruleset(at=timezone.make_aware(datetime(2026, 12, 21)))
    assert (config.conservative_care_min_weeks, config.hba1c_max_mmol_mol) == (2, 64)


def test_a_rejection_needs_a_reason_and_ends_the_proposal(clinic_a, lead, second):
    row = propose(clinic_a, lead)
    with pytest.raises(RuleSetRefused, match="Write the reason for rejecting it"):
        ruleset_reject(None, row, by=second, reason=" ", at=APPROVED_AT)
    row = ruleset_reject(
        None, row, by=second, reason="Not without audit data first.", at=APPROVED_AT
    )
    assert (row.status, row.decision_note) == ("rejected", "Not without audit data first.")
    with pytest.raises(RuleSetRefused, match="already rejected"):
        ruleset_approve(None, row, by=second, at=APPROVED_AT)
    assert clinic_a.ruleset(at=timezone.make_aware(datetime(2027, 1, 1))).version == "2026.12.1"
    assert propose(clinic_a, lead).number == 2  # a new proposal may follow
    assert audit_events(model="accounts.RuleSetVersion", action="update")[0].reason == (
        "Not without audit data first."
    )


def test_a_clinic_without_approved_versions_reads_no_rows_for_its_rule_set(
    clinic_a, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert clinic_a.ruleset(at=APPROVED_AT).version == "2026.12.1"


def test_the_administrator_chooses_clinical_leads_and_it_is_audited(admin_a, clinician_a, physio_a):
    clinical_lead_set(None, clinician_a, by=admin_a, lead=True, at=PROPOSED_AT)
    clinician_a.refresh_from_db()
    assert clinician_a.is_clinical_lead
    [event] = audit_events(model="accounts.User", action="update")
    assert event.detail == {"is_clinical_lead": True}
    with pytest.raises(RuleSetRefused, match="Only a clinician"):
        clinical_lead_set(None, physio_a, by=admin_a, lead=True)
    with pytest.raises(PermissionDenied):
        clinical_lead_set(None, physio_a, by=clinician_a, lead=True)


# --- pages -------------------------------------------------------------------------------------


def test_the_proposal_page_previews_then_proposes(client, clinic_a, lead, decisions):
    client.force_login(lead)
    page = client.get("/rulesets/propose/")
    assert page.status_code == 200
    assert "Youngest age the service treats" in page.content.decode()  # among the locked ones
    form = {
        name: field.initial
        for name, field in page.context["form"].fields.items()
        if name.startswith("setting__")
    }
    form.update(
        {
            "setting__conservative_care_min_weeks": "2",
            "effective_on": "2099-01-01",
            "reason": WHY,
            "last": "200",
            "preview": "1",
        }
    )
    preview = client.post("/rulesets/propose/", form)
    text = preview.content.decode()
    assert preview.status_code == 200, text
    assert "2 would change" in text
    assert text.count("WEEKS, Pat") == 2 and "WEEKS, Pat1" in text and "WEEKS, Pat2" in text
    assert "CONSERVATIVE_CARE_INSUFFICIENT" in text
    assert not RuleSetVersion.objects.exists()
    reads = audit_events(model="assessment.Decision", action="read", user=lead)
    assert {e.object_id for e in reads} == {str(decisions[2].pk), str(decisions[3].pk)}

    del form["preview"]
    form["propose"] = "1"
    done = client.post("/rulesets/propose/", form)
    row = RuleSetVersion.objects.get()
    assert done.status_code == 302 and done.url == f"/rulesets/{row.number}/"


def test_the_proposal_page_shows_a_refusal_and_stores_nothing(client, clinic_a, lead):
    client.force_login(lead)
    page = client.get("/rulesets/propose/")
    form = {
        name: field.initial
        for name, field in page.context["form"].fields.items()
        if name.startswith("setting__")
    }
    form.update({"effective_on": "2000-01-01", "reason": WHY, "last": "50", "propose": "1"})
    response = client.post("/rulesets/propose/", form)
    assert response.status_code == 200
    assert "The proposal changes nothing" in response.content.decode()
    assert "The effective date cannot be in the past." in response.content.decode()
    form["setting__conservative_care_min_weeks"] = "lots"
    assert "Enter a number." in client.post("/rulesets/propose/", form).content.decode()
    assert not RuleSetVersion.objects.exists()


def test_the_version_page_refuses_the_proposer_and_lets_a_second_clinician_approve(
    client, clinic_a, lead, second, decisions
):
    row = propose(clinic_a, lead, effective_on=timezone.localdate())
    client.force_login(lead)
    page = client.get(f"/rulesets/{row.number}/")
    assert "2 would change" in page.content.decode()
    assert "Approve</button>" not in page.content.decode()
    refused = client.post(f"/rulesets/{row.number}/decide/", {"action": "approve"}, follow=True)
    assert "a second clinician of the clinic must approve it" in refused.content.decode()
    row.refresh_from_db()
    assert row.status == "proposed"

    client.force_login(second)
    approved = client.post(
        f"/rulesets/{row.number}/decide/", {"action": "approve", "note": "Agreed."}, follow=True
    )
    assert f"Version {row.version} is approved" in approved.content.decode()
    row.refresh_from_db()
    assert row.status == "approved" and row.decided_by == second


def test_the_history_page_lists_who_when_why_and_the_differences(client, clinic_a, lead, second):
    first = ruleset_approve(
        None, propose(clinic_a, lead), by=second, note="Agreed.", at=APPROVED_AT
    )
    second_row = propose(
        clinic_a, lead, values={"hba1c_max_mmol_mol": 64}, effective_on=date(2026, 12, 20)
    )
    ruleset_reject(None, second_row, by=second, reason="Wait for the diabetes audit.")
    client.force_login(second)
    text = client.get("/rulesets/").content.decode()
    assert f"Version 1: {first.version}" in text and f"Version 2: {second_row.version}" in text
    assert WHY in text and "Agreed." in text and "Wait for the diabetes audit." in text
    assert "Carol" in text and "Alice" in text
    assert "4 weeks" in text and "2 weeks" in text  # version 1 against the settings
    assert "69 mmol/mol" in text and "64 mmol/mol" in text  # version 2 against version 1
    assert "Rule sets</a>" in text  # in the navigation


def test_rule_set_pages_are_clinic_scoped_and_role_checked(
    client, clinic_a, lead, analyst_a, clinician_b, admin_a, second
):
    row = propose(clinic_a, lead)
    client.force_login(clinician_b)
    assert client.get(f"/rulesets/{row.number}/").status_code == 404
    assert client.post(f"/rulesets/{row.number}/decide/", {"action": "approve"}).status_code == 404
    client.force_login(analyst_a)
    assert client.get("/rulesets/").status_code == 403
    client.force_login(second)
    assert client.get("/rulesets/propose/").status_code == 403
    assert client.get("/rulesets/leads/").status_code == 403
    client.force_login(admin_a)
    page = client.get("/rulesets/leads/")
    assert page.status_code == 200 and "Make lead" in page.content.decode()
    client.post("/rulesets/leads/", {"staff": second.pk, "lead": "yes"})
    second.refresh_from_db()
    assert second.is_clinical_lead
    for staff in (clinician_b.pk, "abc", ""):
        assert client.post("/rulesets/leads/", {"staff": staff, "lead": "yes"}).status_code == 404


# --- API ---------------------------------------------------------------------------------------


def test_the_api_lists_and_reads_the_clinics_versions(client, clinic_a, lead, second, clinician_b):
    first = ruleset_approve(None, propose(clinic_a, lead), by=second, at=APPROVED_AT)
    api = api_client_for(client, second)
    listed = api.get("/api/v1/rulesets")
    assert listed.status_code == 200
    [body] = listed.json()
    assert body["version"] == first.version and body["status"] == "approved"
    assert body["proposed_by"] == "Alice" and body["decided_by"] == "Carol"
    assert body["reason"] == WHY
    assert body["changes"] == [
        {
            "key": "conservative_care_min_weeks",
            "label": "Conservative care expected first",
            "before": "4 weeks",
            "after": "2 weeks",
        }
    ]
    one = api.get(f"/api/v1/rulesets/{first.version}")
    assert one.status_code == 200
    assert one.json()["config"]["conservative_care_min_weeks"] == 2
    assert api.get("/api/v1/rulesets/no-such").status_code == 404
    other = api_client_for(client, clinician_b)
    assert other.get("/api/v1/rulesets").json() == []
    assert other.get(f"/api/v1/rulesets/{first.version}").status_code == 404


def test_an_analyst_may_not_read_rule_sets_over_the_api(client, analyst_a):
    assert api_client_for(client, analyst_a).get("/api/v1/rulesets").status_code == 403


def test_the_services_settings_stay_the_base_layer_under_a_version(
    clinic_a, lead, second, settings
):
    settings.SPINEPATH_RULESET_OVERRIDES = {"version": "svc.1", "hba1c_max_mmol_mol": 60}
    row = ruleset_approve(None, propose(clinic_a, lead), by=second, at=APPROVED_AT)
    assert row.version == "svc.1-ta.1"
    assert row.overrides == {
        "name": "nice-ng59-default",
        "version": "svc.1-ta.1",
        "conservative_care_min_weeks": 2.0,
    }
    clinic_a.refresh_from_db()
    config = clinic_a.ruleset(at=timezone.make_aware(datetime(2026, 12, 11)))
    assert (config.hba1c_max_mmol_mol, config.conservative_care_min_weeks) == (60, 2)
    settings.SPINEPATH_RULESET_OVERRIDES = {"version": "svc.2", "hba1c_max_mmol_mol": 58}
    config = clinic_a.ruleset(at=timezone.make_aware(datetime(2026, 12, 11)))
    assert (config.hba1c_max_mmol_mol, config.conservative_care_min_weeks) == (58, 2)


def test_the_ledger_and_the_booking_check_use_the_version_in_force_on_their_day(
    clinic_a, lead, second, patient_a
):
    """Day-based views read no clock: the rule set is the one in force on the day they show."""
    from spinepath.procedures.ledger import patient_ledger
    from spinepath.scheduling.booking import check_for
    from spinepath.scheduling.models import Session

    ruleset_approve(None, propose(clinic_a, lead), by=second, note="Agreed.", at=APPROVED_AT)
    clinic_a.refresh_from_db()
    patient_a.clinic = clinic_a
    in_force = clinic_a.ruleset(at=timezone.make_aware(datetime(2026, 12, 10))).label
    base = clinic_a.ruleset(at=APPROVED_AT).label
    assert in_force != base
    assert patient_ledger(patient_a, today=date(2026, 12, 9)).limits.ruleset == base
    assert patient_ledger(patient_a, today=date(2026, 12, 10)).limits.ruleset == in_force
    at_nine = timezone.make_aware(datetime(2026, 12, 10, 9, 0))
    assert patient_ledger(patient_a, today=date(2026, 12, 10), at=at_nine).limits.ruleset == (
        in_force
    )
    session = Session(clinic=clinic_a, date=date(2026, 12, 20), modality="fluoroscopy")
    episode = make_episode(patient_a)
    # No decision yet: the check refuses the same way under either version, reading no clock.
    for day in (date(2026, 12, 9), date(2026, 12, 10)):
        assert not check_for(episode, session, on=day).allowed
