"""Restriction (Art. 18) and erasure as pseudonymisation (Art. 17): patients/rights.py.

A restricted record leaves searches, worklists, the waiting list, injection lists, messages and
the research extract, and comes back when lifted; an erased record keeps no identifier in any
text column of any table (the audit log aside, which is append-only and still verifies), and
the outcomes dashboard says exactly what it said before.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from spinepath.accounts.models import AuditEvent
from spinepath.analytics.dashboard import panels, table_rows
from spinepath.analytics.extract import extract_tables
from spinepath.analytics.queries import OutcomeFilters, scope_for, summary
from spinepath.followup import links, sending
from spinepath.followup.models import FollowUpLink, MessageLog, TimePoint
from spinepath.followup.tests.helpers import answer, backdate, treated
from spinepath.patients import rights
from spinepath.patients.episodes import episode_discharge
from spinepath.patients.models import Patient
from spinepath.scheduling.models import Booking, Session
from spinepath.testing import api_client_for, make_episode, make_patient

pytestmark = pytest.mark.django_db

NAME = ("Quenby", "Faraday-Ostrowski")
NHS = "9434765870"
MRN = "MRN-QF-4471"
EMAIL = "quenby.fo@example.net"
PHONE = "07700 900461"
BORN = date(1961, 3, 14)
SAID = f"Quenby Faraday-Ostrowski (NHS {NHS[:3]} {NHS[3:6]} {NHS[6:]}, born 14/03/1961)"
NOW = timezone.make_aware(datetime(2026, 11, 20, 10, 0))


def _patient(clinic: Any) -> Patient:
    return make_patient(
        clinic,
        given_name=NAME[0],
        family_name=NAME[1],
        date_of_birth=BORN,
        nhs_number=NHS,
        mrn=MRN,
        email=EMAIL,
        phone=PHONE,
        notes=f"Prefers mornings; daughter's number on file. Call {PHONE}.",
    )


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def patient(clinic_a: Any) -> Patient:
    return _patient(clinic_a)


# --- Restriction --------------------------------------------------------------------------------


def test_restriction_hides_the_record_from_search_and_worklists_until_lifted(
    patient, admin_a, clinician_a
):
    make_episode(patient)
    other = make_patient(
        patient.clinic, given_name="Quinn", family_name="Faraday", nhs_number="9434765889"
    )
    make_episode(other)
    client = _client(clinician_a)

    def found(term: str) -> bool:
        page = client.post("/patients/search/", {"q": term}).content.decode()
        return NAME[1].lower() in page.lower()

    def listed() -> bool:
        return NAME[1].lower() in client.get("/").content.decode().lower()

    assert found(NHS) and found("Faraday") and listed()
    rights.restrict_record(None, patient=patient, by=admin_a, reason="Patient asked, letter 3 Nov.",
                           at=NOW)  # fmt: skip
    assert not found(NHS) and not found("Faraday") and not listed()
    assert "Quinn" in client.post("/patients/search/", {"q": "Faraday"}).content.decode()
    # Staff may still open it to give care, under the banner, and the look is audited.
    page = client.get(f"/patients/{patient.pk}/").content.decode()
    assert "Restricted record" in page and "Patient asked, letter 3 Nov." in page
    assert AuditEvent.objects.filter(
        action="read", patient_id=str(patient.pk), username="alice"
    ).exists()
    rights.lift_restriction(None, patient=patient, by=admin_a, reason="Dispute resolved 20 Nov.",
                            at=NOW + timedelta(days=1))  # fmt: skip
    assert found(NHS) and listed()
    assert "Restricted record" not in client.get(f"/patients/{patient.pk}/").content.decode()
    events = AuditEvent.objects.filter(patient_id=str(patient.pk), action="update")
    assert [e.detail["patient_rights"] for e in events.order_by("at")] == [
        "restricted",
        "restriction_lifted",
    ]


def _at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def test_messages_are_held_while_restricted_and_judged_again_when_lifted(
    patient, admin_a, clinician_a, mailoutbox
):
    record = treated(make_episode(patient), clinician_a)
    two_weeks = TimePoint.objects.get(procedure=record, label="2w")
    due = _at(two_weeks.due_on)
    rights.restrict_record(None, patient=patient, by=admin_a, reason="Patient asked to pause.",
                           at=due - timedelta(days=1))  # fmt: skip
    report = sending.send_due(at=due)
    assert report.sent == 0 and not mailoutbox
    assert not MessageLog.objects.filter(time_point=two_weeks).exists()  # nothing planned
    # A message queued before the restriction (a staff resend) is held, not lost.
    held = MessageLog.objects.create(
        time_point=two_weeks, channel="email", kind="resend", next_attempt_at=due, created_at=due
    )
    sending.send_due(at=due + timedelta(hours=1))
    held.refresh_from_db()
    assert held.status == "queued" and held.next_attempt_at == due and not mailoutbox
    # Lifted while the answer window is open: the held message and the reminder now due go.
    lifted = _at(two_weeks.due_on + timedelta(days=3), 8)
    rights.lift_restriction(None, patient=patient, by=admin_a, reason="Pause ended, as agreed.",
                            at=lifted)  # fmt: skip
    sending.send_due(at=lifted + timedelta(hours=2))
    held.refresh_from_db()
    assert held.status == "sent" and len(mailoutbox) == 2


def test_a_held_message_whose_time_has_passed_is_not_sent_after_the_lift(
    patient, admin_a, clinician_a, mailoutbox
):
    record = treated(make_episode(patient), clinician_a)
    two_weeks = TimePoint.objects.get(procedure=record, label="2w")
    due = _at(two_weeks.due_on)
    held = MessageLog.objects.create(
        time_point=two_weeks, channel="email", kind="resend", next_attempt_at=due, created_at=due
    )
    rights.restrict_record(None, patient=patient, by=admin_a, reason="Patient asked to pause.",
                           at=due - timedelta(hours=1))  # fmt: skip
    late = links.window_closes(two_weeks) + timedelta(days=1)
    rights.lift_restriction(None, patient=patient, by=admin_a, reason="Pause ended, as agreed.",
                            at=late)  # fmt: skip
    sending.send_due(at=late)
    held.refresh_from_db()
    assert held.status == "failed" and "time to answer had passed" in held.last_error
    assert not mailoutbox


def test_restricted_records_leave_the_research_extract(patient, admin_a, clinician_a):
    backdate(treated(make_episode(patient), clinician_a), 30)
    assert extract_tables()[0].num_rows == 1
    rights.restrict_record(None, patient=patient, by=admin_a, reason="Patient objects to research.")
    assert extract_tables()[0].num_rows == 0


def test_restriction_needs_an_admin_of_the_clinic_and_a_reason(
    patient, admin_a, admin_b, clinician_a
):
    with pytest.raises(PermissionDenied):
        rights.restrict_record(None, patient=patient, by=clinician_a, reason="Because I say so.")
    with pytest.raises(PermissionDenied):
        rights.restrict_record(None, patient=patient, by=admin_b, reason="Because I say so.")
    with pytest.raises(ValidationError):
        rights.restrict_record(None, patient=patient, by=admin_a, reason="  short ")
    with pytest.raises(rights.RightsRefused):
        rights.lift_restriction(None, patient=patient, by=admin_a, reason="Nothing to lift here.")
    patient.refresh_from_db()
    assert patient.restricted_at is None
    assert not AuditEvent.objects.filter(patient_id=str(patient.pk), action="update").exists()


def test_the_page_is_for_admins_of_the_clinic_only(patient, admin_a, admin_b, clinician_a):
    url = f"/patients/{patient.pk}/rights/"
    assert _client(clinician_a).get(url).status_code == 403
    refused = _client(clinician_a).post(url, {"action": "restrict", "restriction-reason": "x" * 20})
    assert refused.status_code == 403
    assert _client(admin_b).get(url).status_code == 404
    admin = _client(admin_a)
    assert admin.post(url, {"action": "restrict", "restriction-reason": "no"}).status_code == 400
    assert admin.post(url, {"action": "erase", "erase-reason": "Patient's request of 3 Nov.",
                            "erase-confirmation": "erase"}).status_code == 400  # fmt: skip
    patient.refresh_from_db()
    assert patient.restricted_at is None and patient.erased_at is None
    done = admin.post(url, {"action": "restrict", "restriction-reason": "Patient's letter, 3 Nov."})
    assert done.status_code == 302
    patient.refresh_from_db()
    assert patient.restricted_at is not None


# --- Erasure ------------------------------------------------------------------------------------


def _text_columns() -> list[tuple[str, str]]:
    """Every text-like column of every table (AuditEvent aside: checked on its own below)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table == AuditEvent._meta.db_table:
                continue
            for column in connection.introspection.get_table_description(cursor, table):
                kind = connection.introspection.get_field_type(column.type_code, column)
                if kind in ("CharField", "TextField", "JSONField", "EmailField"):
                    found.append((table, column.name))
    return found


