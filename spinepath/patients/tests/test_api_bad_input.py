"""Malformed API requests get a 4xx that names the field, and nothing is written. Never a 500."""

import pytest

from spinepath.accounts.models import AuditEvent
from spinepath.patients.models import Episode, Patient, TimelineEvent
from spinepath.testing import make_patient

PATIENT = {
    "given_name": "Olwen",
    "family_name": "Pritchard",
    "date_of_birth": "1961-03-09",
    "sex": "female",
    "mrn": "RX100",
}
EPISODE = {
    "condition": "sciatica",
    "laterality": "right",
    "referral_source": "gp",
    "referral_date": "2026-10-01",
    "referral_reason": "Right leg pain.",
}


def _everything():
    counts = [model.objects.count() for model in (TimelineEvent, AuditEvent)]
    return (
        counts,
        list(Patient.objects.order_by("pk").values()),
        list(Episode.objects.order_by("pk").values()),
    )


@pytest.fixture
def nothing_written(episode_a):
    """Fails the test if the request wrote anything at all. List it after set-up fixtures."""
    before = _everything()
    yield
    assert _everything() == before


@pytest.fixture
def patient_with_mrn(clinic_a):
    return make_patient(clinic_a, nhs_number="4010232137", mrn="RX100")


def _fields(response):
    assert response.status_code == 422, response.content
    return {error["field"] for error in response.json()["detail"]}


def test_invalid_json_is_a_400_saying_so(api_a, nothing_written):
    r = api_a.post("/api/v1/patients", '{"given_name": "Olwen",')
    assert r.status_code == 400
    assert r.json() == {"detail": "Cannot parse request body"}


@pytest.mark.parametrize("body", ["[1, 2]", '"Olwen"', "null", ""])
def test_a_body_that_is_not_an_object_is_refused(api_a, nothing_written, body):
    assert api_a.post("/api/v1/patients", body).status_code in (400, 422)


def test_missing_required_fields_are_each_named(api_a, nothing_written):
    r = api_a.post("/api/v1/patients", {"mrn": "RX100"})
    assert _fields(r) == {"given_name", "family_name", "date_of_birth", "sex"}
    assert {e["msg"] for e in r.json()["detail"]} == {"Field required"}


@pytest.mark.parametrize(
    "field, value",
    [
        ("given_name", 5),
        ("given_name", ""),
        ("given_name", "x" * 101),
        ("date_of_birth", "17/05/1970"),
        ("date_of_birth", "1970-02-30"),
        ("interpreter_needed", "maybe"),
        ("notes", ["a", "list"]),
        ("email", "not-an-email"),
        ("mrn", "RX\x00100"),
        ("notes", "a NUL \x00 character"),
    ],
)
def test_a_wrong_value_is_named(api_a, nothing_written, field, value):
    assert _fields(api_a.post("/api/v1/patients", {**PATIENT, field: value})) == {field}


@pytest.mark.parametrize("field, value", [("sex", "alien"), ("preferred_language", "xx")])
def test_an_unknown_code_is_named_with_the_codes_allowed(api_a, nothing_written, field, value):
    r = api_a.post("/api/v1/patients", {**PATIENT, field: value})
    assert _fields(r) == {field}
    assert "Input should be" in r.json()["detail"][0]["msg"]


def test_a_patient_needs_an_nhs_number_or_an_mrn(api_a, nothing_written):
    r = api_a.post("/api/v1/patients", {**PATIENT, "mrn": ""})
    assert _fields(r) == {"nhs_number"}
    assert r.json()["detail"][0]["msg"] == "Give an NHS number, a local MRN, or both."


def test_a_duplicate_nhs_number_in_the_clinic_is_named(api_a, nothing_written):
    r = api_a.post("/api/v1/patients", {**PATIENT, "nhs_number": "943 476 5919"})
    assert _fields(r) == {"nhs_number"}
    assert r.json()["detail"][0]["msg"] == "Another patient in this clinic has this NHS number."


def test_a_duplicate_mrn_in_the_clinic_is_named(api_a, patient_with_mrn, nothing_written):
    r = api_a.post("/api/v1/patients", PATIENT)
    assert _fields(r) == {"mrn"}
    assert r.json()["detail"][0]["msg"] == "Another patient in this clinic has this MRN."


def test_an_update_to_another_patients_nhs_number_is_named(
    api_a, patient_with_mrn, nothing_written
):
    r = api_a.patch(f"/api/v1/patients/{patient_with_mrn.pk}", {"nhs_number": "943 476 5919"})
    assert _fields(r) == {"nhs_number"}


@pytest.mark.parametrize(
    "body, field",
    [
        ({"given_name": None}, "given_name"),
        ({"sex": "alien"}, "sex"),
        ({"date_of_birth": "yesterday"}, "date_of_birth"),
        ({"nhs_number": ""}, "nhs_number"),  # the patient has no MRN to fall back on
        ({"email": "mary@"}, "email"),
    ],
)
def test_a_bad_update_is_named_and_changes_nothing(api_a, episode_a, nothing_written, body, field):
    r = api_a.patch(f"/api/v1/patients/{episode_a.patient_id}", body)
    assert _fields(r) == {field}


@pytest.mark.parametrize(
    "field, value",
    [
        ("condition", "migraine"),
        ("laterality", "both"),
        ("referral_source", "neighbour"),
        ("referral_date", "soon"),
        ("referral_reason", ""),
        ("conservative_care_weeks", -1),
        ("conservative_care_weeks", 9999),
        ("conservative_care_weeks", "six"),
        ("referrer_name", "Dr \x00"),
    ],
)
def test_a_bad_referral_is_named(api_a, episode_a, nothing_written, field, value):
    url = f"/api/v1/patients/{episode_a.patient_id}/episodes"
    assert _fields(api_a.post(url, {**EPISODE, field: value})) == {field}


def test_a_referral_missing_its_fields_names_them(api_a, episode_a, nothing_written):
    r = api_a.post(f"/api/v1/patients/{episode_a.patient_id}/episodes", {})
    assert _fields(r) == {"condition", "referral_source", "referral_date", "referral_reason"}


@pytest.mark.parametrize(
    "body, field",
    [
        ({"condition": "migraine"}, "condition"),
        ({"referral_reason": None}, "referral_reason"),
        ({"conservative_care_weeks": -3}, "conservative_care_weeks"),
    ],
)
def test_a_bad_referral_update_is_named(api_a, episode_a, nothing_written, body, field):
    assert _fields(api_a.patch(f"/api/v1/episodes/{episode_a.pk}", body)) == {field}


@pytest.mark.parametrize("query, field", [({"page": "0"}, "page"), ({"page": "two"}, "page")])
def test_a_bad_list_query_is_named(api_a, nothing_written, query, field):
    assert _fields(api_a.get("/api/v1/patients", data=query)) == {field}


def test_a_search_term_with_a_nul_character_is_refused(api_a, nothing_written):
    assert _fields(api_a.get("/api/v1/patients", data={"q": "Jo\x00nes"})) == {"q"}


def test_a_malformed_record_id_is_a_4xx(api_a, nothing_written):
    assert api_a.get("/api/v1/patients/not-a-uuid").status_code in (404, 422)
    assert api_a.patch("/api/v1/episodes/123", {"laterality": "left"}).status_code in (404, 422)


def test_a_good_request_after_all_that_still_works(api_a, clinic_a):
    r = api_a.post("/api/v1/patients", PATIENT)
    assert r.status_code == 201
    assert clinic_a.patients.filter(mrn="RX100").exists()
