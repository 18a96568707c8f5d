"""Issue 8 item 2: the urgent-referral record records what the referral found, with its date."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from spinepath.onward.actions import urgent_referral_record, urgent_referral_result_record
from spinepath.testing import audit_events, make_decision

TZ = timezone.get_current_timezone()
MADE = datetime(2026, 11, 24, 11, 0, tzinfo=TZ)


@pytest.fixture
def referral(episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a, red_flags=["cancer_history"])
    return urgent_referral_record(
        None,
        decision=decision,
        to_whom="Acute oncology service",
        method="electronic",
        made_at=MADE,
        by=clinician_a,
        at=MADE + timedelta(minutes=10),
    )


def test_a_new_referral_is_pending(referral):
    assert referral.result == "pending" and referral.result_on is None


def test_the_result_is_recorded_with_its_date_on_the_timeline_and_audited(referral, clinician_a):
    urgent_referral_result_record(
        None,
        action=referral,
        result="excluded",
        result_on=date(2026, 11, 30),
        notes="MRI: no metastasis.",
        by=clinician_a,
        at=datetime(2026, 12, 1, 9, 0, tzinfo=TZ),
    )
    referral.refresh_from_db()
    assert (referral.result, referral.result_on) == ("excluded", date(2026, 11, 30))
    assert referral.result_recorded_by == clinician_a
    assert referral.episode.timeline.filter(kind="plan").first().summary == (
        "Urgent referral result: cause excluded (30 Nov 2026) — MRI: no metastasis."
    )
    [update] = audit_events(action="update", model="onward.OnwardAction")
    assert set(update.changed_fields) >= {"result", "result_on", "result_notes"}


@pytest.mark.parametrize(
    ("result", "result_on", "field", "message"),
    [
        ("confirmed", None, "result_on", "Give the date of the result."),
        ("excluded", date(2026, 11, 20), "result_on", "before the referral"),
        ("excluded", date(2026, 12, 5), "result_on", "in the future"),
        ("pending", date(2026, 11, 28), "result_on", "no result date"),
        ("maybe", None, "result", "not a valid choice"),
    ],
)
def test_a_result_that_does_not_fit_is_refused_and_nothing_changes(
    referral, clinician_a, result, result_on, field, message
):
    with pytest.raises(ValidationError) as refused:
        urgent_referral_result_record(
            None,
            action=referral,
            result=result,
            result_on=result_on,
            by=clinician_a,
            at=datetime(2026, 12, 1, 9, 0, tzinfo=TZ),
        )
    assert message in " ".join(refused.value.message_dict[field])
    referral.refresh_from_db()
    assert referral.result == "pending"


def test_the_result_page_records_it_and_the_banner_shows_it(client, clinician_a, referral):
    client.force_login(clinician_a)
    episode = referral.episode
    html = client.get(f"/episodes/{episode.pk}/").content.decode()
    assert "Urgent: to be seen within 2 weeks" in html
    assert "Result: <strong>pending</strong>" in html
    r = client.post(
        f"/onward/{referral.pk}/result/",
        {
            "result": "confirmed",
            "result_on": timezone.localdate().isoformat(),
            "result_notes": "Bone scan: L3 metastasis.",
        },
    )
    assert r.status_code == 302
    html = client.get(f"/episodes/{episode.pk}/").content.decode()
    assert "Result: <strong>cause confirmed</strong>" in html
    assert "Bone scan: L3 metastasis." in html


def test_a_result_dated_in_the_future_is_shown_at_the_field(client, clinician_a, referral):
    client.force_login(clinician_a)
    later = (timezone.localdate() + timedelta(days=3)).isoformat()
    r = client.post(f"/onward/{referral.pk}/result/", {"result": "excluded", "result_on": later})
    assert r.status_code == 200
    assert "The result cannot be dated in the future." in r.content.decode()
