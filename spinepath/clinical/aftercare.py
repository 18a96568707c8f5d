"""What a patient is told after a spinal injection, and before a planned one, personalised.

``build_aftercare`` chooses the discharge advice and the warning signs for one procedure (what was
done, the drugs given, the imaging) and one patient (diabetes, each blood thinner), following
``shared/clinical/aftercare.md``. ``build_plan_information`` does the same for a planned
procedure: what it is, why, the imaging and drugs, and what the patient must do about diabetes
and blood thinners (when to stop and when to restart each one).

When to stop and restart a blood thinner comes from the core's antithrombotic data
(``antithrombotics.py``: the procedure's bleeding risk, the rule set's hold hours and the
restart hours), so the leaflet, the day-of checklist and the rules can never disagree.

The cauda equina safety-net card is on every leaflet, whatever the procedure: it is the one harm
where hours matter and the patient is the first to notice.

The words live in ``data/aftercare.en.toml``; this module only selects and fills them in. The
clinic's name, phone and out-of-hours advice are passed in (``ClinicContact``): the core knows no
clinic. Versioning follows ``consent_info``: ``AFTERCARE_VERSION`` names the wording and
``wording_fingerprint()`` hashes every leaflet the plan allows; a test pins one hash per version.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from spinepath.clinical.antithrombotics import (
    BLEEDING_RISK,
    RESTART_HOURS,
    BleedingRisk,
    restart_hours,
)
from spinepath.clinical.consent_info import (
    DEFAULT_SICK_DAY_GLUCOSE_MMOL_L,
    NUMBNESS_WEARS_OFF_HOURS,
)
from spinepath.clinical.ruleset import DEFAULT, RuleSetConfig
from spinepath.clinical.vocab import (
    EPIDURALS,
    INJECTABLE_STEROIDS,
    Antithrombotic,
    Condition,
    Imaging,
    LocalAnaesthetic,
    Procedure,
    Steroid,
)

AFTERCARE_VERSION = "aftercare 2026.12.1"
"""The wording version; bump on any change to the leaflets' text."""

DATA_FILE = Path(__file__).parent / "data" / "aftercare.en.toml"


def load_texts(path: Path = DATA_FILE) -> dict[str, Any]:
    with path.open("rb") as data:
        return tomllib.load(data)


TEXTS: dict[str, Any] = load_texts()


def _text(*keys: str, **values: object) -> str:
    node: Any = TEXTS
    for key in keys:
        node = node[key]
    text = " ".join(str(node).split())
    return text.format(**values) if values else text


# --- What the leaflets are built from


@dataclass(frozen=True)
class ClinicContact:
    """The clinic's details printed on every leaflet (from the clinic's settings)."""

    name: str
    phone: str
    out_of_hours_advice: str


@dataclass(frozen=True)
class PatientFactors:
    diabetic: bool
    antithrombotics: tuple[Antithrombotic, ...]
    """Every blood thinner the patient takes (anticoagulants, antiplatelets, NSAIDs)."""
    crcl_ml_min: float | None = None
    """Creatinine clearance: a low one lengthens the dabigatran hold."""
    sick_day_glucose_mmol_l: float = DEFAULT_SICK_DAY_GLUCOSE_MMOL_L

    def __post_init__(self) -> None:
        if len(set(self.antithrombotics)) != len(self.antithrombotics):
            raise ValueError("a blood thinner is listed twice")
        if not (math.isfinite(self.sick_day_glucose_mmol_l) and self.sick_day_glucose_mmol_l > 0):
            raise ValueError("the sick-day glucose threshold must be a number above 0")


@dataclass(frozen=True)
class ProcedureGiven:
    """What was done (or is planned): the procedure, the imaging and the drugs."""

    procedure: Procedure
    imaging: Imaging
    steroid: Steroid | None
    local_anaesthetic: LocalAnaesthetic | None


