"""The demo's scenario library for assessments: which outcome each episode is built to show,
and plausible facts for it (no database, no workflow).

``assign_outcomes`` gives each episode the outcome its facts are *built* to show: a fixed quota
guarantees that a world with four episodes at ``assessed`` and twelve seen shows every outcome at
least twice; the rest are drawn with a realistic mix. ``plan_for`` turns (condition, outcome) into
plausible facts — an epidural for acute sciatica with dexamethasone, medial branch blocks with
local anaesthetic only, a caudal epidural asked for despite claudication, apixaban not yet held, a
shoulder injection elsewhere ten days ago, cauda equina symptoms — and the reason a clinician
would write to go ahead anyway. ``assessment_inputs`` turns a plan into the unsaved records that
``assessment_record`` takes; the real rules then make the decision.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Sequence
from copy import copy
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from spinepath.assessment.models import Assessment
from spinepath.clinical.facts import InjectionSite
from spinepath.clinical.instruments import Score, score
from spinepath.clinical.vocab import (
    EPIDURALS,
    IONISING_IMAGING,
    Condition,
    Imaging,
    LocalAnaesthetic,
    Outcome,
    Procedure,
    Sex,
    Steroid,
)
from spinepath.demo.wording import WORDING
from spinepath.patients.models import Episode, PriorInjection

S, C, D = Outcome.SUITABLE, Outcome.SUITABLE_WITH_CAUTIONS, Outcome.DEFER
NR, NS, U = Outcome.NOT_RECOMMENDED, Outcome.NOT_SUITABLE, Outcome.URGENT_REFERRAL

ASSESSED = Episode.Stage.ASSESSED
LATER_STAGES = (
    Episode.Stage.CONSENTED,
    Episode.Stage.TREATED,
    Episode.Stage.FOLLOW_UP,
    Episode.Stage.DISCHARGED,
)

# The quota that makes every outcome appear at least twice: blocking outcomes only at ``assessed``
# (they can never go further), the overridable ones and ``suitable`` anywhere from ``assessed`` on.
BLOCKING_QUOTA = (U, NS, U, NS)
OPEN_QUOTA = (D, NR, C, S, D, NR, C, S)
# Beyond the quota: a realistic mix. Patients who went on to treatment mostly had clear plans.
ASSESSED_WEIGHTS = {S: 3, C: 3, D: 3, NR: 2, NS: 1, U: 1}
LATER_WEIGHTS = {S: 5, C: 5, NR: 1, D: 1}
PLACES, JOINTS = WORDING["places"], WORDING["joints"]
JOINT, TRIAM, METHYL = InjectionSite.OTHER_JOINT, Steroid.TRIAMCINOLONE, Steroid.METHYLPREDNISOLONE


@dataclass(frozen=True)
class Patient:
    """What a plan needs to know about the patient (no database)."""

    age: int
    sex: str
    side: str = "not_applicable"
    referral_care_weeks: float = 6

    @property
    def of_childbearing_age(self) -> bool:
        # Anyone who could be pregnant is asked (rules.md: female or other, 12–55).
        return self.sex != Sex.MALE and 12 <= self.age <= 55


@dataclass(frozen=True)
class Prior:
    """An injection given elsewhere, ``days_before`` the assessment."""

    days_before: int
    site: InjectionSite
    steroid: Steroid | None = None
    steroid_dose_mg: float | None = None
    relief_percent: int | None = None
    where: str = ""


@dataclass
class Plan:
    """Everything the assessment of one episode records; ``outcome`` is what it is built to give."""

    outcome: Outcome
    procedure: Procedure
    imaging: Imaging
    steroid: Steroid | None = None
    steroid_dose_mg: float | None = None
    local_anaesthetic: LocalAnaesthetic | None = None
    scenario: str = "standard"
    duration_weeks: float = 26
    conservative_care_weeks: float = 8
    leg_nrs: int = 3
    back_nrs: int = 6
    leg_pain_dominant: bool = False
    neurogenic_claudication: bool = False
    red_flags: list[str] = field(default_factory=list)
    allergies: list[str] | None = field(default_factory=list)
    antithrombotics: list[dict[str, Any]] = field(default_factory=list)
    inr: float | None = None
    platelets: float | None = None
    diabetes: bool = False
    hba1c_mmol_mol: float | None = None
    immunosuppressed: bool = False
    infection_systemic: bool = False
    infection_local: bool = False
    pregnancy_recorded: bool = True
    weight_kg: float = 78
    mbb: tuple[int, float] | None = None
    """The last medial branch block: (days before the assessment, relief %)."""
    priors: list[Prior] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    proceed_reason: str = ""

    @property
    def steroid_planned(self) -> bool:
        return self.steroid is not None

    def inject(
        self, steroid: Steroid | None, dose: float | None, anaesthetic: LocalAnaesthetic | None
    ) -> None:
        self.steroid, self.steroid_dose_mg, self.local_anaesthetic = steroid, dose, anaesthetic


# --- which outcome each episode shows ----------------------------------------------------------


def _weighted(rng: random.Random, weights: dict[Outcome, int]) -> Outcome:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def assign_outcomes(rng: random.Random, stages: Sequence[str]) -> list[Outcome | None]:
    """The outcome each episode's facts are built to give (``None``: not assessed yet).

    A pure function of the random state and the stages. With at least four episodes at
    ``assessed`` and twelve at ``assessed`` or later, every outcome is given at least twice.
    """
    outcomes: list[Outcome | None] = [None] * len(stages)
    assessed = [i for i, stage in enumerate(stages) if stage == ASSESSED]
    later = [i for i, stage in enumerate(stages) if stage in LATER_STAGES]
    blocking = rng.sample(assessed, min(len(assessed), len(BLOCKING_QUOTA)))
    for slot, outcome in zip(blocking, BLOCKING_QUOTA, strict=False):
        outcomes[slot] = outcome
    open_slots = sorted(i for i in assessed + later if outcomes[i] is None)
    for slot, outcome in zip(
        rng.sample(open_slots, min(len(open_slots), len(OPEN_QUOTA))), OPEN_QUOTA, strict=False
    ):
        outcomes[slot] = outcome
    for slot in open_slots:
        if outcomes[slot] is None:
            weights = ASSESSED_WEIGHTS if stages[slot] == ASSESSED else LATER_WEIGHTS
            outcomes[slot] = _weighted(rng, weights)
    return outcomes


# --- the plan for one episode -------------------------------------------------------------------

LEG_PAIN = (Condition.SCIATICA, Condition.LUMBAR_DISC_HERNIATION)
FACET_PATHWAY = (Condition.FACET_JOINT_ARTHRITIS, Condition.NONSPECIFIC_LOW_BACK_PAIN)
SAME_REGION = {
    Procedure.TRANSFORAMINAL_EPIDURAL: InjectionSite.CAUDAL_EPIDURAL,
    Procedure.INTERLAMINAR_EPIDURAL: InjectionSite.CAUDAL_EPIDURAL,
    Procedure.CAUDAL_EPIDURAL: InjectionSite.INTERLAMINAR_EPIDURAL,
    Procedure.FACET_JOINT_INJECTION: InjectionSite.FACET_JOINT_INJECTION,
    Procedure.MEDIAL_BRANCH_BLOCK: InjectionSite.FACET_JOINT_INJECTION,
    Procedure.RADIOFREQUENCY_DENERVATION: InjectionSite.FACET_JOINT_INJECTION,
    Procedure.SACROILIAC_JOINT_INJECTION: InjectionSite.SACROILIAC_JOINT_INJECTION,
}


def _side(patient: Patient) -> str:
    return patient.side if patient.side in ("left", "right") else "bilateral"


def _care_weeks(rng: random.Random, patient: Patient) -> float:
    """Conservative care so far: the referral's figure, at least 4 weeks (physio continued)."""
    weeks = patient.referral_care_weeks
    return weeks if weeks >= 4 else rng.choice([6, 8, 12])


