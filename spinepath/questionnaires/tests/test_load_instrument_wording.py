"""Loading a clinic's licensed wording: checked against the structure, all or nothing.

The wording below is invented for the tests; it is not any instrument's licensed text.
"""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from spinepath.assessment.tests.helpers import form_data
from spinepath.clinical.instruments import Wording
from spinepath.questionnaires.models import LicensedWording, QuestionnaireResponse
from spinepath.questionnaires.wording import current_instruments

S1_TEXT = "Test wording: how is the thing in section one today?"
S1_OPTIONS = [f"Test answer {letter}" for letter in "ABCDEF"]


def odi_section(n):
    return {
        "text": f"Test wording for section {n}",
        "options": [f"S{n} level {v}" for v in range(6)],
    }


@pytest.fixture
def write(tmp_path):
    def write(data, name="wording.json"):
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
        return path

    return write


def load(path):
    call_command("load_instrument_wording", str(path), stdout=io.StringIO())


def test_it_loads_wording_for_one_item(db, write):
    load(write({"odi": {"s1": {"text": S1_TEXT, "options": S1_OPTIONS}}}))
    row = LicensedWording.objects.get()
    assert row.instrument == "odi"
    assert row.source_name == "wording.json"
    assert row.wording["s1"]["text"] == S1_TEXT

    odi = current_instruments()["odi"]
    assert odi.item("s1").text == S1_TEXT
    assert [o.text for o in odi.item("s1").options] == S1_OPTIONS
    assert [o.value for o in odi.item("s1").options] == [0, 1, 2, 3, 4, 5]
    assert odi.item("s2").placeholder
    # One section is not the questionnaire: the form must still say it is incomplete.
    assert odi.wording == Wording.PLACEHOLDER


def test_it_reports_what_it_loaded(db, write, capsys):
    call_command("load_instrument_wording", str(write({"odi": {"s1": odi_section(1)}})))
    assert "Loaded wording for odi: 1 items." in capsys.readouterr().out


def test_it_marks_a_complete_instrument_as_clinic_supplied(db, write):
    load(write({"odi": {f"s{n}": odi_section(n) for n in range(1, 11)}}))
    odi = current_instruments()["odi"]
    assert odi.wording == Wording.CLINIC_SUPPLIED
    assert not any(item.placeholder for item in odi.items)


def test_it_replaces_earlier_wording(db, write):
    load(write({"odi": {"s1": odi_section(1)}}))
    load(write({"odi": {"s1": {"text": S1_TEXT, "options": S1_OPTIONS}}}, name="v2.json"))
    row = LicensedWording.objects.get()
    assert row.source_name == "v2.json"
    assert current_instruments()["odi"].item("s1").text == S1_TEXT


def test_it_shows_loaded_wording_on_the_assessment_form(client, clinician_a, episode_a, write):
    load(write({"odi": {"s1": {"text": S1_TEXT, "options": S1_OPTIONS}}}))
    client.force_login(clinician_a)
    page = client.get(f"/episodes/{episode_a.pk}/assess/").content.decode()
    assert f"Pain intensity: {S1_TEXT}" in page
    assert "0 — Test answer A" in page
    assert "5 — Test answer F" in page
    assert "Licensed wording not loaded — ODI section 2" in page


def test_it_drops_the_placeholder_notice_once_complete(client, clinician_a, episode_a, write):
    load(write({"odi": {f"s{n}": odi_section(n) for n in range(1, 11)}}))
    client.force_login(clinician_a)
    page = client.get(f"/episodes/{episode_a.pk}/assess/").content.decode()
    assert "Licensed wording not loaded — ODI" not in page
    # STarT Back is still on placeholders and still says so.
    assert "Licensed wording not loaded — STarT Back" in page


def test_it_scores_answers_given_against_loaded_wording(client, clinician_a, episode_a, write):
    load(write({"odi": {f"s{n}": odi_section(n) for n in range(1, 11)}}))
    client.force_login(clinician_a)
    data = form_data(**{f"q-odi__s{n}": "3" for n in range(1, 11)})
    assert client.post(f"/episodes/{episode_a.pk}/assess/", data).status_code == 302
    odi = QuestionnaireResponse.objects.get(instrument="odi")
    assert (odi.score, odi.band) == (60.0, "severe")


@pytest.mark.parametrize(
    ("wording", "problem"),
    [
        ({"odi": {"s11": odi_section(11)}}, "odi.s11: unknown item for odi"),
        (
            {"odi": {"s1": {"text": S1_TEXT, "options": S1_OPTIONS[:5]}}},
            "odi.s1.options: 5 given but the item has 6 options",
        ),
        ({"odi": {"s1": {"text": "", "options": S1_OPTIONS}}}, "odi.s1.text: must be non-empty"),
        ({"phq9": {"q1": odi_section(1)}}, "phq9: unknown instrument"),
        (["odi"], "must be an object keyed by instrument code"),
    ],
    ids=["unknown-item", "option-count", "empty-text", "unknown-instrument", "not-an-object"],
)
def test_it_refuses_wording_that_does_not_fit(db, write, wording, problem):
    with pytest.raises(CommandError, match="nothing was loaded") as refused:
        load(write(wording))
    assert problem in str(refused.value)
    assert not LicensedWording.objects.exists()


def test_it_lists_every_problem_and_loads_none_of_the_file(db, write):
    wording = {
        "startback": {"q1": {"text": "Test wording", "options": ["No", "Yes"]}},
        "odi": {"s11": odi_section(11), "s1": {"text": S1_TEXT, "options": ["only one"]}},
    }
    with pytest.raises(CommandError) as refused:
        load(write(wording))
    message = str(refused.value)
    assert "odi.s11: unknown item" in message
    assert "odi.s1.options: 1 given but the item has 6 options" in message
    assert not LicensedWording.objects.exists()
    assert current_instruments()["startback"].item("q1").placeholder


def test_it_refuses_a_file_that_is_not_json(db, write):
    with pytest.raises(CommandError, match="is not valid JSON"):
        load(write("odi: s1: some text"))
    assert not LicensedWording.objects.exists()


def test_it_refuses_a_file_that_does_not_exist(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        load(tmp_path / "missing.json")