@dataclass(frozen=True)
class Advice:
    """One piece of advice; ``code`` names the rule that chose it (tests and templates)."""

    code: str
    text: str


@dataclass(frozen=True)
class SafetyNetCard:
    title: str
    intro: str
    signs: tuple[str, ...]
    action: str


@dataclass(frozen=True)
class Contact:
    heading: str
    phone: str
    out_of_hours: str


@dataclass(frozen=True)
class Aftercare:
    version: str
    procedure_name: str
    advice: tuple[Advice, ...]
    blood_thinners: tuple[Advice, ...]
    emergency_intro: str
    emergency_signs: tuple[Advice, ...]
    call_us_intro: str
    call_us_signs: tuple[Advice, ...]
    cauda_equina: SafetyNetCard
    contact: Contact

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(
            a.code for a in (*self.advice, *self.blood_thinners, *self.emergency_signs)
        ) | frozenset(a.code for a in self.call_us_signs)

    def texts(self) -> tuple[str, ...]:
        """Every text the patient reads, in order (readability and the fingerprint)."""
        card = self.cauda_equina
        return (
            *(a.text for a in self.advice),
            *(a.text for a in self.blood_thinners),
            self.emergency_intro,
            *(a.text for a in self.emergency_signs),
            self.call_us_intro,
            *(a.text for a in self.call_us_signs),
            card.title,
            card.intro,
            *card.signs,
            card.action,
            self.contact.heading,
            self.contact.phone,
            self.contact.out_of_hours,
        )


@dataclass(frozen=True)
class PlanInformation:
    version: str
    title: str
    about: tuple[Advice, ...]
    """What is planned: the procedure, why, the imaging and radiation, the drugs."""
    personal: tuple[Advice, ...]
    """Diabetes and each blood thinner: what to do before and after."""
    cauda_equina: SafetyNetCard
    contact: Contact

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(a.code for a in (*self.about, *self.personal))

    def texts(self) -> tuple[str, ...]:
        card = self.cauda_equina
        return (
            self.title,
            *(a.text for a in self.about),
            *(a.text for a in self.personal),
            card.title,
            card.intro,
            *card.signs,
            card.action,
            self.contact.heading,
            self.contact.phone,
            self.contact.out_of_hours,
        )


# --- Names


def procedure_name(procedure: Procedure) -> str:
    return _text("names", "procedures", procedure.value)


def drug_name(drug: Antithrombotic) -> str:
    return _text("names", "antithrombotics", drug.value)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- Blood thinners: stop before, restart after


@dataclass(frozen=True)
class BloodThinnerPlan:
    """One blood thinner around one procedure, from the core's hold and restart data."""

    drug: Antithrombotic
    hold_hours: float | None
    """Hours before the procedure of the last dose; ``None``: keep taking it."""
    restart_hours: int | None
    """Hours after the procedure to restart; ``None`` when it was never stopped."""
    restart_is_local_protocol: bool
    """The restart time is the service's default, not a published figure (aftercare.md: warfarin
    after 6 h; others per local protocol), so the leaflet says to follow what the team said."""


def blood_thinner_plan(
    drug: Antithrombotic,
    procedure: Procedure,
    config: RuleSetConfig = DEFAULT,
    crcl_ml_min: float | None = None,
) -> BloodThinnerPlan:
    """Whether ``drug`` is held for ``procedure``, for how long, and when it restarts.

    A drug is held only before an intermediate-risk procedure (an epidural) and only if the rule
    set gives it a hold (aspirin and NSAIDs have none); for a low-risk procedure nothing is held
    (steroids.md), so it is simply kept going.
    """
    hold = config.hold_hours(drug, crcl_ml_min)
    if BLEEDING_RISK[procedure] is not BleedingRisk.INTERMEDIATE or hold is None:
        return BloodThinnerPlan(drug, None, None, restart_is_local_protocol=False)
    return BloodThinnerPlan(
        drug,
        hold,
        restart_hours(drug),
        restart_is_local_protocol=drug not in RESTART_HOURS,
    )