def _epidural(rng: random.Random, plan: Plan, *, acute: bool) -> None:
    """An epidural for leg-dominant radicular pain; ``acute``: NICE's acute and severe."""
    procedure = rng.choices(
        [
            Procedure.TRANSFORAMINAL_EPIDURAL,
            Procedure.INTERLAMINAR_EPIDURAL,
            Procedure.CAUDAL_EPIDURAL,
        ],
        weights=[50, 30, 20],
    )[0]
    plan.procedure = procedure
    if procedure is Procedure.TRANSFORAMINAL_EPIDURAL:
        # Non-particulate dexamethasone for transforaminal injections (steroids.md).
        plan.imaging = rng.choice([Imaging.FLUOROSCOPY, Imaging.FLUOROSCOPY, Imaging.CT])
        la = rng.choice([None, LocalAnaesthetic.LIDOCAINE])
        plan.inject(Steroid.DEXAMETHASONE, rng.choice([6.6, 8.0]), la)
    elif procedure is Procedure.INTERLAMINAR_EPIDURAL:
        plan.imaging = Imaging.FLUOROSCOPY
        plan.inject(Steroid.TRIAMCINOLONE, 40.0, LocalAnaesthetic.LEVOBUPIVACAINE)
    else:
        plan.imaging = rng.choice([Imaging.FLUOROSCOPY, Imaging.ULTRASOUND])
        steroid, dose = rng.choice(
            [(Steroid.TRIAMCINOLONE, 40.0), (Steroid.METHYLPREDNISOLONE, 80.0)]
        )
        plan.inject(steroid, dose, LocalAnaesthetic.BUPIVACAINE)
    plan.leg_pain_dominant = True
    plan.leg_nrs = rng.randint(7, 9) if acute else rng.randint(5, 8)
    plan.back_nrs = rng.randint(2, plan.leg_nrs - 2)
    if acute:
        plan.duration_weeks = rng.randint(5, 12)
        plan.conservative_care_weeks = min(plan.conservative_care_weeks, plan.duration_weeks - 1)
    else:
        plan.duration_weeks = plan.conservative_care_weeks + rng.randint(10, 60)


