"""The facts the 2 Dec 2026 clinical review added or changed, through the form and the API:
high clotting risk, creatinine clearance, the pregnancy question, and what a red flag means."""

import html
import re

import pytest

from spinepath.assessment.models import Assessment, Decision
from spinepath.assessment.tests.helpers import assessment_body, form_data
from spinepath.testing import make_decision, make_episode, make_patient

DABIGATRAN_4_DAYS = {"drug": "dabigatran", "hours_since_last_dose": 130}


@pytest.fixture
def alice(client, clinician_a):
    client.force_login(clinician_a)
    return client


def text(response):
    markup = response.content.decode()
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)))


def reason(decision, code):
    [found] = [r for r in decision.reasons if r["code"] == code]
    return found


def test_the_form_records_high_clotting_risk_and_creatinine_clearance(alice, episode_a):
    data = form_data(
        thrombotic_risk_high="true",
        crcl_ml_min="40",
        **{"drug-0-drug": "dabigatran", "drug-0-hours_since_last_dose": "130"},
    )
    r = alice.post(f"/episodes/{episode_a.pk}/assess/", data)
    assert r.status_code == 302, r.context["form"].errors
    assessment = Assessment.objects.get()
    assert (assessment.thrombotic_risk_high, assessment.crcl_ml_min) == (True, 40)
    decision = Decision.objects.get()
    assert decision.facts["thrombotic_risk_high"] is True
    assert decision.facts["crcl_ml_min"] == 40
    held = reason(decision, "ANTITHROMBOTIC_NOT_HELD")
    assert "held 144 h" in held["message"]
    assert "the clotting risk is high: agree the stop" in held["action"]


def test_the_api_records_them_and_a_normal_clearance_keeps_the_5_day_hold(api_a, episode_a):
    body = assessment_body(
        thrombotic_risk_high=False, crcl_ml_min=80, antithrombotics=[DABIGATRAN_4_DAYS]
    )
    r = api_a.post(f"/api/v1/episodes/{episode_a.pk}/assessments", body)
    assert r.status_code == 201, r.content
    assessment = Assessment.objects.get()
    assert (assessment.thrombotic_risk_high, assessment.crcl_ml_min) == (False, 80)
    [decision] = r.json()["decisions"]
    assert decision["facts"]["crcl_ml_min"] == 80
    assert "ANTITHROMBOTIC_NOT_HELD" not in [r["code"] for r in decision["reasons"]]


def test_leaving_them_out_means_not_assessed(api_a, episode_a):
    r = api_a.post(f"/api/v1/episodes/{episode_a.pk}/assessments", assessment_body())
    assert r.status_code == 201
    assessment = Assessment.objects.get()
    assert assessment.thrombotic_risk_high is None and assessment.crcl_ml_min is None
    assert r.json()["decisions"][0]["outcome"] == "suitable"


@pytest.mark.parametrize(
    ("fields", "code", "outcome"),
    [
        ({"bleeding_disorder": None}, "BLEEDING_NOT_ASSESSED", "defer"),
        ({"infection_systemic": None}, "INFECTION_NOT_ASSESSED", "defer"),
        ({"infection_local": None}, "INFECTION_NOT_ASSESSED", "defer"),
        ({"diabetes": None}, "DIABETES_NOT_RECORDED", "suitable_with_cautions"),
    ],
)
def test_a_safety_fact_not_assessed_on_the_record_is_not_a_no(
    episode_a, clinician_a, fields, code, outcome
):
    decision = make_decision(episode_a, clinician_a, **fields)
    assert decision.outcome == outcome
    assert [r["code"] for r in decision.reasons] == [code]


def test_a_woman_is_asked_about_pregnancy(alice, episode_a):
    page = alice.get(f"/episodes/{episode_a.pk}/assess/").content.decode()
    assert 'name="pregnant"' in page


def test_someone_whose_sex_is_other_is_asked_about_pregnancy(alice, clinic_a):
    episode = make_episode(make_patient(clinic_a, sex="other"))
    page = alice.get(f"/episodes/{episode.pk}/assess/").content.decode()
    assert 'name="pregnant"' in page


def test_a_man_is_never_asked_about_pregnancy(alice, clinic_a):
    episode = make_episode(make_patient(clinic_a, sex="male"))
    url = f"/episodes/{episode.pk}/assess/"
    page = alice.get(url).content.decode()
    assert 'name="pregnant"' not in page
    assert "Pregnant" not in text(alice.get(url))
    # And saving without the question still decides suitable: nothing is missing for him.
    r = alice.post(url, form_data(pregnant=None))
    assert r.status_code == 302, r.context["form"].errors
    assert Decision.objects.get().outcome == "suitable"


def test_each_red_flag_says_it_must_be_new_worsening_or_unexplained(alice, episode_a):
    page = text(alice.get(f"/episodes/{episode_a.pk}/assess/"))
    assert page.count("(new, worsening or unexplained") == 14
    assert (
        "Sciatica, numbness or weakness in both legs (new, worsening or unexplained; "
        "not stable claudication in both legs)" in page
    )
    assert "IV drug use (new, worsening or unexplained)" in page
    assert "Iv drug use" not in page


def test_drugs_are_named_for_people(alice, episode_a):
    page = text(alice.get(f"/episodes/{episode_a.pk}/assess/"))
    assert "NSAID" in page and "Nsaid" not in page
