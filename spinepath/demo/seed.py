"""Builds the demo world: two clinics, a staff member per role in each, and patients whose stories
are replayed through the real workflows (``story.py``).

Everything is drawn from one seeded ``random.Random`` in a fixed order and dated from ``today``,
so the same seed and day give the same data, identifiers included. The whole build is one
transaction: a story that a workflow refuses in a way the demo does not expect leaves nothing.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from spinepath.accounts.models import Clinic, Role, User
from spinepath.analytics.facts import rebuilt_once
from spinepath.clinical.vocab import Condition, Laterality, Outcome
from spinepath.demo import followup as follow_up
from spinepath.demo import names
from spinepath.demo.assessments import SHOW_FIRST, assign_outcomes
from spinepath.demo.sessions import injection_lists
from spinepath.demo.story import Story, at, replay
from spinepath.demo.wording import WORDING
from spinepath.lib import nhs_number
from spinepath.lib.batched import batched_inserts
from spinepath.patients.episodes import episode_create
from spinepath.patients.models import Episode, Language, Patient, ReferralSource, Sex
from spinepath.patients.registration import patient_register

CLINICS = (
    ("A", "Riverside Spinal Injection Service", "0113 496 0000"),
    ("B", "Hillview Musculoskeletal Clinic", "0161 496 0000"),
)

STAFF_NAMES = {
    "clinician": ("Anna", "Okafor"),
    "physiotherapist": ("Ben", "Lawson"),
    "admin": ("Cara", "Singh"),
    "analyst": ("Dev", "Mehta"),
}

# Rough case mix of a spinal injection service: radicular pain dominates.
CONDITION_WEIGHTS = {
    Condition.SCIATICA: 25,
    Condition.LUMBAR_DISC_HERNIATION: 22,
    Condition.FACET_JOINT_ARTHRITIS: 20,
    Condition.SPINAL_STENOSIS: 15,
    Condition.SACROILIAC_JOINT_INFLAMMATION: 10,
    Condition.NONSPECIFIC_LOW_BACK_PAIN: 8,
}

Stage = Episode.Stage
STAGE_WEIGHTS = {
    Stage.REFERRED: 20,
    Stage.ASSESSED: 15,
    Stage.CONSENTED: 10,
    Stage.TREATED: 10,
    Stage.FOLLOW_UP: 30,
    Stage.DISCHARGED: 15,
}
FIRST_ROUNDS = [*STAGE_WEIGHTS, Stage.ASSESSED]
"""The first patients of each clinic go as far as each stage in turn, so even a tiny demo shows
them all, and fourteen patients show every outcome; the rest follow the service's usual mix."""
DAYS_SINCE_REFERRAL = {
    Stage.REFERRED: (1, 21),
    Stage.ASSESSED: (14, 42),
    Stage.CONSENTED: (21, 56),
    Stage.TREATED: (40, 80),
    Stage.FOLLOW_UP: (100, 400),
    Stage.DISCHARGED: (250, 700),
}
SIDED = (
    Condition.SCIATICA,
    Condition.LUMBAR_DISC_HERNIATION,
    Condition.SACROILIAC_JOINT_INFLAMMATION,
)
HESITANT_SHARE = 0.05
"""Of the patients asked for consent, those who first decline, or agree and then withdraw."""


@dataclass
class DemoWorld:
    rng: random.Random
    today: date
    patient_count: int
    clinics: list[Clinic] = field(default_factory=list)
    staff: dict[tuple[str, str], User] = field(default_factory=dict)
    episodes: list[Episode] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)
    """The assessment scenario each episode was built on ("" for those not yet assessed)."""


def demo_nhs_number(rng: random.Random, taken: set[str]) -> str:
    while True:
        stem = "999" + "".join(str(rng.randrange(10)) for _ in range(6))
        digit = nhs_number.check_digit(stem)
        candidate = f"{stem}{digit}"
        if digit is not None and candidate not in taken:
            taken.add(candidate)
            return candidate


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def clinics_and_staff(world: DemoWorld) -> None:
    # One slow hash for the shared demo password, not one a login.
    password = make_password(settings.SPINEPATH_DEMO_PASSWORD)
    for code, name, phone in CLINICS:
        clinic, _ = Clinic.objects.get_or_create(
            code=code.lower(), defaults={"name": name, "phone": phone}
        )
        world.clinics.append(clinic)
        for role in Role:
            username = f"{role.value}-{code.lower()}"
            first, last = STAFF_NAMES[role.value]
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": f"{last} ({code})",
                    "role": role,
                    "clinic": clinic,
                    "email": f"{username}@example.org",
                    # The demo's clinician leads the clinic's rule set (may propose versions).
                    "is_clinical_lead": role == Role.CLINICIAN,
                },
            )
            if created:
                user.password = password
                user.save(update_fields=["password"])
            world.staff[(code.lower(), role.value)] = user