def _holding(needle: str) -> list[str]:
    """``table.column`` of every text column, any row, that contains ``needle`` (any case)."""
    quote = connection.ops.quote_name
    hits = []
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            cursor.execute(
                f"SELECT 1 FROM {quote(table)} WHERE LOWER(CAST({quote(column)} AS TEXT)) "  # noqa: S608
                "LIKE %s LIMIT 1",
                [f"%{needle.lower()}%"],
            )
            if cursor.fetchone():
                hits.append(f"{table}.{column}")
    return hits


IDENTIFIERS = [
    NAME[0],
    NAME[1],
    NHS,
    f"{NHS[:3]} {NHS[3:6]} {NHS[6:]}",
    MRN,
    EMAIL,
    PHONE,
    PHONE.replace(" ", ""),
    BORN.isoformat(),
    "14/03/1961",
]
HELD_BEFORE = [NAME[0], NAME[1], NHS, f"{NHS[:3]} {NHS[3:6]} {NHS[6:]}", MRN, EMAIL, PHONE,
               "14/03/1961"]  # fmt: skip


def _born_on_columns() -> list[str]:
    """``table.column`` of every date column, any row, holding the exact date of birth."""
    quote = connection.ops.quote_name
    hits = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                if connection.introspection.get_field_type(column.type_code, column) != "DateField":
                    continue
                cursor.execute(
                    f"SELECT 1 FROM {quote(table)} WHERE {quote(column.name)} = %s LIMIT 1",  # noqa: S608
                    [BORN],
                )
                if cursor.fetchone():
                    hits.append(f"{table}.{column.name}")
    return hits