def _hold_words(hours: float) -> str:
    if hours >= 24 and hours % 24 == 0:
        days = int(hours // 24)
        return "1 day" if days == 1 else f"{days} days"
    return f"{hours:g} hours"


def _restart_advice(plan: BloodThinnerPlan, section: str = "advice") -> Advice:
    """After the injection (``section`` "advice") or in the plan beforehand ("plan")."""
    name = _capitalised(drug_name(plan.drug))
    if plan.restart_hours is None:
        return Advice(
            f"keep_taking:{plan.drug}", _text("advice", "blood_thinner", "keep_taking", drug=name)
        )
    key = "restart_local" if plan.restart_is_local_protocol else "restart"
    return Advice(
        f"restart:{plan.drug}",
        _text(*_restart_keys(section), key, drug=name, hours=plan.restart_hours),
    )


def _restart_keys(section: str) -> tuple[str, ...]:
    return ("advice", "blood_thinner") if section == "advice" else ("plan",)


def _stop_advice(plan: BloodThinnerPlan) -> Advice:
    name = _capitalised(drug_name(plan.drug))
    if plan.hold_hours is None:
        return Advice(f"keep:{plan.drug}", _text("plan", "keep", drug=name))
    return Advice(
        f"stop:{plan.drug}",
        _text(
            "plan",
            "stop",
            drug=name,
            when=_hold_words(plan.hold_hours),
            hours=f"{plan.hold_hours:g}",
        ),
    )


# --- Shared parts


def safety_net_card() -> SafetyNetCard:
    """The cauda equina card: on every leaflet."""
    part = TEXTS["cauda_equina"]
    return SafetyNetCard(
        title=_text("cauda_equina", "title"),
        intro=_text("cauda_equina", "intro"),
        signs=tuple(" ".join(s.split()) for s in part["signs"]),
        action=_text("cauda_equina", "action"),
    )


def contact(clinic: ClinicContact) -> Contact:
    phone = (
        _text("contact", "phone", clinic=clinic.name, phone=clinic.phone)
        if clinic.phone.strip()
        else _text("contact", "no_phone", clinic=clinic.name)
    )
    return Contact(
        heading=_text("contact", "heading"),
        phone=phone,
        out_of_hours=" ".join(clinic.out_of_hours_advice.split()),
    )


def _glucose_applies(given: ProcedureGiven, patient: PatientFactors) -> bool:
    return patient.diabetic and given.steroid is not None


# --- Aftercare


def build_aftercare(
    given: ProcedureGiven,
    patient: PatientFactors,
    clinic: ClinicContact,
    config: RuleSetConfig = DEFAULT,
) -> Aftercare:
    """The aftercare leaflet for ``given`` and ``patient``; pure and deterministic."""
    return Aftercare(
        version=AFTERCARE_VERSION,
        procedure_name=procedure_name(given.procedure),
        advice=_advice(given, patient),
        blood_thinners=_blood_thinners_after(given, patient, config),
        emergency_intro=_text("warning", "emergency_intro"),
        emergency_signs=_emergency_signs(),
        call_us_intro=_text("warning", "call_us_intro"),
        call_us_signs=_call_us_signs(given, patient),
        cauda_equina=safety_net_card(),
        contact=contact(clinic),
    )


def _advice(given: ProcedureGiven, patient: PatientFactors) -> tuple[Advice, ...]:
    def advice(code: str, **values: object) -> Advice:
        return Advice(code, _text("advice", code, **values))

    items = [advice("home"), advice("rest"), advice("activity"), advice("dressing")]
    items.append(advice("flare"))
    if given.local_anaesthetic is not None:
        where_key = "numb_where_epidural" if given.procedure in EPIDURALS else "numb_where"
        items.append(
            advice(
                "numb",
                where=_text("advice", where_key),
                drug=_text("names", "local_anaesthetics", given.local_anaesthetic.value),
                hours=NUMBNESS_WEARS_OFF_HOURS,
            )
        )
    if given.steroid is not None:
        steroid = _text("names", "steroids", given.steroid.value)
        items += [
            advice("steroid_onset", steroid=steroid),
            advice("steroid_side_effects"),
            advice("steroid_tell"),
        ]
    else:
        items.append(advice("no_steroid"))
    if _glucose_applies(given, patient):
        glucose = f"{patient.sick_day_glucose_mmol_l:g}"
        items.append(Advice("glucose", _text("advice", "glucose", "text", glucose=glucose)))
    if given.imaging is Imaging.FLUOROSCOPY:
        items.append(advice("radiation_fluoroscopy"))
    elif given.imaging is Imaging.CT:
        items.append(advice("radiation_ct"))
    if given.procedure is Procedure.RADIOFREQUENCY_DENERVATION:
        items.append(advice("radiofrequency"))
    if given.procedure is Procedure.MEDIAL_BRANCH_BLOCK:
        items.append(advice("diary"))
    items.append(advice("forms"))
    return tuple(items)


def _blood_thinners_after(
    given: ProcedureGiven, patient: PatientFactors, config: RuleSetConfig
) -> tuple[Advice, ...]:
    if not patient.antithrombotics:
        return ()
    plans = [
        blood_thinner_plan(drug, given.procedure, config, patient.crcl_ml_min)
        for drug in patient.antithrombotics
    ]
    items = [_restart_advice(plan) for plan in plans]
    if any(plan.restart_hours is not None for plan in plans):
        items.append(Advice("blood_thinner_unsure", _text("advice", "blood_thinner", "unsure")))
    return tuple(items)


def _emergency_signs() -> tuple[Advice, ...]:
    keys = ("legs", "fever_back", "meningitis", "bleeding", "allergy")
    return tuple(
        Advice(key, _text("warning", "emergency", key, hours=NUMBNESS_WEARS_OFF_HOURS))
        for key in keys
    )


def _call_us_signs(given: ProcedureGiven, patient: PatientFactors) -> tuple[Advice, ...]:
    headache = "headache_epidural" if given.procedure in EPIDURALS else "headache"
    signs = [
        Advice("infection", _text("warning", "call_us", "infection")),
        Advice(headache, _text("warning", "call_us", headache)),
        Advice("pain", _text("warning", "call_us", "pain")),
    ]
    if _glucose_applies(given, patient):
        glucose = f"{patient.sick_day_glucose_mmol_l:g}"
        signs.append(
            Advice("glucose_high", _text("warning", "call_us", "glucose", glucose=glucose))
        )
    return tuple(signs)


# --- Personalised information before a planned procedure


def build_plan_information(
    planned: ProcedureGiven,
    condition: Condition,
    patient: PatientFactors,
    clinic: ClinicContact,
    config: RuleSetConfig = DEFAULT,
) -> PlanInformation:
    """What a patient needs to know about their planned injection; pure and deterministic."""
    about = [
        Advice("what", _text("plan", "what", procedure=procedure_name(planned.procedure))),
        Advice(
            "why", _text("plan", "why", condition=_text("names", "conditions", condition.value))
        ),
        Advice(
            "imaging",
            _text("plan", "imaging", imaging=_text("names", "imaging", planned.imaging.value)),
        ),
    ]
    if planned.imaging is Imaging.FLUOROSCOPY:
        about.append(Advice("radiation_fluoroscopy", _text("plan", "radiation_fluoroscopy")))
    elif planned.imaging is Imaging.CT:
        about.append(Advice("radiation_ct", _text("plan", "radiation_ct")))
    else:
        about.append(Advice("no_radiation", _text("plan", "no_radiation")))
    about.append(_planned_drugs(planned))
    if planned.procedure is Procedure.RADIOFREQUENCY_DENERVATION:
        about.append(Advice("heat", _text("plan", "heat")))
    if planned.procedure is Procedure.MEDIAL_BRANCH_BLOCK:
        about.append(Advice("test", _text("plan", "test")))

    personal: list[Advice] = []
    if patient.diabetic:
        personal.append(Advice("diabetes", _text("plan", "diabetes")))
        if planned.steroid is not None:
            personal.append(Advice("diabetes_steroid", _text("plan", "diabetes_steroid")))
    plans = [
        blood_thinner_plan(drug, planned.procedure, config, patient.crcl_ml_min)
        for drug in patient.antithrombotics
    ]
    for plan in plans:
        personal.append(_stop_advice(plan))
        if plan.restart_hours is not None:
            personal.append(_restart_advice(plan, "plan"))
    if any(plan.hold_hours is not None for plan in plans):
        personal.append(Advice("stop_prescriber", _text("plan", "stop_prescriber")))
    if plans:
        personal.append(Advice("ask_us", _text("plan", "ask_us")))
    return PlanInformation(
        version=AFTERCARE_VERSION,
        title=_text("plan", "title"),
        about=tuple(about),
        personal=tuple(personal),
        cauda_equina=safety_net_card(),
        contact=contact(clinic),
    )


def _planned_drugs(planned: ProcedureGiven) -> Advice:
    if planned.steroid is not None:
        steroid = _text("names", "steroids", planned.steroid.value)
        key = "drugs_steroid" if planned.local_anaesthetic is not None else "drugs_steroid_only"
        return Advice(key, _text("plan", key, steroid=steroid))
    if planned.local_anaesthetic is not None:
        drug = _text("names", "local_anaesthetics", planned.local_anaesthetic.value)
        return Advice("drugs_local", _text("plan", "drugs_local", drug=drug))
    return Advice("drugs_none", _text("plan", "drugs_none"))


# --- Every leaflet, and the wording's fingerprint

EXAMPLE_CLINIC = ClinicContact(
    name="the spinal injection clinic",
    phone="01632 960000",
    out_of_hours_advice="Out of hours, call NHS 111. In an emergency, call 999 or go to A&E.",
)
"""A clinic used only for example leaflets (reports, tests, the fingerprint)."""

_EXAMPLE_THINNER_SETS: tuple[tuple[Antithrombotic, ...], ...] = (
    (),
    tuple(Antithrombotic),
)


def every_example() -> Iterator[tuple[ProcedureGiven, PatientFactors]]:
    """Every procedure × imaging × steroid (or none) × with and without a local anaesthetic ×
    diabetic or not × no blood thinner or every one: all the text the leaflets can produce."""
    steroids: Iterable[Steroid | None] = (None, *INJECTABLE_STEROIDS)
    for procedure, imaging, steroid, local, diabetic, thinners in itertools.product(
        Procedure,
        Imaging,
        steroids,
        (None, LocalAnaesthetic.LIDOCAINE),
        (False, True),
        _EXAMPLE_THINNER_SETS,
    ):
        yield (
            ProcedureGiven(procedure, imaging, steroid, local),
            PatientFactors(diabetic=diabetic, antithrombotics=thinners),
        )


def wording_fingerprint() -> str:
    """SHA-256 over every example aftercare leaflet and plan sheet (every condition)."""
    digest = hashlib.sha256()
    for given, patient in every_example():
        leaflet = build_aftercare(given, patient, EXAMPLE_CLINIC)
        digest.update(json.dumps(asdict(leaflet), ensure_ascii=False, sort_keys=True).encode())
        for condition in Condition:
            plan = build_plan_information(given, condition, patient, EXAMPLE_CLINIC)
            digest.update(json.dumps(asdict(plan), ensure_ascii=False, sort_keys=True).encode())
    return digest.hexdigest()
