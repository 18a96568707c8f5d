"""Issue 7 item 14: physiotherapists enter baseline questionnaires (never assessments or
injections), through the same storage the assessment form uses, audited and on the timeline."""

from __future__ import annotations

import pytest

from spinepath.questionnaires.models import QuestionnaireResponse
from spinepath.testing import audit_events, make_decision

ODI = {f"q-odi__s{n}": "2" for n in range(1, 11)}


@pytest.fixture
def phil(client, physio_a):
    client.force_login(physio_a)
    return client


def url(episode):
    return f"/episodes/{episode.pk}/baseline/"


def test_the_physiotherapist_opens_and_saves_baseline_questionnaires(phil, physio_a, episode_a):
    page = phil.get(url(episode_a))
    assert page.status_code == 200
    assert "Oswestry Disability Index" in page.content.decode()
    r = phil.post(url(episode_a), {"q-nrs_back__score": "4", "q-nrs_leg__score": "7", **ODI})
    assert r.status_code == 302
    saved = {r.instrument: r for r in QuestionnaireResponse.objects.all()}
    assert set(saved) == {"nrs_back", "nrs_leg", "odi"}
    assert saved["nrs_leg"].score == 7 and saved["odi"].score == 40
    for response in saved.values():
        assert response.entered_by == physio_a
        assert response.source == "staff" and response.context == "baseline"
        assert response.assessment is None and response.episode == episode_a
    created = audit_events(action="create", model="questionnaires.QuestionnaireResponse")
    assert len(created) == 3 and {e.username for e in created} == {"phil"}
    summary = episode_a.timeline.first().summary
    assert summary.startswith("Baseline questionnaires entered: ")
    assert "Oswestry Disability Index 40 (moderate)" in summary


def test_saving_again_stores_only_what_changed(phil, episode_a):
    phil.post(url(episode_a), {"q-nrs_back__score": "4", "q-nrs_leg__score": "7"})
    page = phil.get(url(episode_a)).content.decode()
    assert 'value="7" selected' in page  # the last answers are filled in
    phil.post(url(episode_a), {"q-nrs_back__score": "4", "q-nrs_leg__score": "7"})
    assert QuestionnaireResponse.objects.count() == 2
    phil.post(url(episode_a), {"q-nrs_back__score": "4", "q-nrs_leg__score": "5"})
    assert QuestionnaireResponse.objects.count() == 3
    html = phil.get(f"/episodes/{episode_a.pk}/").content.decode()
    assert "Leg pain numerical rating scale: <strong>5</strong>" in html


def test_an_empty_or_unscorable_form_is_refused_and_changes_nothing(phil, episode_a):
    r = phil.post(url(episode_a), {})
    assert "Answer at least one questionnaire." in r.content.decode()
    r = phil.post(url(episode_a), {"q-odi__s1": "2", "q-odi__s2": "2"})
    assert r.status_code == 200
    assert "Oswestry Disability Index:" in r.content.decode()
    assert not QuestionnaireResponse.objects.exists()


def test_the_episode_page_offers_the_physiotherapist_baseline_but_not_assessment(phil, episode_a):
    html = phil.get(f"/episodes/{episode_a.pk}/").content.decode()
    assert url(episode_a) in html
    assert "Start assessment" not in html


@pytest.mark.parametrize(
    "path",
    [
        "/episodes/{e}/assess/",
        "/episodes/{e}/consent/",
        "/episodes/{e}/checklist/",
        "/episodes/{e}/procedure/",
        "/episodes/{e}/onward/",
    ],
)
def test_the_physiotherapist_still_cannot_assess_consent_inject_or_refer(
    phil, episode_a, clinician_a, path
):
    make_decision(episode_a, clinician_a)
    target = path.format(e=episode_a.pk)
    assert phil.get(target).status_code == 403
    assert phil.post(target, {}).status_code == 403


def test_an_analyst_cannot_open_the_baseline_page(client, analyst_a, episode_a):
    client.force_login(analyst_a)
    assert client.get(url(episode_a)).status_code == 403
    assert audit_events(action="denied")


def test_another_clinics_episode_is_a_404(phil, episode_b):
    assert phil.get(url(episode_b)).status_code == 404


def test_the_clinicians_assessment_form_starts_from_the_physiotherapists_answers(
    phil, client, clinician_a, episode_a
):
    phil.post(url(episode_a), {"q-nrs_back__score": "3", "q-nrs_leg__score": "9"})
    client.force_login(clinician_a)
    html = client.get(f"/episodes/{episode_a.pk}/assess/").content.decode()
    start = html.index('name="q-nrs_leg__score"')
    assert 'value="9" selected' in html[start : html.index("</select>", start)]