def _medial_branch_block(rng: random.Random, plan: Plan) -> None:
    plan.procedure = Procedure.MEDIAL_BRANCH_BLOCK
    plan.imaging = Imaging.FLUOROSCOPY
    la = rng.choice([LocalAnaesthetic.BUPIVACAINE, LocalAnaesthetic.LEVOBUPIVACAINE])
    plan.inject(None, None, la)
    plan.notes.append("Diagnostic medial branch blocks L3/4 to L5/S1, local anaesthetic only.")


def _radiofrequency(rng: random.Random, plan: Plan, patient: Patient) -> None:
    """RF denervation after a positive medial branch block done elsewhere."""
    plan.procedure = Procedure.RADIOFREQUENCY_DENERVATION
    plan.imaging = Imaging.FLUOROSCOPY
    plan.inject(None, None, LocalAnaesthetic.LIDOCAINE)
    days, relief = rng.randint(21, 120), rng.choice([60, 70, 75, 80, 90])
    plan.mbb = (days, relief)
    plan.priors.append(
        Prior(
            days, InjectionSite.MEDIAL_BRANCH_BLOCK, relief_percent=relief, where=rng.choice(PLACES)
        )
    )
    plan.back_nrs = max(plan.back_nrs, 5)
    plan.notes.append(f"Diagnostic medial branch block {days} days ago gave {relief}% relief.")


def _standard(rng: random.Random, condition: Condition, patient: Patient, outcome: Outcome) -> Plan:
    """The usual plan for ``condition``, with nothing that makes it less than suitable."""
    plan = Plan(
        outcome=outcome, procedure=Procedure.MEDIAL_BRANCH_BLOCK, imaging=Imaging.FLUOROSCOPY
    )
    plan.conservative_care_weeks = _care_weeks(rng, patient)
    plan.duration_weeks = plan.conservative_care_weeks + rng.randint(6, 120)
    plan.weight_kg = round(max(48.0, min(135.0, rng.gauss(80, 15))), 1)
    plan.allergies = rng.choices([[], ["latex"], ["other"], ["chlorhexidine"]], [80, 6, 10, 4])[0]
    plan.platelets = rng.choice([None, float(rng.randint(160, 390))])
    if rng.random() < 0.15:
        plan.antithrombotics = [
            {"drug": "nsaid", "hours_since_last_dose": None, "indication": None}
        ]
    side = _side(patient)
    if condition in LEG_PAIN:
        _epidural(rng, plan, acute=True)
        level = rng.choice(["L4", "L5", "S1"])
        plan.notes.append(
            f"{side.capitalize()} {level} radicular pain; straight leg raise positive at "
            f"{rng.choice([30, 40, 45, 50])} degrees."
        )
    elif condition is Condition.SPINAL_STENOSIS:
        # Lateral recess stenosis with radicular pain, walking distance not limited.
        _epidural(rng, plan, acute=True)
        plan.notes.append("Lateral recess stenosis at L4/5 with radicular pain; no claudication.")
    elif condition is Condition.SACROILIAC_JOINT_INFLAMMATION:
        plan.procedure = Procedure.SACROILIAC_JOINT_INJECTION
        plan.imaging = rng.choice([Imaging.FLUOROSCOPY, Imaging.ULTRASOUND])
        la = rng.choice([LocalAnaesthetic.LIDOCAINE, LocalAnaesthetic.LEVOBUPIVACAINE])
        plan.inject(Steroid.METHYLPREDNISOLONE, 40.0, la)
        plan.back_nrs, plan.leg_nrs = rng.randint(5, 8), rng.randint(1, 4)
        plan.notes.append(
            f"{side.capitalize()} buttock pain; 3 of 5 SIJ provocation tests positive."
        )
    else:
        plan.back_nrs, plan.leg_nrs = rng.randint(5, 8), rng.randint(0, 3)
        if rng.random() < 0.35:
            _radiofrequency(rng, plan, patient)
        else:
            _medial_branch_block(rng, plan)
        if condition is Condition.FACET_JOINT_ARTHRITIS:
            plan.notes.insert(
                0, "Axial pain worse on extension and rotation; facet loading positive."
            )
    if not plan.steroid_planned and rng.random() < 0.12:
        plan.diabetes, plan.hba1c_mmol_mol = True, float(rng.randint(44, 62))
    return plan


