"""The assessment page: gather the facts, save, and land on the decision that explains itself."""

import html
import re

import pytest

from spinepath.accounts.models import AuditEvent
from spinepath.assessment.models import Assessment, Decision
from spinepath.assessment.tests.helpers import form_data, headline
from spinepath.patients.models import Episode, PriorInjection, TimelineEvent
from spinepath.questionnaires.models import QuestionnaireResponse
from spinepath.testing import audit_events

ODI_SEVEN_SECTIONS = {f"q-odi__s{n}": "2" for n in range(1, 8)}


@pytest.fixture
def alice(client, clinician_a):
    client.force_login(clinician_a)
    return client


def assess_url(episode):
    return f"/episodes/{episode.pk}/assess/"


def counts():
    return (
        Assessment.objects.count(),
        Decision.objects.count(),
        QuestionnaireResponse.objects.count(),
        PriorInjection.objects.count(),
        TimelineEvent.objects.count(),
    )


def text(response):
    """The page's visible text with tags removed and whitespace collapsed."""
    markup = response.content.decode()
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)))


def test_it_shows_the_form_with_placeholder_wording(alice, episode_a):
    r = alice.get(assess_url(episode_a))
    assert r.status_code == 200
    page = text(r)
    assert "Baseline assessment" in page
    assert "Licensed wording not loaded: these are placeholders" in page
    assert 'name="q-nrs_back__score"' in r.content.decode()
    assert 'name="q-odi__s10"' in r.content.decode()
    assert 'name="drug-TOTAL_FORMS"' in r.content.decode()


def test_it_saves_an_assessment_and_shows_the_decision(alice, episode_a, clinician_a):
    r = alice.post(assess_url(episode_a), form_data())
    decision = Decision.objects.get()
    assert r.status_code == 302
    assert r.url == f"/decisions/{decision.pk}/"

    assessment = decision.assessment
    assert assessment.episode == episode_a
    assert assessment.clinician == clinician_a
    assert assessment.steroid_dose_mg == 8
    assert assessment.leg_pain_dominant is True
    assert assessment.red_flags_screened is True
    assert decision.outcome == "suitable"
    assert decision.facts["symptoms"]["leg_pain_nrs"] == 8
    scores = dict(assessment.questionnaires.values_list("instrument", "score"))
    assert scores == {"nrs_back": 3, "nrs_leg": 8}

    episode_a.refresh_from_db()
    assert episode_a.stage == Episode.Stage.ASSESSED
    created = {e.model for e in audit_events(action=AuditEvent.Action.CREATE)}
    assert created == {
        "assessment.Assessment",
        "assessment.Decision",
        "questionnaires.QuestionnaireResponse",
    }
    assert {e.channel for e in audit_events(action=AuditEvent.Action.CREATE)} == {"ui"}

    page = alice.get(r.url)
    assert page.status_code == 200
    assert headline("suitable") in text(page)
    assert f"nice-ng59-default {decision.ruleset_version}" in text(page)
    assert "No rule fired" in text(page)


def test_it_explains_every_reason_on_the_decision_page(alice, episode_a):
    data = form_data(**{"red_flags": "night_pain", "immunosuppressed": "true"})
    r = alice.post(assess_url(episode_a), data)
    decision = Decision.objects.get()
    assert decision.outcome == "suitable_with_cautions"
    page = text(alice.get(r.url))
    assert headline("suitable_with_cautions") in page
    assert len(decision.reasons) == 2
    for reason in decision.reasons:
        assert reason["code"] in page
        assert reason["message"] in page
        assert f"Source: {reason['source']}" in page
        if reason["action"]:
            action = reason["action"]
            assert f"What to do: {action[0].upper()}{action[1:]}" in page
    assert f"Reasons ({len(decision.reasons)})" in page


def test_it_shows_the_steroid_exposure_when_a_steroid_is_planned(alice, episode_a):
    r = alice.post(assess_url(episode_a), form_data())
    page = text(alice.get(r.url))
    assert "Steroid exposure" in page
    assert "42.7 mg methylprednisolone-equivalent" in page
    assert "OK" in page


def test_it_leaves_out_steroid_exposure_without_a_steroid(alice, episode_a):
    r = alice.post(assess_url(episode_a), form_data(steroid="", steroid_dose_mg=""))
    assert r.status_code == 302
    assert Decision.objects.get().steroid is None
    assert "Steroid exposure" not in text(alice.get(r.url))


def test_it_records_antithrombotics_from_the_formset(alice, episode_a):
    data = form_data(**{"drug-0-drug": "apixaban", "drug-0-hours_since_last_dose": "12"})
    alice.post(assess_url(episode_a), data)
    decision = Decision.objects.get()
    assert decision.assessment.antithrombotics == [
        {"drug": "apixaban", "hours_since_last_dose": 12.0, "indication": None}
    ]
    assert decision.outcome == "defer"
    assert "ANTITHROMBOTIC_NOT_HELD" in {r["code"] for r in decision.reasons}


