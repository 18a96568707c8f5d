"""Which decision is an episode's current one, as the patient page's banners and the worklists'
"Needs urgent action" read it: the latest decision on the latest-dated assessment, not the one
entered last."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from spinepath.onward.actions import alert_for, alerts_for, needing_action
from spinepath.testing import make_decision, make_episode


def _urgent_ids(clinic_id: int) -> set[object]:
    return {alert.episode.pk for alert in needing_action(clinic_id)}


def test_an_earlier_dated_assessment_entered_later_does_not_clear_the_alert(patient_a, clinician_a):
    today = timezone.localdate()
    episode = make_episode(patient_a)
    stop = make_decision(episode, clinician_a, assessed_on=today, red_flags=["saddle_anaesthesia"])
    make_decision(episode, clinician_a, assessed_on=today - timedelta(days=3))
    assert _urgent_ids(patient_a.clinic_id) == {episode.pk}
    [alert] = alerts_for([episode])
    assert alert.decision.pk == stop.pk == alert_for(episode).decision.pk


def test_a_later_dated_assessment_clears_it_and_only_that_episode(patient_a, clinician_a):
    today = timezone.localdate()
    cleared, still = make_episode(patient_a), make_episode(patient_a)
    for episode in (cleared, still):
        make_decision(
            episode,
            clinician_a,
            assessed_on=today - timedelta(days=2),
            red_flags=["saddle_anaesthesia"],
        )
    make_decision(cleared, clinician_a, assessed_on=today)
    assert _urgent_ids(patient_a.clinic_id) == {still.pk}
    assert [a.episode.pk for a in alerts_for([cleared, still])] == [still.pk]
    assert alert_for(cleared) is None