def _benign_history(rng: random.Random, plan: Plan) -> None:
    """An old injection elsewhere that counts toward exposure but changes nothing."""
    if rng.random() < 0.5:
        plan.priors.append(
            Prior(
                rng.randint(120, 330),
                JOINT,
                TRIAM,
                40.0,
                rng.choice([50, 60, 70, 80]),
                f"{rng.choice(JOINTS).capitalize()}, {rng.choice(PLACES)}",
            )
        )
    else:
        steroid, dose = rng.choice(
            [(Steroid.METHYLPREDNISOLONE, 40.0), (Steroid.TRIAMCINOLONE, 40.0)]
        )
        plan.priors.append(
            Prior(
                rng.randint(240, 700),
                SAME_REGION[plan.procedure],
                steroid,
                dose,
                rng.choice([60, 70, 80]),
                rng.choice(PLACES),
            )
        )


# Each variation: (name, applies to the plan?, apply it). ``apply`` sets the scenario's facts,
# a note for the clinician and the reason a clinician would give for going ahead anyway.
Variation = tuple[
    str, Callable[[Plan, Patient], bool], Callable[[random.Random, Plan, Patient], None]
]


Fits = Callable[[Plan, Patient], bool]
ALWAYS: Fits = lambda plan, patient: True  # noqa: E731
HAS_STEROID: Fits = lambda plan, patient: plan.steroid_planned  # noqa: E731
EPIDURAL: Fits = lambda plan, patient: plan.procedure in EPIDURALS  # noqa: E731
LOW_RISK: Fits = lambda plan, patient: plan.procedure not in EPIDURALS  # noqa: E731
RF: Fits = lambda plan, patient: plan.procedure is Procedure.RADIOFREQUENCY_DENERVATION  # noqa: E731
IONISING: Fits = lambda plan, patient: plan.imaging in IONISING_IMAGING  # noqa: E731


def _drug(name: str, hours: float | None = None, indication: str | None = None) -> dict[str, Any]:
    return {"drug": name, "hours_since_last_dose": hours, "indication": indication}


# --- cautions


def _diabetic(rng: random.Random, plan: Plan, patient: Patient) -> None:
    plan.diabetes, plan.hba1c_mmol_mol = True, float(rng.randint(48, 66))
    plan.notes.append(f"Type 2 diabetes on metformin, HbA1c {plan.hba1c_mmol_mol:g} mmol/mol.")
    plan.proceed_reason = (
        "Glucose rise after steroid discussed; patient will check blood glucose for 2 weeks."
    )


def _chronic_sciatica(rng: random.Random, plan: Plan, patient: Patient) -> None:
    plan.conservative_care_weeks = max(plan.conservative_care_weeks, _care_weeks(rng, patient))
    plan.duration_weeks = plan.conservative_care_weeks + rng.randint(16, 60)
    plan.leg_nrs = rng.randint(5, 8)
    plan.back_nrs = rng.randint(2, plan.leg_nrs - 2)
    plan.proceed_reason = (
        "Discussed with patient; leg pain severe and impacting work despite physiotherapy; "
        "accepts the modest expected benefit and the risks."
    )


def _aspirin(rng: random.Random, plan: Plan, patient: Patient) -> None:
    plan.antithrombotics = [_drug("aspirin", None, "secondary_prevention")]
    plan.notes.append("Aspirin 75 mg after a coronary stent.")
    plan.proceed_reason = (
        "Shared decision with the patient: secondary-prevention aspirin continued, as advised by "
        "cardiology."
    )


def _anticoagulant_low_risk(rng: random.Random, plan: Plan, patient: Patient) -> None:
    drug = rng.choice(["apixaban", "clopidogrel"])
    plan.antithrombotics = [_drug(drug)]
    why = "atrial fibrillation" if drug == "apixaban" else "previous TIA"
    plan.notes.append(f"Takes {drug} for {why}.")
    plan.proceed_reason = (
        f"Low-risk procedure: {drug} continued after a shared decision with the patient."
    )


def _cumulative_high(rng: random.Random, plan: Plan, patient: Patient) -> None:
    joint, place = rng.choice(JOINTS), rng.choice(PLACES)
    plan.priors += [
        Prior(rng.randint(140, 170), JOINT, TRIAM, 80.0, 60, f"{joint.capitalize()}, {place}"),
        Prior(
            rng.randint(40, 90),
            JOINT,
            TRIAM,
            40.0,
            50,
            f"{rng.choice(JOINTS).capitalize()}, {rng.choice(PLACES)}",
        ),
        Prior(
            rng.randint(220, 320),
            SAME_REGION[plan.procedure],
            METHYL,
            80.0,
            rng.choice([60, 70]),
            rng.choice(PLACES),
        ),
    ]
    plan.notes.append("Several steroid injections elsewhere this year (knee, shoulder, spine).")
    plan.proceed_reason = (
        "Cumulative steroid discussed; bone health reviewed by GP; patient accepts the risks."
    )


def _rf_low_pain(rng: random.Random, plan: Plan, patient: Patient) -> None:
    plan.back_nrs = 4
    plan.leg_nrs = min(plan.leg_nrs, 2)
    plan.proceed_reason = (
        "Back pain 4/10 today but 7/10 on most days and limiting work; patient wishes to proceed."
    )


