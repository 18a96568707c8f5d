"""`seed_demo` builds the same invented world from the same seed, and never on a live system."""

import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from spinepath.accounts.models import Clinic, User
from spinepath.lib import nhs_number
from spinepath.patients.models import Episode, Patient

ARGS = ["--patients", "12", "--seed", "3", "--today", "2026-11-01"]


@pytest.fixture(autouse=True)
def debug_on():
    with override_settings(DEBUG=True):
        yield


def _seed(*args):
    stdout = StringIO()
    call_command("seed_demo", *args, stdout=stdout)
    return stdout.getvalue()


def _world():
    return [
        (p.given_name, p.family_name, p.date_of_birth, p.nhs_number, p.mrn, p.clinic.code)
        for p in Patient.objects.select_related("clinic").order_by("mrn")
    ], list(Episode.objects.order_by("patient__mrn").values_list("condition", "stage"))


def _seed_and_roll_back(*args):
    """Build, capture and undo, so two runs can be compared in one test database."""
    with transaction.atomic():
        _seed(*args)
        world = _world()
        transaction.set_rollback(True)
    assert not Patient.objects.exists()
    return world


def test_it_creates_two_clinics_and_a_user_per_role_in_each(db):
    output = _seed(*ARGS)
    assert "Loaded 12 demo patients in 2 clinics." in output
    assert sorted(Clinic.objects.values_list("code", flat=True)) == ["a", "b"]
    users = {u.username: (u.role, u.clinic.code) for u in User.objects.select_related("clinic")}
    assert users == {
        f"{role}-{clinic}": (role, clinic)
        for role in ("clinician", "physiotherapist", "admin", "analyst")
        for clinic in ("a", "b")
    }


def test_it_creates_patients_with_valid_nhs_numbers_from_the_999_range(db):
    _seed(*ARGS)
    numbers = list(Patient.objects.values_list("nhs_number", flat=True))
    assert len(numbers) == 12
    assert len(set(numbers)) == 12
    for number in numbers:
        assert number.startswith("999")
        assert nhs_number.is_valid(number), number
    assert Patient.objects.filter(clinic__code="a").count() == 6


def test_every_episode_has_its_referral_and_stage_moves_on_the_timeline(db):
    _seed(*ARGS)
    for episode in Episode.objects.all():
        kinds = list(episode.timeline.values_list("kind", flat=True))
        assert kinds.count("referral") == 1
        assert ("stage" in kinds) == (episode.stage != "referred")


def test_it_has_episodes_at_every_stage(db):
    _seed(*ARGS)
    assert set(Episode.objects.values_list("stage", flat=True)) == set(Episode.Stage.values)


def test_the_same_seed_and_day_give_the_same_world(db):
    first = _seed_and_roll_back(*ARGS)
    second = _seed_and_roll_back(*ARGS)
    assert first == second
    assert len(first[0]) == 12


def test_another_seed_gives_another_world(db):
    assert _seed_and_roll_back(*ARGS) != _seed_and_roll_back(*ARGS[:2], "--seed", "4", *ARGS[4:])


def test_it_refuses_to_run_with_debug_off(db):
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="DEBUG off"):
        _seed(*ARGS)
    assert not Patient.objects.exists()
    assert not User.objects.exists()


def test_force_lets_it_run_with_debug_off(db):
    with override_settings(DEBUG=False):
        _seed(*ARGS, "--force")
    assert Patient.objects.count() == 12


def test_if_empty_does_nothing_the_second_time(db):
    _seed(*ARGS, "--if-empty")
    before = list(Patient.objects.order_by("pk").values_list("pk", flat=True))
    assert "already loaded" in _seed("--patients", "5", "--if-empty")
    assert list(Patient.objects.order_by("pk").values_list("pk", flat=True)) == before
    assert User.objects.count() == 8


def test_a_second_run_without_if_empty_is_refused(db):
    _seed(*ARGS)
    with pytest.raises(CommandError, match="already loaded"):
        _seed(*ARGS)
    assert Patient.objects.count() == 12


def test_a_demo_clinician_can_sign_in_and_see_only_their_clinic(client, db):
    _seed(*ARGS)
    r = client.post(
        "/login/", {"username": "clinician-a", "password": settings.SPINEPATH_DEMO_PASSWORD}
    )
    assert r.status_code == 302
    page = client.get("/").content.decode()
    listed = set(re.findall(r'href="/episodes/([0-9a-f-]{36})/"', page))
    assert listed
    shown = set(
        Episode.objects.filter(pk__in=listed).values_list("patient__clinic__code", flat=True)
    )
    assert shown == {"a"}
