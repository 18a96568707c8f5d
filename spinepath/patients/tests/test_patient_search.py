"""Finding a patient by name words, NHS number, MRN or date of birth — in one's own clinic only."""

from datetime import date

import pytest

from spinepath.patients.scope import patients_for
from spinepath.testing import make_patient


@pytest.fixture
def olwen(clinic_a):
    return make_patient(
        clinic_a,
        given_name="Olwen",
        family_name="Pritchard-Evans",
        nhs_number="4010232137",
        mrn="RX100234",
        date_of_birth=date(1961, 3, 9),
    )


@pytest.fixture
def others(clinic_a, clinic_b):
    """A near-miss in clinic A and Olwen's namesake in clinic B, who must never be found."""
    make_patient(clinic_a, given_name="Owen", family_name="Evans", nhs_number="9434765919")
    make_patient(
        clinic_b,
        given_name="Olwen",
        family_name="Pritchard-Evans",
        nhs_number="4010232137",
        mrn="RX100234",
        date_of_birth=date(1961, 3, 9),
    )


def _found(clinician, term):
    return list(patients_for(clinician).search(term))


@pytest.mark.parametrize(
    "term",
    [
        "olwen",
        "PRITCHARD",
        "pritchard olwen",
        "Pritchard, Olwen",
        "evans olw",
        "401 023 2137",
        "401-023-2137",
        "4010232137",
        "RX100234",
        "rx100234",
        "09/03/1961",
        "9/3/1961",
        "1961-03-09",
    ],
)
def test_it_finds_the_patient(clinician_a, olwen, others, term):
    assert _found(clinician_a, term) == [olwen]


@pytest.mark.parametrize("term", ["olwen smith", "4010232138", "RX1002", "10/03/1961", "zz"])
def test_it_finds_nobody_on_a_near_miss(clinician_a, olwen, others, term):
    assert _found(clinician_a, term) == []


def test_every_name_word_must_match(clinician_a, olwen, others):
    assert {p.given_name for p in _found(clinician_a, "evans")} == {"Olwen", "Owen"}
    assert [p.given_name for p in _found(clinician_a, "evans owen")] == ["Owen"]
    assert _found(clinician_a, "evans olwen") == [olwen]


def test_another_clinic_searching_finds_only_their_own(clinician_b, olwen, others):
    [found] = _found(clinician_b, "401 023 2137")
    assert found.clinic.code == "tb"


def test_the_search_page_finds_by_nhs_number_with_spaces(client, clinician_a, olwen, others):
    client.force_login(clinician_a)
    r = client.post("/patients/search/", {"q": "401 023 2137"})
    assert r.status_code == 200
    assert r.context["results"] == [olwen]
    assert b"1 result" in r.content
    assert f"/patients/{olwen.pk}/".encode() in r.content


def test_the_search_page_never_shows_another_clinics_patients(client, clinician_a, clinic_b):
    make_patient(clinic_b, given_name="Brian", family_name="Baker")
    client.force_login(clinician_a)
    r = client.post("/patients/search/", {"q": "baker"})
    assert r.context["results"] == []
    assert b"No patient in your clinic matches" in r.content


def test_the_api_search_finds_by_date_of_birth(api_a, olwen, others):
    r = api_a.get("/api/v1/patients", data={"q": "09/03/1961"})
    assert r.status_code == 200
    assert [p["id"] for p in r.json()["items"]] == [str(olwen.pk)]


def test_the_search_is_posted_so_terms_stay_out_of_urls(client, clinician_a):
    client.force_login(clinician_a)
    body = client.get("/patients/search/").content.decode()
    assert '<form method="post" role="search"' in body