def _poor_previous_response(rng: random.Random, plan: Plan, patient: Patient) -> None:
    relief = rng.choice([10, 20, 30, 40])
    plan.priors.append(
        Prior(
            rng.randint(150, 400),
            SAME_REGION[plan.procedure],
            METHYL,
            40.0,
            relief,
            rng.choice(PLACES),
        )
    )
    plan.notes.append(f"Previous injection elsewhere gave only {relief}% relief.")
    plan.proceed_reason = (
        "Previous injection was at a different level without imaging; this plan is targeted."
    )


def _contrast_allergy(rng: random.Random, plan: Plan, patient: Patient) -> None:
    plan.allergies = ["iodinated_contrast"]
    plan.notes.append("Rash with iodinated contrast at CT in 2019.")
    plan.proceed_reason = "Gadolinium contrast to be used instead; radiology informed."


def _night_pain(rng: random.Random, plan: Plan, patient: Patient) -> None:
    plan.red_flags = ["night_pain"]
    plan.notes.append("Night pain when turning in bed; no other red flags.")
    plan.proceed_reason = "Night pain is mechanical, on turning; MRI shows no serious pathology."


def _short_conservative_care(rng: random.Random, plan: Plan, patient: Patient) -> None:
    plan.conservative_care_weeks = rng.choice([0, 2, 3])
    plan.notes.append("Physiotherapy only just started (long waiting list).")
    plan.proceed_reason = (
        "Pain preventing engagement with physiotherapy; injection to enable rehabilitation."
    )


def _immunosuppressed(rng: random.Random, plan: Plan, patient: Patient) -> None:
    plan.immunosuppressed = True
    plan.notes.append("Methotrexate for rheumatoid arthritis.")
    plan.proceed_reason = "Infection risk discussed; strict asepsis; methotrexate continued."


CAUTIONS: tuple[Variation, ...] = (
    ("diabetes_steroid", HAS_STEROID, _diabetic),
    ("chronic_sciatica", EPIDURAL, _chronic_sciatica),
    ("aspirin_epidural", EPIDURAL, _aspirin),
    ("anticoagulant_low_risk", LOW_RISK, _anticoagulant_low_risk),
    ("cumulative_steroid_high", HAS_STEROID, _cumulative_high),
    ("rf_back_pain_below_threshold", RF, _rf_low_pain),
    ("poor_previous_response", ALWAYS, _poor_previous_response),
    ("contrast_allergy", IONISING, _contrast_allergy),
    ("night_pain", ALWAYS, _night_pain),
    ("short_conservative_care", LOW_RISK, _short_conservative_care),
    ("immunosuppressed", ALWAYS, _immunosuppressed),
)

# --- deferrals


def _anticoagulant_not_held(rng: random.Random, plan: Plan, patient: Patient) -> None:
    drug, why, hold = rng.choice(
        [
            ("apixaban", "atrial fibrillation", "72 hours"),
            ("rivaroxaban", "a previous DVT", "72 hours"),
            ("clopidogrel", "a previous TIA", "7 days"),
        ]
    )
    plan.antithrombotics = [_drug(drug)]
    plan.notes.append(f"Takes {drug} for {why}; not yet held.")
    plan.proceed_reason = (
        f"{drug.capitalize()} to be held for {hold} before the procedure, agreed with the "
        "prescriber; to be checked again on the day."
    )


def _diabetes_uncontrolled(rng: random.Random, plan: Plan, patient: Patient) -> None:
    plan.diabetes, plan.hba1c_mmol_mol = True, float(rng.randint(71, 86))
    plan.notes.append(f"Type 2 diabetes, HbA1c {plan.hba1c_mmol_mol:g} mmol/mol.")
    plan.proceed_reason = (
        "Discussed with the diabetes team: glucose monitoring plan in place; pain severe and "
        "impacting work; patient accepts the risks."
    )


def _steroid_too_recent(rng: random.Random, plan: Plan, patient: Patient) -> None:
    joint = rng.choice(JOINTS)
    days = rng.randint(3, 12)
    plan.priors.append(
        Prior(days, JOINT, TRIAM, 40.0, None, f"{joint.capitalize()}, {rng.choice(PLACES)}")
    )
    plan.notes.append(f"Steroid injection to the {joint} {days} days ago at the GP surgery.")
    plan.proceed_reason = (
        f"Procedure booked after the 14-day interval from the {joint} injection; patient aware."
    )


def _infection(rng: random.Random, plan: Plan, patient: Patient) -> None:
    if rng.random() < 0.5:
        plan.infection_systemic = True
        plan.notes.append("Urinary tract infection, on antibiotics from the GP.")
    else:
        plan.infection_local = True
        plan.notes.append("Infected eczema over the lower back at the planned site.")
    plan.proceed_reason = "Infection treated and resolved on review; booked for the next list."