def _erasable_world(patient: Patient, clinician: Any) -> dict[str, Any]:
    """A treated patient whose name, numbers and birthday sit in free text everywhere."""
    episode = make_episode(patient, referral_reason=f"Please see {SAID}; phone {PHONE}.")
    record = backdate(treated(episode, clinician, notes=f"{NAME[0]} tolerated it well."), 60)
    answer(record, "2w", nrs_leg=3, nrs_back=3, pgic=2)
    episode.log("note", f"Spoke to {NAME[0]} {NAME[1]} on {PHONE}", detail={"email": EMAIL})
    six_weeks = TimePoint.objects.get(procedure=record, label="6w")
    _link, token = links.issue(six_weeks, at=NOW)
    queued = MessageLog.objects.create(
        time_point=six_weeks, channel="email", kind="resend", next_attempt_at=NOW, created_at=NOW
    )
    session = Session.objects.create(
        clinic=patient.clinic, date=date(2026, 12, 1), start_time=time(9), room="Theatre 2",
        modality="fluoroscopy", operator=clinician, capacity=6,
    )  # fmt: skip
    booking = Booking.objects.create(
        episode=episode, session=session, procedure="transforaminal_epidural", status="cancelled",
        reason=f"{NAME[1]} asked to move it ({EMAIL})", link_hash="a" * 64,
        link_expires_at=NOW + timedelta(days=9),
    )  # fmt: skip
    episode_discharge(None, episode=episode, outcome="self_managing", by=clinician,
                      note=f"Discharged; letter to {NAME[0]} {NAME[1]}, MRN {MRN}.")  # fmt: skip
    return {"token": token, "queued": queued, "booking": booking, "record": record}


def _figures(user: Any) -> tuple[Any, ...]:
    """The dashboard's totals and every panel's table, and the API's summary."""
    today = timezone.localdate()
    board = panels(OutcomeFilters(), scope_for(user), on=today)
    return (
        board.procedures,
        board.patients,
        [(panel.key, table_rows(panel)) for panel in board.panels],
        summary(OutcomeFilters(), scope_for(user), on=today),
    )