def test_it_records_an_injection_given_elsewhere(alice, episode_a, clinician_a, patient_a):
    data = form_data(
        **{
            "elsewhere-0-given_on": "2026-11-14",
            "elsewhere-0-site": "caudal_epidural",
            "elsewhere-0-steroid": "triamcinolone",
            "elsewhere-0-steroid_dose_mg": "40",
            "elsewhere-0-relief_percent": "30",
            "elsewhere-0-where": "St Elsewhere",
        }
    )
    r = alice.post(assess_url(episode_a), data)
    assert r.status_code == 302
    prior = PriorInjection.objects.get()
    assert prior.patient == patient_a
    assert prior.recorded_by == clinician_a
    decision = Decision.objects.get()
    assert decision.facts["previous_injections"][0]["date"] == "2026-11-14"
    assert "STEROID_INTERVAL_TOO_SHORT" in {r["code"] for r in decision.reasons}
    assert audit_events(action=AuditEvent.Action.CREATE, model="patients.PriorInjection")


def test_it_records_baseline_odi_and_start_back(alice, episode_a):
    data = form_data(
        **{f"q-odi__s{n}": "1" for n in range(1, 11)},
        **{f"q-startback__q{n}": "0" for n in range(1, 9)},
        **{"q-startback__q9": "1"},
    )
    alice.post(assess_url(episode_a), data)
    odi = QuestionnaireResponse.objects.get(instrument="odi")
    assert (odi.score, odi.band, odi.instrument_version) == (20.0, "minimal", "2.1a")
    startback = QuestionnaireResponse.objects.get(instrument="startback")
    assert (startback.score, startback.band) == (0, "low")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"steroid_dose_mg": ""}, "Give the steroid dose in mg."),
        ({"steroid": ""}, "A dose is given but no steroid is chosen."),
        ({"q-nrs_leg__score": None}, "This field is required."),
        ({"q-nrs_back__score": "11"}, "Select a valid choice."),
        (ODI_SEVEN_SECTIONS, "only 7 of 10 sections answered"),
        ({"red_flags_screened": None, "red_flags": "fever"}, "confirm the screen"),
        ({"mbb_date": "2026-10-01"}, "Give both the date and the relief of the block."),
        ({"elsewhere-0-where": "St Elsewhere"}, "Give the date of the injection."),
    ],
    ids=[
        "steroid-without-dose",
        "dose-without-steroid",
        "nrs-missing",
        "nrs-11",
        "odi-7-sections",
        "flags-unscreened",
        "mbb-half",
        "elsewhere-undated",
    ],
)
def test_it_refuses_invalid_input_and_writes_nothing(alice, episode_a, overrides, message):
    before = counts()
    r = alice.post(assess_url(episode_a), form_data(**overrides))
    assert r.status_code == 200
    page = text(r)
    assert "There is a problem" in page
    assert message in page
    assert counts() == before
    assert not audit_events(action=AuditEvent.Action.CREATE)
    episode_a.refresh_from_db()
    assert episode_a.stage == Episode.Stage.REFERRED


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"assessed_on": "2099-01-01"}, "The assessment cannot be dated in the future."),
        (
            {"mbb_date": "2026-12-01", "mbb_relief_percent": "80"},
            "The block cannot be dated after the assessment.",
        ),
        (
            {
                "elsewhere-0-given_on": "2026-12-01",
                "elsewhere-0-site": "caudal_epidural",
                "elsewhere-0-steroid": "triamcinolone",
                "elsewhere-0-steroid_dose_mg": "40",
            },
            "Injection elsewhere 1, date given: Cannot be after the assessment date.",
        ),
        ({"assessed_on": "1960-01-01"}, "Cannot be before the patient's date of birth."),
    ],
    ids=["assessed-in-future", "block-after", "elsewhere-after", "before-birth"],
)
def test_it_refuses_dates_the_rules_cannot_measure_from(alice, episode_a, overrides, message):
    before = counts()
    r = alice.post(assess_url(episode_a), form_data(**overrides))
    assert r.status_code == 200
    assert "There is a problem" in text(r)
    assert message in text(r)
    assert counts() == before
    assert not audit_events(action=AuditEvent.Action.CREATE)


def test_it_keeps_what_was_typed_when_it_refuses(alice, episode_a):
    r = alice.post(assess_url(episode_a), form_data(steroid_dose_mg="", notes="Keep me"))
    assert "Keep me" in r.content.decode()
    assert 'value="6"' in r.content.decode()


def test_it_refuses_a_physiotherapist(client, physio_a, episode_a):
    client.force_login(physio_a)
    assert client.get(assess_url(episode_a)).status_code == 403
    assert client.post(assess_url(episode_a), form_data()).status_code == 403
    assert not Assessment.objects.exists()


def test_it_refuses_an_analyst(client, analyst_a, episode_a):
    client.force_login(analyst_a)
    assert client.get(assess_url(episode_a)).status_code == 403
    assert not Assessment.objects.exists()


def test_it_hides_another_clinics_episode(client, clinician_b, episode_a):
    client.force_login(clinician_b)
    assert client.get(assess_url(episode_a)).status_code == 404
    assert client.post(assess_url(episode_a), form_data()).status_code == 404
    assert not Assessment.objects.exists()


def test_it_sends_an_anonymous_visitor_to_log_in(client, episode_a):
    r = client.get(assess_url(episode_a))
    assert r.status_code == 302
    assert r.url.startswith("/login/")


def test_it_offers_start_assessment_on_the_episode_page(alice, episode_a):
    page = text(alice.get(f"/episodes/{episode_a.pk}/"))
    assert "Start assessment" in page
    assert "Not assessed yet." in page