def _pregnancy_unknown(rng: random.Random, plan: Plan, patient: Patient) -> None:
    plan.pregnancy_recorded = False
    plan.proceed_reason = "Pregnancy test negative at pre-procedure check; proceeding."


def _female_childbearing_ionising(plan: Plan, patient: Patient) -> bool:
    return patient.of_childbearing_age and plan.imaging in IONISING_IMAGING


def _allergies_unknown(rng: random.Random, plan: Plan, patient: Patient) -> None:
    plan.allergies = None
    plan.notes.append("Patient unsure about a reaction at the dentist; allergies to be confirmed.")
    plan.proceed_reason = "GP record checked after clinic: reaction was fainting, not an allergy."


def _warfarin_inr_high(rng: random.Random, plan: Plan, patient: Patient) -> None:
    plan.antithrombotics = [_drug("warfarin")]
    plan.inr = round(rng.uniform(3.2, 4.1), 1)
    plan.notes.append(f"Warfarin for a mechanical valve; INR {plan.inr:g}.")
    plan.proceed_reason = "Anticoagulation clinic to bring the INR below 3.0; rechecked on the day."


DEFERRALS: tuple[Variation, ...] = (
    ("anticoagulant_not_held", EPIDURAL, _anticoagulant_not_held),
    ("diabetes_uncontrolled", HAS_STEROID, _diabetes_uncontrolled),
    ("steroid_interval_too_short", HAS_STEROID, _steroid_too_recent),
    ("active_infection", ALWAYS, _infection),
    ("pregnancy_not_assessed", _female_childbearing_ionising, _pregnancy_unknown),
    ("allergies_not_recorded", ALWAYS, _allergies_unknown),
    ("warfarin_inr_high", LOW_RISK, _warfarin_inr_high),
)

# --- urgent referrals and absolute contraindications


def _red_flags(rng: random.Random, plan: Plan, patient: Patient) -> None:
    kind = rng.choices(["cauda_equina", "weakness", "malignancy", "fracture"], [6, 2, 1, 1])[0]
    if kind == "cauda_equina":
        plan.red_flags = rng.choice(
            [
                ["saddle_anaesthesia", "bladder_dysfunction"],
                ["bilateral_leg_symptoms", "bladder_dysfunction"],
                ["saddle_anaesthesia", "bowel_dysfunction"],
                ["bilateral_leg_symptoms", "saddle_anaesthesia", "sexual_dysfunction"],
            ]
        )
        plan.notes.append("New saddle numbness and urinary hesitancy this week.")
    elif kind == "weakness":
        plan.red_flags = ["progressive_weakness"]
        plan.notes.append("Ankle dorsiflexion weaker than at referral (MRC 3/5, was 4/5).")
    elif kind == "malignancy":
        plan.red_flags = ["cancer_history", "unexplained_weight_loss"]
        plan.notes.append("Breast cancer 2019; 6 kg unintended weight loss in 3 months.")
    else:
        plan.red_flags = (
            ["minor_trauma_with_osteoporosis"] if patient.age >= 60 else ["significant_trauma"]
        )
        plan.notes.append("Pain began after a fall; no imaging since.")


def _rf_without_positive_block(rng: random.Random, plan: Plan, patient: Patient) -> None:
    _radiofrequency(rng, plan, patient)
    plan.priors = [p for p in plan.priors if p.site is not InjectionSite.MEDIAL_BRANCH_BLOCK]
    plan.notes = [n for n in plan.notes if not n.startswith("Diagnostic medial branch block")]
    problem = rng.choice(["none", "negative", "old"])
    if problem == "none":
        plan.mbb = None
        plan.notes.append("Referred for RF denervation; no diagnostic block has been done.")
    else:
        days, relief = (
            (rng.randint(14, 90), rng.choice([20, 30, 40]))
            if problem == "negative"
            else (rng.randint(220, 330), rng.choice([70, 80]))
        )
        plan.mbb = (days, relief)
        plan.priors.append(
            Prior(
                days,
                InjectionSite.MEDIAL_BRANCH_BLOCK,
                relief_percent=relief,
                where=rng.choice(PLACES),
            )
        )
        plan.notes.append(f"Medial branch block {days} days ago elsewhere, {relief}% relief.")


def _steroid_allergy(rng: random.Random, plan: Plan, patient: Patient) -> None:
    plan.allergies = ["steroid"]
    plan.notes.append("Anaphylactoid reaction to a triamcinolone knee injection in 2021.")


def _anaesthetic_allergy(rng: random.Random, plan: Plan, patient: Patient) -> None:
    plan.allergies = ["local_anaesthetic"]
    plan.notes.append("Documented allergy to amide local anaesthetics.")


def _no_steroid(plan: Plan, patient: Patient) -> bool:
    return not plan.steroid_planned and plan.local_anaesthetic is not None


def _facet_pathway_plan(plan: Plan, patient: Patient) -> bool:
    return plan.procedure in (Procedure.MEDIAL_BRANCH_BLOCK, Procedure.RADIOFREQUENCY_DENERVATION)