def test_erasure_removes_every_identifier_and_keeps_the_figures_and_the_audit_chain(
    patient, admin_a, clinician_a
):
    world = _erasable_world(patient, clinician_a)
    for needle in HELD_BEFORE:
        assert _holding(needle), needle  # the world does hold each one before
    assert _born_on_columns() == ["patients_patient.date_of_birth"]
    before = _figures(clinician_a)
    audit_before = list(AuditEvent.objects.order_by("seq").values_list("seq", "hash"))

    rights.erase_record(None, patient=patient, by=admin_a, reason="Patient's request of 3 Nov.",
                        confirmation="ERASE", at=NOW)  # fmt: skip

    for needle in IDENTIFIERS:
        assert _holding(needle) == [], needle
    assert _born_on_columns() == []
    patient.refresh_from_db()
    assert (patient.given_name, patient.nhs_number, patient.email, patient.phone) == (
        "Pseudonymised", "", "", ""
    )  # fmt: skip
    assert patient.date_of_birth.year == 1961 and patient.erased_at == NOW
    assert _figures(clinician_a) == before
    # The patient's links stop working; what was not yet sent never will be.
    assert links.find_usable(world["token"], at=NOW) is None
    assert not FollowUpLink.objects.filter(
        time_point__episode__patient=patient, revoked_at__isnull=True
    ).exists()
    world["queued"].refresh_from_db()
    assert world["queued"].status == "failed" and world["queued"].next_attempt_at is None
    world["booking"].refresh_from_db()
    assert world["booking"].link_hash == ""
    # The audit log: every earlier row as it was, one new event naming no identifier, verified.
    assert list(AuditEvent.objects.filter(seq__lte=audit_before[-1][0]).order_by("seq")
                .values_list("seq", "hash")) == audit_before  # fmt: skip
    erased = AuditEvent.objects.get(patient_id=str(patient.pk), detail__patient_rights="erased")
    text = f"{erased.detail} {erased.reason} {erased.changed_fields}".lower()
    assert not [n for n in IDENTIFIERS if n.lower() in text]
    call_command("verify_audit", stdout=StringIO(), stderr=StringIO())
    # The record says what happened, and that it cannot be undone.
    page = _client(clinician_a).get(f"/patients/{patient.pk}/").content.decode()
    assert "Pseudonymised record" in page and "cannot be restored" in page
    assert "1961 (year only)" in page and "1 July 1961" not in page
    api = api_client_for(Client(), clinician_a)
    bundle = api.get(f"/fhir/Patient/{patient.pk}").json()
    assert bundle["birthDate"] == "1961" and "telecom" not in bundle
    # Nobody types the identity back in: the page and the API refuse it.
    edit = _client(clinician_a).get(f"/patients/{patient.pk}/edit/")
    assert edit.status_code == 302
    again = api.patch(f"/api/v1/patients/{patient.pk}", {"family_name": NAME[1]})
    assert again.status_code == 409 and _holding(NAME[1]) == []
    assert (
        api.patch(f"/api/v1/patients/{patient.pk}", {"interpreter_needed": True}).status_code == 200
    )


def test_erasure_is_refused_while_care_is_open_or_unconfirmed(patient, admin_a, clinician_a):
    make_episode(patient)
    with pytest.raises(ValidationError):
        rights.erase_record(None, patient=patient, by=admin_a, reason="Patient's request.",
                            confirmation="yes")  # fmt: skip
    with pytest.raises(rights.RightsRefused, match="Discharge every open episode"):
        rights.erase_record(None, patient=patient, by=admin_a, reason="Patient's request.",
                            confirmation="ERASE")  # fmt: skip
    with pytest.raises(PermissionDenied):
        rights.erase_record(None, patient=patient, by=clinician_a, reason="Patient's request.",
                            confirmation="ERASE")  # fmt: skip
    patient.refresh_from_db()
    assert patient.family_name == NAME[1] and patient.erased_at is None


def test_the_scrubber_replaces_identifiers_and_leaves_ordinary_words(patient):
    scrub = rights.Scrubber.for_patient(patient)
    said = scrub.text(f"Seen {SAID} today")
    assert said == "Seen [removed] (NHS [removed], born [removed]) today"
    assert scrub.text("+44 7700 900461 or 14 March 1961") == "[removed] or [removed]"
    assert scrub.text("quenby faraday-ostrowski") == "[removed]"
    assert scrub.text("Quenbyx and nrs_leg") == "Quenbyx and nrs_leg"
    assert scrub.json({"a": [f"to {EMAIL}"], "n": 3}) == {"a": ["to [removed]"], "n": 3}