def _referral(world: DemoWorld, index: int, stage: str, taken: set[str]) -> Episode:
    """Register the patient and record the referral, on the day it arrived."""
    rng = world.rng
    clinic = world.clinics[index % len(world.clinics)]
    referred = world.today - timedelta(days=rng.randint(*DAYS_SINCE_REFERRAL[stage]))
    sex = rng.choices([Sex.FEMALE, Sex.MALE, Sex.OTHER], weights=[52, 47, 1])[0]
    given = rng.choice(names.FEMALE_GIVEN if sex == Sex.FEMALE else names.MALE_GIVEN)
    family = rng.choice(names.FAMILY)
    age = max(18, min(92, int(rng.gauss(54, 15))))
    admin = world.staff[(clinic.code, "admin")]
    patient = Patient(
        id=_uuid(rng),
        clinic=clinic,
        given_name=given,
        family_name=family,
        date_of_birth=world.today - timedelta(days=age * 365 + rng.randrange(365)),
        sex=sex,
        nhs_number=demo_nhs_number(rng, taken),
        mrn=f"{clinic.code.upper()}{100000 + index}",
        email=f"{given}.{family}{index}@example.com".lower().replace("'", ""),
        phone=f"07700 9{rng.randrange(10000, 99999)}",
        preferred_language=rng.choices(
            [Language.ENGLISH, Language.POLISH, Language.PUNJABI, Language.WELSH],
            weights=[90, 4, 3, 3],
        )[0],
    )
    patient_register(None, patient=patient, by=admin, at=at(referred, 9, 30))
    condition = Condition(_weighted(rng, CONDITION_WEIGHTS))
    if condition in SIDED:
        side = rng.choice([Laterality.LEFT, Laterality.RIGHT])
    elif condition is Condition.SPINAL_STENOSIS:
        side = Laterality.BILATERAL
    else:
        side = Laterality.NOT_APPLICABLE
    episode = Episode(
        id=_uuid(rng),
        patient=patient,
        condition=condition,
        laterality=side,
        referral_source=rng.choices(
            [ReferralSource.GP, ReferralSource.PHYSIOTHERAPY, ReferralSource.ORTHOPAEDICS],
            weights=[50, 35, 15],
        )[0],
        referral_date=referred,
        referral_reason=WORDING["referral_reasons"][condition],
        referrer_name=f"Dr {rng.choice(names.FAMILY)}",
        conservative_care_weeks=rng.choice([2, 4, 6, 8, 12, 16, 26]),
        conservative_care_notes="Physiotherapy-led exercise programme and simple analgesia.",
        responsible_clinician=world.staff[(clinic.code, "clinician")],
    )
    return episode_create(None, episode=episode, by=admin, at=at(referred, 9, 45))


def stages_for(rng: random.Random, count: int, clinics: int) -> list[str]:
    """How far each patient's story goes: the first rounds in turn, then the usual mix."""
    return [
        FIRST_ROUNDS[i // clinics]
        if i // clinics < len(FIRST_ROUNDS)
        else _weighted(rng, STAGE_WEIGHTS)
        for i in range(count)
    ]


def patients_and_stories(world: DemoWorld) -> None:
    """Each patient's story, chosen first for the whole world (so the outcome quota can be
    spread over it), then replayed patient by patient."""
    rng = world.rng
    stages = stages_for(rng, world.patient_count, len(world.clinics))
    outcomes: list[Outcome | None] = assign_outcomes(rng, stages)
    taken: set[str] = set()
    shown: set[str] = set()
    owed = ["withdrawn", "declined"]
    for index, (stage, outcome) in enumerate(zip(stages, outcomes, strict=True)):
        # One INSERT a table for the story's audit events and timeline entries.
        with batched_inserts():
            episode = _referral(world, index, stage, taken)
            story = Story(
                episode=episode,
                clinician=world.staff[(episode.patient.clinic.code, "clinician")],
                stage=stage,
                outcome=outcome,
                last_day=world.today - timedelta(days=1),
                prefer=SHOW_FIRST - shown,
            )
            if story.reaches(Stage.CONSENTED):
                # A withdrawal, then a refusal, each until a story shows it; then a few more.
                if owed:
                    story.hesitation = owed[0]
                elif rng.random() < HESITANT_SHARE:
                    story.hesitation = rng.choice(["declined", "withdrawn"])
            replay(rng, story)
            if owed and story.reaches(Stage.CONSENTED) and not story.hesitation:
                owed.pop(0)
            shown.add(story.scenario)
            world.episodes.append(episode)
            world.scenarios.append(story.scenario)


def demo_data_present() -> bool:
    return Patient.objects.filter(clinic__code__in=[c[0].lower() for c in CLINICS]).exists()


@transaction.atomic
def build_demo(*, patients: int, seed: int, today: date) -> DemoWorld:
    # Seeded synthetic data, nothing secret (bandit B311).
    world = DemoWorld(rng=random.Random(seed), today=today, patient_count=patients)  # nosec B311
    clinics_and_staff(world)
    # The outcome facts of every replayed procedure in one pass at the end (not one per hook),
    # after the sender's last weeks have run after the last story.
    with rebuilt_once(at=at(today, 18)), follow_up.replaying(today):
        patients_and_stories(world)
    injection_lists(world)
    return world