NOT_SUITABLE: tuple[Variation, ...] = (
    ("rf_without_positive_mbb", _facet_pathway_plan, _rf_without_positive_block),
    ("allergy_to_planned_steroid", HAS_STEROID, _steroid_allergy),
    ("allergy_to_local_anaesthetic", _no_steroid, _anaesthetic_allergy),
)

# --- against the guideline


def _not_recommended(
    rng: random.Random, plan: Plan, condition: Condition, patient: Patient
) -> None:
    plan.conservative_care_weeks = max(plan.conservative_care_weeks, _care_weeks(rng, patient))
    if condition in LEG_PAIN:
        plan.scenario = "epidural_for_back_dominant_pain"
        plan.leg_pain_dominant = False
        plan.back_nrs, plan.leg_nrs = rng.randint(6, 8), rng.randint(2, 5)
        plan.notes = ["Back pain worse than leg pain; leg pain non-dermatomal."]
        plan.proceed_reason = (
            "Discussed with patient; leg pain severe at times and impacting work; wishes to try "
            "one epidural before a surgical opinion; accepts limited expected benefit."
        )
    elif condition is Condition.SPINAL_STENOSIS:
        plan.scenario = "caudal_epidural_with_claudication"
        plan.procedure = Procedure.CAUDAL_EPIDURAL
        plan.imaging = rng.choice([Imaging.FLUOROSCOPY, Imaging.ULTRASOUND])
        steroid, dose = rng.choice(
            [(Steroid.TRIAMCINOLONE, 40.0), (Steroid.METHYLPREDNISOLONE, 80.0)]
        )
        plan.inject(steroid, dose, LocalAnaesthetic.BUPIVACAINE)
        plan.neurogenic_claudication = True
        plan.leg_pain_dominant = True
        plan.duration_weeks = plan.conservative_care_weeks + rng.randint(26, 150)
        plan.leg_nrs, plan.back_nrs = rng.randint(5, 8), rng.randint(3, 5)
        distance = rng.choice([50, 100, 200])
        plan.notes = [f"Bilateral leg heaviness after {distance} m, eased by sitting forward."]
        plan.proceed_reason = (
            "Discussed NICE advice with the patient; not fit for decompression surgery and "
            "walking distance falling; accepts limited expected benefit and the risks."
        )
    elif condition is Condition.NONSPECIFIC_LOW_BACK_PAIN:
        plan.scenario = "injection_for_nonspecific_back_pain"
        procedure = rng.choice([Procedure.FACET_JOINT_INJECTION, Procedure.CAUDAL_EPIDURAL])
        plan.procedure = procedure
        plan.imaging = Imaging.FLUOROSCOPY
        plan.inject(Steroid.METHYLPREDNISOLONE, 40.0, LocalAnaesthetic.BUPIVACAINE)
        plan.leg_pain_dominant = False
        plan.notes = ["Patient asking for 'a steroid injection' as a friend had one."]
        plan.proceed_reason = (
            "Discussed NICE advice against injections for non-specific back pain; pain severe "
            "and impacting work despite physiotherapy; accepts limited expected benefit."
        )
    else:
        # Facet arthritis (and SIJ pain with facet overlap): a therapeutic facet joint injection.
        plan.scenario = "therapeutic_facet_joint_injection"
        plan.procedure = Procedure.FACET_JOINT_INJECTION
        plan.imaging = Imaging.FLUOROSCOPY
        steroid, dose = rng.choice(
            [(Steroid.METHYLPREDNISOLONE, 40.0), (Steroid.TRIAMCINOLONE, 40.0)]
        )
        plan.inject(steroid, dose, LocalAnaesthetic.BUPIVACAINE)
        plan.mbb, plan.priors = None, []
        plan.notes = ["Referrer asked for facet joint injections at L4/5 and L5/S1."]
        plan.proceed_reason = (
            "Discussed the MBB and RF alternative; patient wants one facet injection before "
            "committing to RF; accepts the limited evidence."
        )


def _choose(
    rng: random.Random,
    options: Sequence[Variation],
    plan: Plan,
    patient: Patient,
    prefer: Collection[str] = (),
) -> None:
    """Apply one of the ``options`` that fit the plan: a ``prefer``red one if any fits."""
    fitting = [option for option in options if option[1](plan, patient)]
    preferred = [option for option in fitting if option[0] in prefer]
    name, _, apply = preferred[0] if preferred else rng.choice(fitting)
    plan.scenario = name
    apply(rng, plan, patient)