# --- Restriction and the rest of the service ----------------------------------------------------


def test_a_restricted_patient_needing_urgent_action_stays_at_the_top_of_the_worklists(
    patient, admin_a, clinician_a
):
    from spinepath.onward.actions import needing_action
    from spinepath.testing import make_decision

    episode = make_episode(patient)
    make_decision(episode, clinician_a, red_flags=["saddle_anaesthesia", "bladder_dysfunction"])
    rights.restrict_record(None, patient=patient, by=admin_a, reason="Patient's letter, 3 Nov.")
    # Safety first (docs/safety-case.md H16): the urgent referral must still be made.
    assert [a.episode.pk for a in needing_action(patient.clinic_id)] == [episode.pk]
    page = _client(clinician_a).get("/").content.decode().lower()
    assert page.count(NAME[1].lower()) >= 1 and "needs urgent action" in page


def test_injection_lists_leave_out_restricted_bookings_and_hold_their_emails(
    patient, admin_a, clinician_a, mailoutbox, django_capture_on_commit_callbacks
):
    from spinepath.scheduling import messages as booking_messages
    from spinepath.scheduling.booking import booking_create
    from spinepath.scheduling.tests.helpers import consented, make_session

    episode = make_episode(patient)
    consented(episode, clinician_a)
    session = make_session(admin_a, days=2)
    booking = booking_create(None, episode=episode, session=session, by=admin_a)
    # Booked two days ago: its reminder is due now.
    Booking.objects.filter(pk=booking.pk).update(booked_at=timezone.now() - timedelta(days=2))
    rights.restrict_record(None, patient=patient, by=admin_a, reason="Patient's letter, 3 Nov.")
    assert booking_messages.send_instructions(booking.pk) is False
    assert booking_messages.send_due() == 0
    assert not mailoutbox
    admin = _client(admin_a)
    for url in (f"/sessions/{session.pk}/", f"/sessions/{session.pk}/day-list/"):
        page = admin.get(url).content.decode()
        assert NAME[1].lower() not in page.lower(), url
        assert "1 booking on restricted record is not listed" in page, url
    with django_capture_on_commit_callbacks(execute=False) as held:
        rights.lift_restriction(None, patient=patient, by=admin_a, reason="Dispute resolved.")
    assert len(held) == 1  # the instructions, enqueued again once the lift commits
    assert booking_messages.send_instructions(booking.pk) is True and len(mailoutbox) == 1
    assert booking_messages.send_due() == 1 and len(mailoutbox) == 2  # the reminder too
    page = admin.get(f"/sessions/{session.pk}/").content.decode()
    assert NAME[1].lower() in page.lower()


def test_the_command_runs_the_same_workflows_and_explains_refusals(patient, admin_a, clinician_a):
    def run(*args: str) -> str:
        out = StringIO()
        call_command("patient_rights", *args, stdout=out, stderr=StringIO())
        return out.getvalue()

    reason = ["--reason", "Ticket IG-2231: patient's request."]
    with pytest.raises(CommandError, match="Only a clinic administrator"):
        run("restrict", str(patient.pk), "--by", "alice", *reason)
    assert "restrict: done" in run("restrict", str(patient.pk), "--by", "ada", *reason)
    with pytest.raises(CommandError, match="Type ERASE"):
        run("erase", str(patient.pk), "--by", "ada", *reason)
    with pytest.raises(CommandError, match="No patient"):
        run("erase", "not-an-id", "--by", "ada", *reason)
    run("erase", str(patient.pk), "--by", "ada", *reason, "--confirm", "ERASE")
    patient.refresh_from_db()
    assert patient.erased_at is not None and patient.nhs_number == ""
    assert patient.restricted_at is not None  # erasure leaves the restriction as it was


