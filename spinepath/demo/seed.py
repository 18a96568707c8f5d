"""Builds the demo world: two clinics, a staff member per role in each, patients and episodes.

Steps run in a fixed order from one seeded ``random.Random``, so the same ``--seed`` (and the same
``today``) always gives the same data. Later pathway stages add their own step to ``STEPS``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from spinepath.accounts.models import Clinic, Role, User
from spinepath.clinical.vocab import Condition, Laterality
from spinepath.demo import names
from spinepath.demo.assessments import assessments
from spinepath.demo.procedures import consents_and_procedures
from spinepath.demo.story import retell_stage_moves
from spinepath.lib import nhs_number
from spinepath.patients.models import Episode, Language, Patient, ReferralSource, Sex

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

STAGE_WEIGHTS = {
    Episode.Stage.REFERRED: 20,
    Episode.Stage.ASSESSED: 15,
    Episode.Stage.CONSENTED: 10,
    Episode.Stage.TREATED: 10,
    Episode.Stage.FOLLOW_UP: 30,
    Episode.Stage.DISCHARGED: 15,
}

STAGE_ORDER = list(STAGE_WEIGHTS)

REFERRAL_REASONS = {
    Condition.SCIATICA: "Radicular leg pain despite physiotherapy; please consider epidural.",
    Condition.LUMBAR_DISC_HERNIATION: "MRI shows disc protrusion with nerve root contact; leg "
    "pain limiting work.",
    Condition.FACET_JOINT_ARTHRITIS: "Mechanical back pain worse on extension; query facet "
    "pain, please assess for medial branch blocks.",
    Condition.SPINAL_STENOSIS: "Leg symptoms on walking, eased by sitting; MRI lateral recess "
    "narrowing.",
    Condition.SACROILIAC_JOINT_INFLAMMATION: "Buttock pain with positive SIJ provocation tests.",
    Condition.NONSPECIFIC_LOW_BACK_PAIN: "Persistent low back pain; patient asking about "
    "injections.",
}


@dataclass
class DemoWorld:
    rng: random.Random
    today: date
    patient_count: int
    clinics: list[Clinic] = field(default_factory=list)
    staff: dict[tuple[str, str], User] = field(default_factory=dict)
    episodes: list[Episode] = field(default_factory=list)


def demo_nhs_number(rng: random.Random, taken: set[str]) -> str:
    while True:
        stem = "999" + "".join(str(rng.randrange(10)) for _ in range(6))
        digit = nhs_number.check_digit(stem)
        candidate = f"{stem}{digit}"
        if digit is not None and candidate not in taken:
            taken.add(candidate)
            return candidate


def clinics_and_staff(world: DemoWorld) -> None:
    password = settings.SPINEPATH_DEMO_PASSWORD
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
                },
            )
            if created:
                user.set_password(password)
                user.save()
            world.staff[(code.lower(), role.value)] = user


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def patients_and_episodes(world: DemoWorld) -> None:
    rng = world.rng
    taken: set[str] = set()
    for index in range(world.patient_count):
        clinic = world.clinics[index % len(world.clinics)]
        sex = rng.choices([Sex.FEMALE, Sex.MALE, Sex.OTHER], weights=[52, 47, 1])[0]
        given_pool = names.FEMALE_GIVEN if sex == Sex.FEMALE else names.MALE_GIVEN
        given = rng.choice(given_pool)
        family = rng.choice(names.FAMILY)
        age = max(18, min(92, int(rng.gauss(54, 15))))
        born = world.today - timedelta(days=age * 365 + rng.randrange(365))
        patient = Patient.objects.create(
            clinic=clinic,
            given_name=given,
            family_name=family,
            date_of_birth=born,
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
        condition = Condition(_weighted(rng, CONDITION_WEIGHTS))
        # The first few patients of each clinic walk through every stage once, so even a tiny
        # demo shows them all; the rest follow the service's usual mix.
        round_ = index // len(world.clinics)
        stage = STAGE_ORDER[round_] if round_ < len(STAGE_ORDER) else _weighted(rng, STAGE_WEIGHTS)
        referred = world.today - timedelta(days=_days_since_referral(rng, stage))
        sided = condition in (
            Condition.SCIATICA,
            Condition.LUMBAR_DISC_HERNIATION,
            Condition.SACROILIAC_JOINT_INFLAMMATION,
        )
        episode = Episode.objects.create(
            patient=patient,
            condition=condition,
            laterality=rng.choice([Laterality.LEFT, Laterality.RIGHT])
            if sided
            else Laterality.BILATERAL
            if condition == Condition.SPINAL_STENOSIS
            else Laterality.NOT_APPLICABLE,
            referral_source=rng.choices(
                [ReferralSource.GP, ReferralSource.PHYSIOTHERAPY, ReferralSource.ORTHOPAEDICS],
                weights=[50, 35, 15],
            )[0],
            referral_date=referred,
            referral_reason=REFERRAL_REASONS[condition],
            referrer_name=f"Dr {rng.choice(names.FAMILY)}",
            conservative_care_weeks=rng.choice([2, 4, 6, 8, 12, 16, 26]),
            conservative_care_notes="Physiotherapy-led exercise programme and simple analgesia.",
            responsible_clinician=world.staff[(clinic.code, "clinician")],
        )
        referred_at = _at(referred, hour=10)
        Episode.objects.filter(pk=episode.pk).update(stage_changed_at=referred_at)
        episode.log("referral", f"Referred for {episode.condition_display.lower()}", at=referred_at)
        if stage != Episode.Stage.REFERRED:
            days_in_stage = rng.randint(0, min(30, (world.today - referred).days))
            episode.advance_to(stage, at=_at(world.today - timedelta(days=days_in_stage), 14))
        world.episodes.append(episode)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def _days_since_referral(rng: random.Random, stage: str) -> int:
    ranges = {
        Episode.Stage.REFERRED: (1, 21),
        Episode.Stage.ASSESSED: (14, 42),
        Episode.Stage.CONSENTED: (21, 56),
        Episode.Stage.TREATED: (28, 70),
        Episode.Stage.FOLLOW_UP: (60, 400),
        Episode.Stage.DISCHARGED: (200, 700),
    }
    low, high = ranges[stage]
    return rng.randint(low, high)


Step = Callable[[DemoWorld], None]

# The explicit order in which the demo world is built; each pathway stage appends its step.
STEPS: list[Step] = [
    clinics_and_staff,
    patients_and_episodes,
    assessments,
    consents_and_procedures,
    retell_stage_moves,
]


def demo_data_present() -> bool:
    return Patient.objects.filter(clinic__code__in=[c[0].lower() for c in CLINICS]).exists()


@transaction.atomic
def build_demo(*, patients: int, seed: int, today: date) -> DemoWorld:
    world = DemoWorld(rng=random.Random(seed), today=today, patient_count=patients)
    for step in STEPS:
        step(world)
    return world