def plan_for(
    rng: random.Random,
    condition: Condition,
    outcome: Outcome,
    patient: Patient,
    prefer: Collection[str] = (),
) -> Plan:
    """Plausible assessment facts for ``condition`` built to give ``outcome`` (no database).

    ``prefer`` names variations to use when they fit (the step uses it so that the steroid
    exposure scenarios appear early, rather than only when chance picks them).
    """
    plan = _standard(rng, condition, patient, outcome)
    if outcome is U:
        plan.scenario = "red_flags"
        _red_flags(rng, plan, patient)
    elif outcome is NS:
        if condition in FACET_PATHWAY or not plan.steroid_planned:
            _choose(rng, NOT_SUITABLE[:1] + NOT_SUITABLE[2:], plan, patient)
        else:
            _choose(rng, NOT_SUITABLE[1:2], plan, patient)
    elif outcome is NR:
        _not_recommended(rng, plan, condition, patient)
    elif outcome is D:
        _choose(rng, DEFERRALS, plan, patient, prefer)
    elif outcome is C:
        _choose(rng, CAUTIONS, plan, patient, prefer)
    elif rng.random() < 0.3:
        plan.scenario = "standard_with_history_elsewhere"
        _benign_history(rng, plan)
    if outcome is not C and outcome is not S and rng.random() < 0.2 and plan.steroid_planned:
        _benign_history(rng, plan)
    return plan


# --- questionnaires ---------------------------------------------------------------------------


def questionnaire_answers(rng: random.Random, plan: Plan) -> dict[str, dict[str, int]]:
    """Baseline answers consistent with the pain scores: NRS back and leg, ODI, STarT Back."""
    worst = max(plan.back_nrs, plan.leg_nrs)
    target = max(10.0, min(78.0, rng.gauss(8 + 5 * worst, 8))) / 20  # per section, 0–5
    odi = {f"s{n}": max(0, min(5, round(rng.gauss(target, 0.8)))) for n in range(1, 11)}
    odi["s1"] = max(0, min(5, round(worst / 2)))
    if rng.random() < 0.3:
        del odi["s8"]  # sex life is often left unanswered
    physical = 0.35 + 0.07 * (worst - 5)
    psychosocial = rng.uniform(0.15, 0.7)
    startback = {
        "q1": 1 if plan.leg_nrs >= 4 else int(rng.random() < 0.2),
        **{f"q{n}": int(rng.random() < physical) for n in range(2, 5)},
        **{f"q{n}": int(rng.random() < psychosocial) for n in range(5, 9)},
        "q9": max(0, min(4, round(worst / 2.5 + rng.uniform(-0.6, 0.6)))),
    }
    return {
        "nrs_back": {"score": plan.back_nrs},
        "nrs_leg": {"score": plan.leg_nrs},
        "odi": odi,
        "startback": startback,
    }


SHOW_FIRST = frozenset({"cumulative_steroid_high", "steroid_interval_too_short"})
"""Scenarios the demo shows as soon as an episode fits them: steroid given elsewhere counting."""

GENERIC_PROCEED: str = WORDING["generic_proceed"]


SAME_FIELDS = (
    *("steroid_dose_mg", "red_flags", "leg_pain_dominant", "neurogenic_claudication"),
    *("conservative_care_weeks", "antithrombotics", "inr", "platelets", "diabetes"),
    *("hba1c_mmol_mol", "immunosuppressed", "infection_systemic", "infection_local", "weight_kg"),
)
"""Plan fields stored under the same name on the assessment."""


def assessment_inputs(
    plan: Plan, episode: Episode, day: date, answers: dict[str, dict[str, int]]
) -> tuple[Assessment, list[PriorInjection], dict[str, tuple[dict[str, int], Score]]]:
    """The unsaved assessment, injections elsewhere and scored answers ``plan`` describes."""
    priors = [
        PriorInjection(
            given_on=day - timedelta(days=prior.days_before),
            site=prior.site.value,
            steroid=prior.steroid.value if prior.steroid else "",
            steroid_dose_mg=prior.steroid_dose_mg,
            relief_percent=prior.relief_percent,
            where=prior.where,
        )
        for prior in plan.priors
    ]
    could_be_pregnant = episode.patient.sex != Sex.MALE
    assessment = Assessment(
        episode=episode,
        assessed_on=day,
        **{name: copy(getattr(plan, name)) for name in SAME_FIELDS},
        procedure=plan.procedure.value,
        imaging=plan.imaging.value,
        steroid=plan.steroid.value if plan.steroid else "",
        local_anaesthetic=plan.local_anaesthetic.value if plan.local_anaesthetic else "",
        red_flags_screened=True,
        symptom_duration_weeks=plan.duration_weeks,
        allergies_recorded=plan.allergies is not None,
        allergies=list(plan.allergies or []),
        medication_recorded=True,
        bleeding_disorder=False,
        pregnant=False if could_be_pregnant and plan.pregnancy_recorded else None,
        mbb_date=day - timedelta(days=plan.mbb[0]) if plan.mbb else None,
        mbb_relief_percent=plan.mbb[1] if plan.mbb else None,
        notes=" ".join(plan.notes),
    )
    baseline = {code: (given, score(code, given)) for code, given in answers.items()}
    return assessment, priors, baseline