def test_erasure_forgets_stored_replays_that_carry_the_patients_identity(patient, admin_a):
    from spinepath.accounts.models import SubmissionClaim

    def claim(key: str, body: str, location: str = "") -> SubmissionClaim:
        return SubmissionClaim.objects.create(
            kind=SubmissionClaim.API, scope="u:1", key=key, fingerprint="f", status=201,
            location=location, body=body, created_at=timezone.now(),
        )  # fmt: skip

    claim("by-id", f'{{"id": "{patient.pk}"}}')
    claim("by-name", f'{{"name": "{patient.full_name}"}}')
    claim("by-place", "", location=f"/patients/{patient.pk}/")
    claim("by-number", '{"note": "NHS ' + f'{NHS[:3]} {NHS[3:6]} {NHS[6:]}"' + "}")
    claim("by-birthday", '{"note": "born 14/03/1961"}')
    other = claim("other", '{"id": "someone else"}')
    kept = [other, claim("a-place", '{"note": "Faraday Road clinic"}')]  # not a whole name
    rights.erase_record(None, patient=patient, by=admin_a, reason="Patient's request of 3 Nov.",
                        confirmation="ERASE")  # fmt: skip
    assert list(SubmissionClaim.objects.order_by("pk")) == kept


_REFERRAL = {
    "condition": "sciatica",
    "laterality": "left",
    "referral_source": "gp",
    "referral_date": "2026-11-02",
    "referral_reason": "Leg pain again after a good year.",
    "conservative_care_weeks": 6,
}


def test_a_pseudonymised_record_takes_no_new_referral_and_is_not_re_opened(
    patient, admin_a, clinician_a, clinic_a, client
):
    """Care on a nameless record could not be messaged or matched to the person: the returning
    patient is registered again. A named neighbour still takes a referral the same way."""
    from spinepath.patients.episodes import EpisodeRefused, episode_reopen
    from spinepath.patients.models import NEW_REFERRAL_ON_ERASED, Episode

    episode = make_episode(patient)
    episode_discharge(None, episode=episode, outcome="self_managing", by=clinician_a, at=NOW)
    rights.erase_record(None, patient=patient, by=admin_a, reason="Patient's request.",
                        confirmation="ERASE", at=NOW)  # fmt: skip
    named = make_patient(clinic_a, given_name="Rowan", family_name="Oakes")

    with pytest.raises(EpisodeRefused, match="pseudonymised"):
        episode_reopen(None, episode=episode, reason="Pain back.", by=clinician_a, at=NOW)
    episode.refresh_from_db()
    assert not episode.is_open

    page = _client(clinician_a)
    answer_ = page.post(f"/patients/{patient.pk}/episodes/new/", _REFERRAL)
    assert answer_.status_code == 200 and NEW_REFERRAL_ON_ERASED in answer_.content.decode()
    detail = page.get(f"/patients/{patient.pk}/").content.decode()
    assert "New referral" not in detail and "Edit details" not in detail

    api = api_client_for(client, clinician_a)
    refused = api.post(f"/api/v1/patients/{patient.pk}/episodes", _REFERRAL)
    assert refused.status_code == 422, refused.content
    assert Episode.objects.filter(patient=patient).count() == 1

    accepted = api.post(f"/api/v1/patients/{named.pk}/episodes", _REFERRAL)
    assert accepted.status_code == 201, accepted.content
    assert "New referral" in page.get(f"/patients/{named.pk}/").content.decode()


def test_erasure_finds_a_name_in_a_replay_as_the_api_wrote_it(clinic_a, admin_a):
    """The API writes JSON with non-ASCII characters escaped: "Zoë" is stored as ``Zo\\u00eb``,
    and the search in the database must find it there, in capitals too."""
    import json

    from spinepath.accounts.models import SubmissionClaim

    zoe = make_patient(clinic_a, given_name="Zoë", family_name="Brontë", nhs_number="",
                       mrn="Z-1", email="")  # fmt: skip

    def claim(key: str, body: Any) -> SubmissionClaim:
        return SubmissionClaim.objects.create(
            kind=SubmissionClaim.API, scope="u:1", key=key, fingerprint="f", status=201,
            body=json.dumps(body), created_at=timezone.now(),
        )  # fmt: skip

    claim("full name", {"reason": "Referred: Zoë Brontë, leg pain."})
    claim("capitals", {"reason": "BRONTË, ZOË"})
    claim("one word", {"reason": "Zoë called back."})
    kept = [claim("another", {"reason": "Zoe Bronte"}), claim("empty", {})]
    assert "\\u00eb" in SubmissionClaim.objects.get(key="full name").body
    rights.erase_record(None, patient=zoe, by=admin_a, reason="Patient's request of 3 Nov.",
                        confirmation="ERASE")  # fmt: skip
    assert list(SubmissionClaim.objects.order_by("pk")) == kept
