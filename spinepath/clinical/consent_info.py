"""What a patient is told, and consents to, before a spinal injection.

``build_consent_information`` turns the plan (procedure, imaging, drugs and dose, levels, side)
and a few patient facts (diabetes, blood thinners, pregnancy) into the information sheet: what the
injection is, the planned medicines and dose, why and how it is done, what it may achieve and how
often it does not, every material risk that applies and *why* it applies to this patient, the
alternatives, what to do before and after, and the warning signs. Every risk, the benefit and the
warning signs carry their sources (``[n]`` keys of ``data/sources.md``); the sheet lists them.

Consent follows Montgomery: every material risk is stated, fairly, with how rare it is. The rare
but catastrophic harms the FDA warned of for every epidural steroid injection [27][28] (loss of
sight, stroke, paralysis, death) are named on every epidural sheet, with what lowers them and
never as if they were removed. ``REQUIRED_RISKS`` (below) is the table of the risks each sheet
must list; ``required_risks(ctx)`` reads it and a test holds every generated sheet to it.

Wording rules: plain English measured with textstat (``readability.py``) by Flesch–Kincaid and by
SMOG, the measure health leaflets use; every generated sheet is held to SMOG grade 7 or below
(``tests/test_consent_info.py``; ``bench/readability.py`` prints the figures). All text is
spinepath's own.

Frequencies follow the UK consent convention (``FREQUENCY_BAND_MEANINGS``). The figures are
approximate and the text says so; published rates vary between studies and clinics. A clinic that
has its own audited figures should change the wording here and bump the version.

Versioning: ``INFORMATION_VERSION`` names the wording. **Any change to any patient-facing text
here — a word, a figure, a new or removed risk — bumps it**, and the consent record stores the
version the patient was shown, so that what a patient agreed to can be reproduced later.
``wording_fingerprint()`` hashes every sheet the plan allows; the test suite pins one hash per
version, so changed text without a new version fails.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from spinepath.clinical.sources import cited, unknown_citations
from spinepath.clinical.vocab import (
    EPIDURALS,
    INJECTABLE_STEROIDS,
    IONISING_IMAGING,
    Imaging,
    Laterality,
    LocalAnaesthetic,
    Procedure,
    Steroid,
)

INFORMATION_VERSION = "consent-info 2026.12.1"
"""The wording version; bump on any change to patient-facing text (see the module docstring)."""

SPINAL_LEVELS: tuple[str, ...] = ("L1/L2", "L2/L3", "L3/L4", "L4/L5", "L5/S1", "S1")
"""Lumbar levels (the disc or joint between two vertebrae) and S1, top to bottom."""

NUMBNESS_WEARS_OFF_HOURS = 8
"""Numbness or heaviness from the local anaesthetic is expected for up to this many hours; after
that (or if it comes back) it is a warning sign. One figure, used by the "after" advice, the risk
and the warning signs, so they can never disagree."""

DEFAULT_SICK_DAY_GLUCOSE_MMOL_L = 15.0
"""The blood glucose above which a person with diabetes follows their sick-day rules; a clinic
sets its own (Django setting ``SPINEPATH_SICK_DAY_GLUCOSE_MMOL_L``), passed in on the context."""


def validate_levels(levels: Iterable[str]) -> tuple[str, ...]:
    """``levels`` in top-to-bottom order; ``ValueError`` for an unknown or repeated level.

    Codes are exact ("L4/L5", not "l4-5"): a level is a safety fact, so it is never guessed.
    """
    given = tuple(levels)
    unknown = [level for level in given if level not in SPINAL_LEVELS]
    if unknown:
        raise ValueError(
            f"unknown spinal level(s) {', '.join(map(repr, unknown))}; "
            f"expected one of {', '.join(SPINAL_LEVELS)}"
        )
    repeated = sorted({level for level in given if given.count(level) > 1})
    if repeated:
        raise ValueError(f"spinal level(s) given more than once: {', '.join(repeated)}")
    return tuple(level for level in SPINAL_LEVELS if level in given)


class FrequencyBand(StrEnum):
    VERY_COMMON = "very_common"
    COMMON = "common"
    UNCOMMON = "uncommon"
    RARE = "rare"
    VERY_RARE = "very_rare"
    NOT_KNOWN = "not_known"


FREQUENCY_BAND_MEANINGS: dict[FrequencyBand, str] = {
    FrequencyBand.VERY_COMMON: "Very common: more than 1 in 10 people.",
    FrequencyBand.COMMON: "Common: between 1 in 10 and 1 in 100 people.",
    FrequencyBand.UNCOMMON: "Uncommon: between 1 in 100 and 1 in 1,000 people.",
    FrequencyBand.RARE: "Rare: between 1 in 1,000 and 1 in 10,000 people.",
    FrequencyBand.VERY_RARE: "Very rare: fewer than 1 in 10,000 people.",
    FrequencyBand.NOT_KNOWN: "Not known: there are not enough good figures to say.",
}
"""The key shown with the risks (the UK consent convention for how often something happens)."""


class RiskCode(StrEnum):
    PAIN_FLARE = "pain_flare"
    INFECTION = "infection"
    BLEEDING = "bleeding"
    ALLERGY = "allergy"
    NERVE_INJURY = "nerve_injury"
    FAINTING = "fainting"
    LOCAL_ANAESTHETIC_TOXICITY = "local_anaesthetic_toxicity"
    BREASTFEEDING = "breastfeeding"
    NO_BENEFIT = "no_benefit"
    SEVERE_HARM = "severe_harm"
    """Loss of sight, stroke, paralysis, death: the FDA warning for epidural steroids [27][28]."""
    DURAL_PUNCTURE_HEADACHE = "dural_puncture_headache"
    SPINAL_INJECTION = "spinal_injection"
    """Accidental injection into the spinal fluid (intrathecal), for epidurals."""
    URINE_RETENTION = "urine_retention"
    TISSUE_WEAKENING = "tissue_weakening"
    STEROID_SIDE_EFFECTS = "steroid_side_effects"
    STEROID_IMMUNITY_ADRENAL = "steroid_immunity_adrenal"
    RAISED_BLOOD_GLUCOSE = "raised_blood_glucose"
    RADIATION = "radiation"
    ANTICOAGULANT_BLEEDING = "anticoagulant_bleeding"
    LOCAL_ANAESTHETIC_NUMBNESS = "local_anaesthetic_numbness"
    RF_SKIN_SENSATION = "rf_skin_sensation"
    RF_NEURITIS = "rf_neuritis"
    RF_PAD_BURN = "rf_pad_burn"
    IMPLANTED_DEVICE = "implanted_device"
    MBB_UNCLEAR_RESULT = "mbb_unclear_result"


ALWAYS_LISTED: frozenset[RiskCode] = frozenset(
    {
        RiskCode.PAIN_FLARE,
        RiskCode.INFECTION,
        RiskCode.BLEEDING,
        RiskCode.ALLERGY,
        RiskCode.NERVE_INJURY,
        RiskCode.FAINTING,
        RiskCode.LOCAL_ANAESTHETIC_TOXICITY,
        RiskCode.BREASTFEEDING,
        RiskCode.NO_BENEFIT,
    }
)
"""Every sheet lists these (the skin is always numbed with a local anaesthetic)."""

_EPIDURAL_RISKS = frozenset(
    {RiskCode.SEVERE_HARM, RiskCode.DURAL_PUNCTURE_HEADACHE, RiskCode.SPINAL_INJECTION}
)
_RF_RISKS = frozenset(
    {
        RiskCode.RF_SKIN_SENSATION,
        RiskCode.RF_NEURITIS,
        RiskCode.RF_PAD_BURN,
        RiskCode.IMPLANTED_DEVICE,
    }
)

REQUIRED_RISKS: dict[Procedure, frozenset[RiskCode]] = {
    Procedure.TRANSFORAMINAL_EPIDURAL: ALWAYS_LISTED | _EPIDURAL_RISKS,
    Procedure.INTERLAMINAR_EPIDURAL: ALWAYS_LISTED | _EPIDURAL_RISKS,
    Procedure.CAUDAL_EPIDURAL: ALWAYS_LISTED | _EPIDURAL_RISKS,
    Procedure.FACET_JOINT_INJECTION: ALWAYS_LISTED,
    Procedure.MEDIAL_BRANCH_BLOCK: ALWAYS_LISTED | {RiskCode.MBB_UNCLEAR_RESULT},
    Procedure.RADIOFREQUENCY_DENERVATION: ALWAYS_LISTED | _RF_RISKS,
    Procedure.SACROILIAC_JOINT_INJECTION: ALWAYS_LISTED,
}
"""The material risks each procedure's sheet must list, whatever the drugs and the patient."""

REQUIRED_WITH_STEROID: frozenset[RiskCode] = frozenset(
    {
        RiskCode.STEROID_SIDE_EFFECTS,
        RiskCode.STEROID_IMMUNITY_ADRENAL,
        RiskCode.TISSUE_WEAKENING,
    }
)
REQUIRED_WITH_STEROID_AND_DIABETES: frozenset[RiskCode] = frozenset({RiskCode.RAISED_BLOOD_GLUCOSE})
REQUIRED_WITH_LOCAL_ANAESTHETIC: frozenset[RiskCode] = frozenset(
    {RiskCode.LOCAL_ANAESTHETIC_NUMBNESS}
)
REQUIRED_WITH_LOCAL_ANAESTHETIC_IN_AN_EPIDURAL: frozenset[RiskCode] = frozenset(
    {RiskCode.URINE_RETENTION}
)
REQUIRED_WITH_X_RAYS: frozenset[RiskCode] = frozenset({RiskCode.RADIATION})
REQUIRED_WITH_BLOOD_THINNER: frozenset[RiskCode] = frozenset({RiskCode.ANTICOAGULANT_BLEEDING})

PARTICULATE_STEROIDS: frozenset[Steroid] = frozenset(
    {Steroid.METHYLPREDNISOLONE, Steroid.TRIAMCINOLONE, Steroid.BETAMETHASONE}
)
"""Depot suspensions whose particles can block a small artery (``steroids.md`` [29][30][R1][R2])."""


@dataclass(frozen=True)
class ConsentContext:
    """The plan and the patient facts the information depends on."""

    procedure: Procedure
    imaging: Imaging
    steroid: Steroid | None
    local_anaesthetic: LocalAnaesthetic | None
    levels: tuple[str, ...]
    side: Laterality
    diabetic: bool
    on_anticoagulant: bool
    """Takes any blood thinner (an anticoagulant or an antiplatelet)."""
    pregnant: bool | None
    """``None`` = not asked, or not relevant; the sheet then asks the patient to tell us."""
    steroid_dose_mg: float | None = None
    """The planned steroid dose; required with a steroid, and only then (as in the plan)."""
    sick_day_glucose_mmol_l: float = DEFAULT_SICK_DAY_GLUCOSE_MMOL_L
    """The clinic's sick-day threshold for blood glucose (a setting, passed in)."""

    def __post_init__(self) -> None:
        validate_levels(self.levels)
        if self.steroid is not None and self.steroid_dose_mg is None:
            raise ValueError("a planned steroid needs its dose in mg")
        if self.steroid is None and self.steroid_dose_mg is not None:
            raise ValueError("a steroid dose is given but no steroid is planned")
        if self.steroid_dose_mg is not None and not (
            math.isfinite(self.steroid_dose_mg) and self.steroid_dose_mg > 0
        ):
            raise ValueError("the steroid dose must be a number of mg above 0")
        if not (math.isfinite(self.sick_day_glucose_mmol_l) and self.sick_day_glucose_mmol_l > 0):
            raise ValueError("the sick-day glucose threshold must be a number above 0")


@dataclass(frozen=True)
class Risk:
    code: str
    title: str
    explanation: str
    frequency: str
    """How often, in words and numbers, starting with the band ("Common: about 1 in 10 ...")."""
    frequency_band: FrequencyBand
    applies_because: str
    """Why this risk is listed for this patient, completing "This applies to you because ..."."""
    sources: str
    """Where the risk and its figure come from, as citations: ``"[27][28]"``."""


@dataclass(frozen=True)
class Alternative:
    title: str
    explanation: str
    sources: str = ""


@dataclass(frozen=True)
class Reference:
    """One source printed in the sheet's numbered list (its key is its number)."""

    key: str
    citation: str


@dataclass(frozen=True)
class ConsentInformation:
    version: str
    title: str
    what_it_is: str
    medicines: tuple[str, ...]
    """The planned medicines, each with its dose (or "none")."""
    why: str
    how_it_is_done: str
    expected_benefit: str
    how_long_relief_lasts: str
    benefit_sources: str
    risks: tuple[Risk, ...]
    alternatives: tuple[Alternative, ...]
    before: tuple[str, ...]
    after: tuple[str, ...]
    emergency_signs: tuple[str, ...]
    """Go to A&E or call 999 at once."""
    call_us_signs: tuple[str, ...]
    """Call the clinic (or NHS 111 when it is closed) the same day."""
    warning_sources: str
    references: tuple[Reference, ...]

    def risk(self, code: str) -> Risk | None:
        return next((r for r in self.risks if r.code == code), None)

    @property
    def risk_codes(self) -> frozenset[str]:
        return frozenset(r.code for r in self.risks)

    def patient_texts(self) -> tuple[str, ...]:
        """Every piece of text the patient reads, in reading order (for readability checks).

        The printed citations and the reference list are left out: they are for checking, not
        for reading aloud, and a journal title is not the patient's text.
        """
        texts = [
            self.title,
            self.what_it_is,
            *self.medicines,
            self.why,
            self.how_it_is_done,
            self.expected_benefit,
            self.how_long_relief_lasts,
        ]
        for risk in self.risks:
            texts += [risk.title, risk.explanation, risk.frequency, risk.applies_because]
        for alternative in self.alternatives:
            texts += [alternative.title, alternative.explanation]
        return (
            *texts,
            *self.before,
            *self.after,
            *self.emergency_signs,
            *self.call_us_signs,
        )

    def citations(self) -> str:
        """Every citation on the sheet, in the order it prints them."""
        parts = [self.benefit_sources, *(r.sources for r in self.risks)]
        parts += [a.sources for a in self.alternatives]
        parts.append(self.warning_sources)
        return "".join(parts)


_TITLES: dict[Procedure, str] = {
    Procedure.TRANSFORAMINAL_EPIDURAL: "Transforaminal epidural injection",
    Procedure.INTERLAMINAR_EPIDURAL: "Interlaminar epidural injection",
    Procedure.CAUDAL_EPIDURAL: "Caudal epidural injection",
    Procedure.FACET_JOINT_INJECTION: "Facet joint injection",
    Procedure.MEDIAL_BRANCH_BLOCK: "Medial branch block",
    Procedure.RADIOFREQUENCY_DENERVATION: "Radiofrequency denervation",
    Procedure.SACROILIAC_JOINT_INJECTION: "Sacroiliac joint injection",
}

_PLAIN_NAMES: dict[Procedure, str] = {
    Procedure.TRANSFORAMINAL_EPIDURAL: "an injection next to a nerve root",
    Procedure.INTERLAMINAR_EPIDURAL: "an injection around the nerves in your back",
    Procedure.CAUDAL_EPIDURAL: "an injection around the nerves, near your tailbone",
    Procedure.FACET_JOINT_INJECTION: "an injection into small joints in your back",
    Procedure.MEDIAL_BRANCH_BLOCK: "a test to find where your pain comes from",
    Procedure.RADIOFREQUENCY_DENERVATION: "heat treatment to small nerves in your back",
    Procedure.SACROILIAC_JOINT_INJECTION: "an injection into the joint at the base of your spine",
}


def procedure_title(procedure: Procedure) -> str:
    """The procedure's usual name, as on the consent form ("Caudal epidural injection")."""
    return _TITLES[procedure]


def required_risks(ctx: ConsentContext) -> frozenset[RiskCode]:
    """The risks ``ctx``'s sheet must list, read from the tables above."""
    required = set(REQUIRED_RISKS[ctx.procedure])
    if ctx.steroid is not None:
        required |= REQUIRED_WITH_STEROID
        if ctx.diabetic:
            required |= REQUIRED_WITH_STEROID_AND_DIABETES
    if ctx.local_anaesthetic is not None:
        required |= REQUIRED_WITH_LOCAL_ANAESTHETIC
        if ctx.procedure in EPIDURALS:
            required |= REQUIRED_WITH_LOCAL_ANAESTHETIC_IN_AN_EPIDURAL
    if ctx.imaging in IONISING_IMAGING:
        required |= REQUIRED_WITH_X_RAYS
    if ctx.on_anticoagulant:
        required |= REQUIRED_WITH_BLOOD_THINNER
    return frozenset(required)


def build_consent_information(ctx: ConsentContext) -> ConsentInformation:
    """The information sheet for ``ctx``; pure and deterministic."""
    risks = _risks(ctx)
    alternatives = _alternatives(ctx)
    benefit_sources = _BENEFIT_SOURCES[ctx.procedure]
    warning_sources = "[11][62][63][64][65][66]" + ("[23][24]" if _glucose_applies(ctx) else "")
    all_citations = "".join(
        [benefit_sources, *(r.sources for r in risks), *(a.sources for a in alternatives)]
    )
    references = tuple(
        Reference(key=s.key, citation=s.citation) for s in cited(all_citations + warning_sources)
    )
    return ConsentInformation(
        version=INFORMATION_VERSION,
        title=f"{procedure_title(ctx.procedure)}: {_PLAIN_NAMES[ctx.procedure]}",
        what_it_is=_what_it_is(ctx),
        medicines=_medicines(ctx),
        why=_WHY[ctx.procedure],
        how_it_is_done=_how_it_is_done(ctx),
        expected_benefit=_expected_benefit(ctx),
        how_long_relief_lasts=_how_long(ctx),
        benefit_sources=benefit_sources,
        risks=risks,
        alternatives=alternatives,
        before=_before(ctx),
        after=_after(ctx),
        emergency_signs=_emergency_signs(ctx),
        call_us_signs=_call_us_signs(ctx),
        warning_sources=warning_sources,
        references=references,
    )


# --- Every sheet the plan allows, and the wording's fingerprint ----------------------------------


def plan_combinations() -> Iterator[tuple[Procedure, Imaging, Steroid | None]]:
    """Every procedure × imaging × steroid (or none) a plan may hold (the assessment's choices)."""
    yield from itertools.product(Procedure, Imaging, (None, *INJECTABLE_STEROIDS))


EXAMPLE_STEROID_DOSE_MG: dict[Steroid, float] = {
    Steroid.DEXAMETHASONE: 6.6,
    Steroid.METHYLPREDNISOLONE: 40.0,
    Steroid.TRIAMCINOLONE: 40.0,
    Steroid.BETAMETHASONE: 6.0,
}
"""Typical doses, used only to generate example sheets (reports, tests, the fingerprint)."""


def example_context(
    procedure: Procedure,
    imaging: Imaging,
    steroid: Steroid | None,
    *,
    diabetic: bool = True,
    on_anticoagulant: bool = True,
    pregnant: bool | None = None,
) -> ConsentContext:
    """A sheet for a plan, with a local anaesthetic and, by default, every patient fact that adds
    text (the longest sheet that plan can produce)."""
    return ConsentContext(
        procedure=procedure,
        imaging=imaging,
        steroid=steroid,
        local_anaesthetic=LocalAnaesthetic.LIDOCAINE,
        levels=("L4/L5",),
        side=Laterality.LEFT,
        diabetic=diabetic,
        on_anticoagulant=on_anticoagulant,
        pregnant=pregnant,
        steroid_dose_mg=None if steroid is None else EXAMPLE_STEROID_DOSE_MG[steroid],
    )


PATIENT_VARIANTS: tuple[tuple[bool, bool, bool | None], ...] = tuple(
    itertools.product((False, True), (False, True), (None, False, True))
)
"""(diabetic, on a blood thinner, pregnant) — every patient fact that changes the wording."""


def every_sheet_context() -> Iterator[ConsentContext]:
    """Every plan combination × every patient variant × with and without a local anaesthetic."""
    for procedure, imaging, steroid in plan_combinations():
        for diabetic, thinner, pregnant in PATIENT_VARIANTS:
            ctx = example_context(
                procedure,
                imaging,
                steroid,
                diabetic=diabetic,
                on_anticoagulant=thinner,
                pregnant=pregnant,
            )
            yield ctx
            yield dataclasses.replace(ctx, local_anaesthetic=None)


def wording_fingerprint() -> str:
    """SHA-256 over the text of every sheet :func:`every_sheet_context` yields.

    The version string itself is left out, so the hash changes only when wording does; a test
    pins the hash for each version.
    """
    digest = hashlib.sha256()
    for ctx in every_sheet_context():
        sheet = dataclasses.asdict(build_consent_information(ctx))
        sheet.pop("version")
        sheet["references"] = [ref["key"] for ref in sheet["references"]]
        digest.update(json.dumps(sheet, sort_keys=True).encode())
    digest.update(json.dumps(list(FREQUENCY_BAND_MEANINGS.values())).encode())
    return digest.hexdigest()


def missing_sources(information: ConsentInformation) -> list[str]:
    """Citations on the sheet that the reference list does not know (a data error)."""
    return unknown_citations(information.citations())


# --- What it is, the medicines, why, how ---------------------------------------------------------

_WHAT: dict[Procedure, str] = {
    Procedure.TRANSFORAMINAL_EPIDURAL: (
        "Nerves leave your spine through small gaps between the bones. "
        "The part of the nerve in the gap is the nerve root. "
        "In this injection, the drugs go into the gap, right next to the nerve root."
    ),
    Procedure.INTERLAMINAR_EPIDURAL: (
        "The nerves in your spine lie in a thin bag of fluid. "
        "The space just outside this bag is the epidural space. "
        "In this injection, the needle goes in from the back, between two bones. "
        "The drugs go into the epidural space."
    ),
    Procedure.CAUDAL_EPIDURAL: (
        "The nerves in your spine lie in a thin bag of fluid. "
        "The space just outside this bag is the epidural space. "
        "In this injection, the needle goes in through a small gap near your tailbone. "
        "The drugs then spread up to the nerves in your lower back."
    ),
    Procedure.FACET_JOINT_INJECTION: (
        "Facet joints are small joints at the back of your spine. "
        "They link each bone of the spine to the next one. "
        "In this injection, the drugs go into or just next to these joints."
    ),
    Procedure.MEDIAL_BRANCH_BLOCK: (
        "Facet joints are small joints at the back of your spine. "
        "Small nerves carry pain from these joints. They are called medial branches. "
        "This is a test. We put a numbing drug next to these small nerves. "
        "Then we see if your pain goes down for a few hours."
    ),
    Procedure.RADIOFREQUENCY_DENERVATION: (
        "Facet joints are small joints at the back of your spine. "
        "Small nerves carry pain from these joints. They are called medial branches. "
        "In this treatment, we heat these nerves with a needle tip so they stop sending pain "
        "signals. They are the same nerves that were numbed in your test."
    ),
    Procedure.SACROILIAC_JOINT_INJECTION: (
        "The sacroiliac joint joins the base of your spine to your pelvis (your hip bone). "
        "You have one on each side. "
        "In this injection, the drugs go into this joint."
    ),
}

_WHY: dict[Procedure, str] = {
    Procedure.TRANSFORAMINAL_EPIDURAL: (
        "It is for pain that runs down your leg because a nerve in your back is pressed or "
        "sore. This is often called sciatica. It is not used for back pain on its own."
    ),
    Procedure.INTERLAMINAR_EPIDURAL: (
        "It is for pain that runs down your leg because a nerve in your back is pressed or "
        "sore. This is often called sciatica. It is not used for back pain on its own."
    ),
    Procedure.CAUDAL_EPIDURAL: (
        "It is for pain that runs down your leg because a nerve in your back is pressed or "
        "sore. This is often called sciatica. It is not used for back pain on its own."
    ),
    Procedure.FACET_JOINT_INJECTION: (
        "It is for back pain that may come from the facet joints. "
        "UK guidance says not to use this injection for back pain. "
        "Your doctor will tell you why they think it may still help you."
    ),
    Procedure.MEDIAL_BRANCH_BLOCK: (
        "It helps us find out if your back pain comes from the facet joints. "
        "If the test takes away at least half of your pain for a few hours, you may be offered "
        "heat treatment to the same nerves. Heat treatment aims to ease the pain for longer."
    ),
    Procedure.RADIOFREQUENCY_DENERVATION: (
        "Your test took away at least half of your back pain for a few hours. "
        "This means your pain is likely to come from the facet joints. "
        "Heat treatment to the same nerves aims to ease the pain for many months."
    ),
    Procedure.SACROILIAC_JOINT_INJECTION: (
        "It is for pain that may come from the sacroiliac joint. "
        "This pain is often felt low in the back, in the buttock, or in the groin."
    ),
}

_SIDE_WORDS: dict[Laterality, str] = {
    Laterality.LEFT: "on your left side",
    Laterality.RIGHT: "on your right side",
    Laterality.BILATERAL: "on both sides",
}


def _join(items: list[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    comma = "," if len(items) > 2 else ""
    return f"{', '.join(items[:-1])}{comma} {word} {items[-1]}"


def _steroid_name(steroid: Steroid) -> str:
    return steroid.value


def _anaesthetic_name(anaesthetic: LocalAnaesthetic) -> str:
    return anaesthetic.value


def format_mg(dose: float) -> str:
    """``6.6`` → ``"6.6 mg"``, ``40.0`` → ``"40 mg"`` (no trailing ``.0``)."""
    return f"{dose:g} mg"


def _medicines(ctx: ConsentContext) -> tuple[str, ...]:
    lines = []
    if ctx.steroid is not None and ctx.steroid_dose_mg is not None:
        lines.append(
            f"Steroid: {_steroid_name(ctx.steroid)}, {format_mg(ctx.steroid_dose_mg)}. "
            "A steroid calms swelling and soreness."
        )
    else:
        lines.append("Steroid: none. There is no steroid in this injection.")
    if ctx.local_anaesthetic is not None:
        lines.append(
            f"Numbing drug (local anaesthetic): {_anaesthetic_name(ctx.local_anaesthetic)}. "
            "We use a small amount, well below the safe limit for your weight."
        )
    else:
        lines.append(
            "Numbing drug: none in the injection. We still numb your skin first with a small "
            "amount."
        )
    if ctx.imaging in IONISING_IMAGING:
        lines.append("Dye: a small amount may be used, so the drugs show up on X-ray.")
    return tuple(lines)


def _where_sentence(ctx: ConsentContext) -> str:
    levels = validate_levels(ctx.levels)
    side = _SIDE_WORDS.get(ctx.side)
    if not levels and side is None:
        return ""
    where = []
    if levels:
        word = "level" if len(levels) == 1 else "levels"
        where.append(f"at the {_join(list(levels))} {word}")
    if side is not None:
        where.append(side)
    sentence = f"It will be done {' '.join(where)}."
    if levels:
        sentence += " A level names the place between two bones of your lower back."
    return sentence


def _what_it_is(ctx: ConsentContext) -> str:
    parts = [_WHAT[ctx.procedure], _where_sentence(ctx)]
    return " ".join(p for p in parts if p)


_IMAGING_SENTENCE: dict[Imaging, str] = {
    Imaging.FLUOROSCOPY: (
        "We use X-ray pictures to guide the needle to the right place. "
        "We may inject a dye that shows up on X-ray, to check where the drugs will go."
    ),
    Imaging.CT: (
        "We use a CT scanner to guide the needle to the right place. "
        "A CT scanner is a kind of X-ray machine. "
        "We may inject a dye that shows up on the scan, to check where the drugs will go."
    ),
    Imaging.ULTRASOUND: (
        "We use an ultrasound scanner to guide the needle to the right place. "
        "Ultrasound uses sound waves, not X-rays."
    ),
}


def _how_it_is_done(ctx: ConsentContext) -> str:
    start = (
        "You lie on your front on a couch. "
        "We clean your skin with a cold liquid. "
        "We numb your skin with a small injection, which stings for a moment."
    )
    if ctx.procedure is Procedure.RADIOFREQUENCY_DENERVATION:
        middle = (
            "We stick a pad on your skin, often on your thigh, to carry the current. "
            "We place thin needles next to the small nerves. "
            "We send a tiny pulse down each needle to check it is in the right place. "
            "You may feel tingling or a tapping in your back. "
            "We numb each nerve, then heat it for one to two minutes. "
            "The whole treatment can take up to an hour."
        )
    elif ctx.procedure is Procedure.MEDIAL_BRANCH_BLOCK:
        middle = (
            "We put a small amount of numbing drug next to each small nerve. "
            "It most often takes less than half an hour."
        )
    else:
        middle = (
            "Then we put in the needle and inject the drugs. "
            "It most often takes less than half an hour."
        )
    end = (
        "You are awake the whole time. "
        "You can ask us to stop at any time. "
        "You can go home the same day."
    )
    return " ".join((start, _IMAGING_SENTENCE[ctx.imaging], middle, end))


# --- Benefit and how long it lasts ---------------------------------------------------------------

_BENEFIT_SOURCES: dict[Procedure, str] = {
    Procedure.TRANSFORAMINAL_EPIDURAL: "[3][59]",
    Procedure.INTERLAMINAR_EPIDURAL: "[3][59]",
    Procedure.CAUDAL_EPIDURAL: "[3][59]",
    Procedure.FACET_JOINT_INJECTION: "[1][3]",
    Procedure.MEDIAL_BRANCH_BLOCK: "[51][53]",
    Procedure.RADIOFREQUENCY_DENERVATION: "[3][10][53][S1]",
    Procedure.SACROILIAC_JOINT_INJECTION: "[3]",
}

_NOT_A_CURE = (
    "It is not a cure. It can give you a window of less pain. "
    "Use that time to move more and build up what you do. "
    "That is what helps most in the long run."
)


def _expected_benefit(ctx: ConsentContext) -> str:
    if ctx.procedure is Procedure.MEDIAL_BRANCH_BLOCK:
        return (
            "This test is not a treatment. Its job is to show where your pain comes from. "
            "Your pain diary tells us how much the test helped. "
            "If your pain goes down by half or more, heat treatment may help you. "
            "If it does not, that is useful too. It means we should look at other options."
        )
    if ctx.procedure is Procedure.RADIOFREQUENCY_DENERVATION:
        return (
            "In some studies, about half of the people with a good test had less back pain "
            "for many months. But a large Dutch trial in 2017, called MINT, found that heat "
            "treatment added little or nothing to an exercise plan. "
            "UK guidance says it can be tried when a test has worked. "
            "It does not help all people. " + _NOT_A_CURE
        )
    if ctx.procedure is Procedure.FACET_JOINT_INJECTION:
        return (
            "UK guidance says not to use it, because studies show little gain. "
            "Some people get less pain for a few weeks or months. Many get little or none. "
            + _NOT_A_CURE
        )
    if ctx.procedure is Procedure.SACROILIAC_JOINT_INJECTION:
        return (
            "Some people get less pain for weeks or months. Others get little or none. "
            "There is not much good research on this injection. " + _NOT_A_CURE
        )
    if ctx.steroid is None:
        return (
            "The numbing drug can ease your pain for a few hours. "
            "Without a steroid, longer relief is less likely. "
            "Up to about half of people get little or no relief from an epidural. " + _NOT_A_CURE
        )
    return (
        "Many people get less leg pain for a few weeks. "
        "But up to about half get little or no relief. "
        "Any relief tends to be short-term. "
        "We cannot tell in advance who will be helped. " + _NOT_A_CURE
    )


def _how_long(ctx: ConsentContext) -> str:
    if ctx.procedure is Procedure.MEDIAL_BRANCH_BLOCK:
        return (
            "The numbing lasts only a few hours. This is normal for the test. "
            "After that, your pain comes back to how it was before."
        )
    if ctx.procedure is Procedure.RADIOFREQUENCY_DENERVATION:
        return (
            "Your back may be sore for one to two weeks. "
            "If it works, relief starts within two to four weeks. "
            "It can last from six months to a year, and sometimes longer. "
            "The nerves slowly grow back, so the pain may return. "
            "If the treatment helped, it can be done again."
        )
    numbing = ""
    if ctx.local_anaesthetic is not None:
        numbing = (
            "The numbing drug wears off after a few hours. "
            "Your pain may come back for a while after that. "
        )
    if ctx.steroid is None:
        return numbing + "Any longer relief is hard to predict. It is not the same for each person."
    return numbing + (
        "The steroid starts to work after 2 to 5 days. It can take up to 2 weeks. "
        "If it works, relief may last for weeks or months. "
        "It is not the same for each person."
    )


# --- Risks ---------------------------------------------------------------------------------------

_ANY_INJECTION = "this can happen with any needle"
_GENERAL_SOURCES = "[S2][S4]"
_ROUGH = "This is a rough figure."
_ROUGH_ALL = "These are rough figures."


def _risks(ctx: ConsentContext) -> tuple[Risk, ...]:
    epidural = ctx.procedure in EPIDURALS
    risks = [_pain_flare(ctx), _fainting(), _infection(), _bleeding()]
    if ctx.on_anticoagulant:
        risks.append(_anticoagulant_bleeding())
    risks.append(_allergy(ctx))
    risks.append(_nerve_injury(ctx))
    if epidural:
        risks += [_severe_harm(ctx), _dural_puncture(ctx.procedure), _spinal_injection()]
    risks.append(_anaesthetic_toxicity())
    if ctx.local_anaesthetic is not None:
        risks.append(_numb_legs(ctx.local_anaesthetic))
        if epidural:
            risks.append(_urine_retention())
    if ctx.steroid is not None:
        risks.append(_steroid_side_effects(ctx.steroid))
        if ctx.diabetic:
            risks.append(_raised_glucose(ctx.sick_day_glucose_mmol_l))
        risks += [_steroid_immunity_adrenal(ctx.steroid), _tissue_weakening(ctx.steroid)]
    if ctx.imaging in IONISING_IMAGING:
        risks.append(_radiation(ctx))
    if ctx.procedure is Procedure.RADIOFREQUENCY_DENERVATION:
        risks += [_rf_skin(), _rf_neuritis(), _rf_pad_burn(), _implanted_device()]
    if ctx.procedure is Procedure.MEDIAL_BRANCH_BLOCK:
        risks.append(_mbb_unclear())
    risks += [_breastfeeding(ctx), _no_benefit(ctx)]
    return tuple(risks)


def _pain_flare(ctx: ConsentContext) -> Risk:
    rf = ctx.procedure is Procedure.RADIOFREQUENCY_DENERVATION
    how_long = (
        "After heat treatment, the soreness can last up to two weeks."
        if rf
        else "It most often settles in a day or two."
    )
    return Risk(
        code=RiskCode.PAIN_FLARE,
        title="More pain for a short time",
        explanation=(
            "Your pain may get worse for a while after the injection. "
            f"{how_long} Rest, ice and your normal painkillers can help."
        ),
        frequency=f"Common: about 1 in 10 people. {_ROUGH}",
        frequency_band=FrequencyBand.COMMON,
        applies_because=_ANY_INJECTION,
        sources="[62][63][53]" if rf else "[62][63]",
    )


def _fainting() -> Risk:
    return Risk(
        code=RiskCode.FAINTING,
        title="Feeling faint or fainting",
        explanation=(
            "Some people feel faint, sick or sweaty during or just after a needle. "
            "Your pulse and blood pressure drop for a short time. "
            "Lying flat helps, and it soon passes. "
            "Tell us if you have fainted with needles before."
        ),
        frequency=f"Common: about 1 to 2 in 100 people. Few of them pass out. {_ROUGH}",
        frequency_band=FrequencyBand.COMMON,
        applies_because=_ANY_INJECTION,
        sources=_GENERAL_SOURCES,
    )


def _infection() -> Risk:
    return Risk(
        code=RiskCode.INFECTION,
        title="Infection",
        explanation=(
            "Germs can get in where the needle goes through the skin. "
            "We keep things very clean to stop this. "
            "Signs are redness, heat, swelling, pus or a fever. "
            "Very rarely, germs get in deep near the spine. "
            "This is grave. It needs treatment at once. "
            "At worst, it can leave you unable to move your legs."
        ),
        frequency=(
            "Rare: about 1 in 1,000 people or fewer get an infection in the skin. "
            f"A deep infection is very rare: fewer than 1 in 10,000. {_ROUGH_ALL}"
        ),
        frequency_band=FrequencyBand.RARE,
        applies_because=_ANY_INJECTION,
        sources=_GENERAL_SOURCES,
    )


def _bleeding() -> Risk:
    return Risk(
        code=RiskCode.BLEEDING,
        title="Bleeding or bruising",
        explanation=(
            "You may get a small bruise, or a little bleeding where the needle went in. "
            "This fades in a few days. "
            "Very rarely, blood can collect near the spine and press on the nerves. "
            "This needs treatment at once. At worst, it can leave you unable to move your legs."
        ),
        frequency=(
            "Common: about 1 in 10 people get a small bruise. "
            f"A bad bleed near the spine is very rare: fewer than 1 in 10,000. {_ROUGH_ALL}"
        ),
        frequency_band=FrequencyBand.COMMON,
        applies_because=_ANY_INJECTION,
        sources="[19][S2]",
    )


def _allergy(ctx: ConsentContext) -> Risk:
    things = ["a drug we use", "the liquid we clean your skin with"]
    if ctx.imaging in IONISING_IMAGING:
        things.append("the dye that shows up on X-ray")
    return Risk(
        code=RiskCode.ALLERGY,
        title="Allergy",
        explanation=(
            f"You could react to {_join(things, 'or')}. "
            "Most of these are mild, such as an itchy rash. "
            "A severe one can make it hard to breathe. "
            "Our staff are trained and ready to treat this at once. "
            "Tell us about any allergy you have."
        ),
        frequency=(
            "Rare: about 1 in 1,000 people get a mild one. "
            f"A severe one is very rare: fewer than 1 in 10,000. {_ROUGH_ALL}"
        ),
        frequency_band=FrequencyBand.RARE,
        applies_because="this can happen with any drug",
        sources="[S2][S10]" if ctx.imaging in IONISING_IMAGING else "[S2]",
    )


def _anticoagulant_bleeding() -> Risk:
    return Risk(
        code=RiskCode.ANTICOAGULANT_BLEEDING,
        title="More chance of bleeding because you take a blood thinner",
        explanation=(
            "Blood thinners make bleeding and bruising more likely. "
            "You may need to stop your blood thinner for a few days before the injection. "
            "We will tell you when to stop it and when to start it again. "
            "Do not stop it unless we or your doctor tell you to. "
            "Stopping it can cause a blood clot."
        ),
        frequency=(
            "Very rare: fewer than 1 in 10,000 people have a bad bleed near the spine. "
            "A blood thinner makes this more likely, but the exact figure is not known. "
            "Bruising is more common."
        ),
        frequency_band=FrequencyBand.VERY_RARE,
        applies_because="you take a drug that thins your blood",
        sources="[19][21]",
    )


def _nerve_injury(ctx: ConsentContext) -> Risk:
    because = "the needle goes close to the nerves in your back"
    if ctx.procedure is Procedure.TRANSFORAMINAL_EPIDURAL:
        because = "the needle goes right next to a nerve root"
    elif ctx.procedure is Procedure.SACROILIAC_JOINT_INJECTION:
        because = "the needle goes close to nerves near the joint"
    return Risk(
        code=RiskCode.NERVE_INJURY,
        title="Nerve damage",
        explanation=(
            "The needle could touch or harm a nerve. "
            "This can cause new pain, numbness, tingling or weakness. "
            "It most often gets better over days or weeks. "
            "Lasting nerve damage is very rare."
        ),
        frequency=(
            "Rare: fewer than about 1 in 1,000 people, and it most often gets better. "
            f"Lasting harm is very rare: fewer than 1 in 10,000. {_ROUGH_ALL}"
        ),
        frequency_band=FrequencyBand.RARE,
        applies_because=because,
        sources=_GENERAL_SOURCES,
    )


def _severe_harm(ctx: ConsentContext) -> Risk:
    """The FDA 2014 warning [27][28]: every epidural steroid injection, each route."""
    parts = [
        "In 2014, the US drug safety body (the FDA) warned that steroid injections into the "
        "epidural space can, very rarely, cause severe harm. "
        "This can be loss of sight, a stroke, paralysis or death. "
        "Paralysis means you cannot move your legs, or more of your body. "
        "It can happen if a drug gets into a blood vessel that feeds the spinal cord or "
        "brain. A bad bleed or an infection near the spine can also cause paralysis."
    ]
    steroid = ctx.steroid
    transforaminal = ctx.procedure is Procedure.TRANSFORAMINAL_EPIDURAL
    if steroid is None:
        parts.append(
            "Your injection has no steroid. This makes the harm even less likely, "
            "but it does not take the risk away."
        )
    elif steroid in PARTICULATE_STEROIDS:
        name = _steroid_name(steroid)
        parts.append(
            f"Your plan uses {name}. It has tiny bits (particles) in it. "
            "If these bits get into a small blood vessel, they can block it."
        )
        if transforaminal:
            parts.append(
                "Experts say to use a steroid with no bits, such as dexamethasone, for this "
                f"injection. Ask your doctor why your plan uses {name}, and if it can be changed."
            )
    else:
        parts.append(
            f"Your injection uses {_steroid_name(steroid)}, a steroid with no bits "
            "(particles) in it. This makes the harm less likely, but it does not take the "
            "risk away."
        )
    if ctx.imaging in IONISING_IMAGING:
        parts.append(
            "We use live X-ray pictures and a dye to check the needle is not in a blood vessel. "
            "We take great care with the needle. "
            "These steps lower the risk. They do not take it away."
        )
    else:
        parts.append(
            "Ultrasound cannot show a dye, so we cannot check for a blood vessel in that way. "
            "We take great care with the needle. "
            "This lowers the risk. It does not take it away."
        )
    return Risk(
        code=RiskCode.SEVERE_HARM,
        title="Loss of sight, stroke, paralysis or death",
        explanation=" ".join(parts),
        frequency=(
            "Very rare: loss of sight, stroke, paralysis and death each happen to fewer than "
            "1 in 10,000 people. No one knows the exact figure. "
            + (
                "The risk is thought to be highest with this kind of injection."
                if transforaminal
                else "The risk is thought to be lower than with an injection next to a nerve root."
            )
        ),
        frequency_band=FrequencyBand.VERY_RARE,
        applies_because=(
            "you are having an epidural injection, and the FDA warning covers all of them"
        ),
        sources="[27][28][29][30]",
    )


_DURAL_PUNCTURE_FREQUENCY: dict[Procedure, tuple[FrequencyBand, str]] = {
    Procedure.TRANSFORAMINAL_EPIDURAL: (
        FrequencyBand.RARE,
        f"Rare: fewer than about 1 in 1,000 injections next to a nerve root. {_ROUGH}",
    ),
    Procedure.INTERLAMINAR_EPIDURAL: (
        FrequencyBand.UNCOMMON,
        "Uncommon: about 1 in 200 injections between the bones, and up to 1 in 100 in some "
        f"studies. {_ROUGH}",
    ),
    Procedure.CAUDAL_EPIDURAL: (
        FrequencyBand.RARE,
        f"Rare: fewer than about 1 in 1,000 injections near the tailbone. {_ROUGH}",
    ),
}


def _dural_puncture(procedure: Procedure) -> Risk:
    band, frequency = _DURAL_PUNCTURE_FREQUENCY[procedure]
    return Risk(
        code=RiskCode.DURAL_PUNCTURE_HEADACHE,
        title="Headache from a leak of spinal fluid",
        explanation=(
            "The nerves in your spine lie in fluid inside a thin bag. "
            "This bag is called the dura. "
            "Now and then, the needle makes a tiny hole in it, and some fluid leaks out. "
            "This can cause a bad headache. "
            "It is worse when you sit or stand, and better when you lie flat. "
            "It most often gets better in a few days. If not, it can be treated. "
            "Call us if you get this headache."
        ),
        frequency=frequency,
        frequency_band=band,
        applies_because="in an epidural, the needle goes close to the bag of spinal fluid",
        sources="[S2][S5][62]",
    )


def _spinal_injection() -> Risk:
    return Risk(
        code=RiskCode.SPINAL_INJECTION,
        title="Drugs going into the spinal fluid by mistake",
        explanation=(
            "The drugs could go through the dura into the spinal fluid. "
            "A numbing drug there can make your legs, and at times your belly and chest, "
            "numb and weak for a few hours. "
            "Your blood pressure may drop, and it may be hard to breathe. "
            "We would watch you closely and treat this at once."
        ),
        frequency=f"Rare: about 1 in 1,000 epidural injections or fewer. {_ROUGH}",
        frequency_band=FrequencyBand.RARE,
        applies_because="in an epidural, the needle goes close to the bag of spinal fluid",
        sources="[S2]",
    )


def _anaesthetic_toxicity() -> Risk:
    return Risk(
        code=RiskCode.LOCAL_ANAESTHETIC_TOXICITY,
        title="Too much numbing drug in your blood",
        explanation=(
            "If the numbing drug gets into your blood, it can cause a strange taste, ringing "
            "ears, numb lips, or make you feel dizzy. "
            "Very rarely, it can cause a fit or upset the heart. "
            "We use small amounts and check where the needle is. "
            "Our staff are trained to treat it."
        ),
        frequency=(f"Very rare: fewer than 1 in 10,000 people at the amounts we use. {_ROUGH}"),
        frequency_band=FrequencyBand.VERY_RARE,
        applies_because="we use a numbing drug, at least in your skin",
        sources="[S3]",
    )


def _numb_legs(anaesthetic: LocalAnaesthetic) -> Risk:
    return Risk(
        code=RiskCode.LOCAL_ANAESTHETIC_NUMBNESS,
        title="Numb, heavy or weak legs for a few hours",
        explanation=(
            "The numbing drug can reach the nerves to your legs. "
            "Your legs may feel numb, heavy or weak for a few hours. This is normal. "
            f"It should wear off within {NUMBNESS_WEARS_OFF_HOURS} hours. "
            "Take care when you stand up and walk. "
            "Do not drive for the rest of the day."
        ),
        frequency=f"Common: up to about 1 in 10 people. {_ROUGH}",
        frequency_band=FrequencyBand.COMMON,
        applies_because=(f"you will have a numbing drug called {_anaesthetic_name(anaesthetic)}"),
        sources="[62][63]",
    )


def _urine_retention() -> Risk:
    return Risk(
        code=RiskCode.URINE_RETENTION,
        title="Trouble passing urine",
        explanation=(
            "The numbing drug can reach the nerves to your bladder. "
            "For a few hours, it may be hard to pass urine. "
            f"If you cannot pass urine {NUMBNESS_WEARS_OFF_HOURS} hours after the injection, "
            "go to A&E."
        ),
        frequency="Not known: it is not common, but there are no good figures.",
        frequency_band=FrequencyBand.NOT_KNOWN,
        applies_because="an epidural with a numbing drug can reach the nerves to the bladder",
        sources="[S2][S5]",
    )


def _steroid_side_effects(steroid: Steroid) -> Risk:
    return Risk(
        code=RiskCode.STEROID_SIDE_EFFECTS,
        title="Side effects of the steroid",
        explanation=(
            "For a few days, your face may feel hot and look red (flushing). "
            "You may sleep badly, or your mood may change. "
            "Your blood pressure may go up for a short time. "
            "If you have periods, your next one may come early or late. "
            "These effects most often settle in a few days to a week."
        ),
        frequency=(
            "Common: up to about 1 in 10 people get flushing. "
            f"The other effects are less common. {_ROUGH_ALL}"
        ),
        frequency_band=FrequencyBand.COMMON,
        applies_because=f"you will have a steroid called {_steroid_name(steroid)}",
        sources="[S2][62]",
    )


def _steroid_immunity_adrenal(steroid: Steroid) -> Risk:
    return Risk(
        code=RiskCode.STEROID_IMMUNITY_ADRENAL,
        title="Weaker defence against germs, and slower steroid glands",
        explanation=(
            "A steroid can weaken your body's defence against germs for a few weeks. "
            "You may catch things like flu more quickly. "
            "It can also slow down the glands that make your body's own steroid. "
            "They are called the adrenal glands. This lasts a few weeks. "
            "It rarely causes trouble, but it can matter if you get very ill or need an "
            "operation. Tell any doctor who treats you in the next month about this injection."
        ),
        frequency=(
            "Not known: tests show the glands slow down in many people for a few weeks, "
            "but illness from this is rare."
        ),
        frequency_band=FrequencyBand.NOT_KNOWN,
        applies_because=f"you will have a steroid called {_steroid_name(steroid)}",
        sources="[S6][S7]",
    )


def _raised_glucose(threshold_mmol_l: float) -> Risk:
    return Risk(
        code=RiskCode.RAISED_BLOOD_GLUCOSE,
        title="Higher blood sugar",
        explanation=(
            "A steroid makes blood sugar go up in people with diabetes. "
            "This most often lasts about 2 days, but it can last up to 2 weeks. "
            "Check your blood sugar more often in this time. "
            f"If it is above {threshold_mmol_l:g} mmol/L, follow your sick-day rules and call "
            "your diabetes team or GP."
        ),
        frequency=(
            "Very common: more than half of people with diabetes see higher sugar levels. " + _ROUGH
        ),
        frequency_band=FrequencyBand.VERY_COMMON,
        applies_because="you have diabetes and the injection has a steroid",
        sources="[23][24]",
    )


def _tissue_weakening(steroid: Steroid) -> Risk:
    return Risk(
        code=RiskCode.TISSUE_WEAKENING,
        title="Weaker skin, bone or tendons after many steroid injections",
        explanation=(
            "Steroid can make skin, fat, bone or tendons thinner and weaker. "
            "Tendons are the strong cords that join muscle to bone. "
            "The risk grows with each steroid injection and with the total amount over time. "
            "This is why we keep a record and limit how many you have."
        ),
        frequency=(
            "Not known for sure. It is not likely after one injection, and more likely after many."
        ),
        frequency_band=FrequencyBand.NOT_KNOWN,
        applies_because=f"you will have a steroid called {_steroid_name(steroid)}",
        sources="[34]",
    )


def _radiation(ctx: ConsentContext) -> Risk:
    if ctx.imaging is Imaging.CT:
        title = "X-rays from the CT scan"
        dose = (
            "A CT scan uses X-rays. It gives a bigger dose than plain X-ray pictures. "
            "The dose is about the same as the X-rays we all get from the world "
            "around us in a few months to a year."
        )
        frequency = (
            f"Rare: the added lifetime chance of cancer is about 1 in 10,000 or less. {_ROUGH}"
        )
        band = FrequencyBand.RARE
        because = "a CT scanner, which uses X-rays, guides your injection"
    else:
        title = "X-rays"
        dose = (
            "X-ray pictures give a small dose of radiation. "
            "It is about the same as the X-rays we all get from the world around us "
            "in a few weeks to a few months."
        )
        frequency = (
            f"Very rare: the added lifetime chance of cancer is less than 1 in 10,000. {_ROUGH}"
        )
        band = FrequencyBand.VERY_RARE
        because = "X-ray pictures guide your injection"
    if ctx.pregnant:
        pregnancy = (
            "X-rays can harm an unborn baby. You told us you are pregnant. "
            "X-rays are not normally used in pregnancy. "
            "Talk to your doctor about waiting, or about using ultrasound instead."
        )
    else:
        pregnancy = (
            "X-rays can harm an unborn baby. "
            "Tell us if you are pregnant, or might be. We will ask you on the day."
        )
    return Risk(
        code=RiskCode.RADIATION,
        title=title,
        explanation=f"{dose} The added risk of cancer from this is very small. {pregnancy}",
        frequency=frequency,
        frequency_band=band,
        applies_because=because,
        sources="[S9]",
    )


def _rf_skin() -> Risk:
    return Risk(
        code=RiskCode.RF_SKIN_SENSATION,
        title="Burning, tingling or numb skin over your back",
        explanation=(
            "After heat treatment, the skin over the area can feel burning, tingling, sore "
            "or numb. This most often settles in a few weeks."
        ),
        frequency=f"Common: about 1 in 10 people. {_ROUGH}",
        frequency_band=FrequencyBand.COMMON,
        applies_because="you are having heat (radiofrequency) treatment",
        sources="[53]",
    )


def _rf_neuritis() -> Risk:
    return Risk(
        code=RiskCode.RF_NEURITIS,
        title="A sore, irritated nerve (neuritis)",
        explanation=(
            "The heat can irritate a nerve close by. This is called neuritis. "
            "It can cause burning pain in your back or leg. "
            "It most often settles in a few weeks. Painkillers can help while it does."
        ),
        frequency=f"Common: fewer than about 1 in 20 people. {_ROUGH}",
        frequency_band=FrequencyBand.COMMON,
        applies_because="you are having heat (radiofrequency) treatment",
        sources="[53]",
    )


def _rf_pad_burn() -> Risk:
    return Risk(
        code=RiskCode.RF_PAD_BURN,
        title="A burn under the pad on your skin, or at a needle",
        explanation=(
            "The treatment needs a sticky pad on your skin to carry the current. "
            "Very rarely, the skin under the pad, or where a needle goes in, gets burned. "
            "Tell us at once if the pad feels hot during the treatment."
        ),
        frequency=f"Very rare: fewer than 1 in 10,000 people. {_ROUGH}",
        frequency_band=FrequencyBand.VERY_RARE,
        applies_because="heat treatment passes a current through your body to a pad",
        sources="[53]",
    )


def _implanted_device() -> Risk:
    return Risk(
        code=RiskCode.IMPLANTED_DEVICE,
        title="If you have a pacemaker or another device in your body",
        explanation=(
            "The current can upset a pacemaker, a heart defibrillator (ICD), or a spinal cord "
            "or nerve stimulator. "
            "Do you have one of these? If so, tell us before the day. "
            "We may need to check or switch off the device, or change the plan."
        ),
        frequency="Not known: there are no good figures.",
        frequency_band=FrequencyBand.NOT_KNOWN,
        applies_because="heat treatment uses an electric current",
        sources="[53]",
    )


def _mbb_unclear() -> Risk:
    return Risk(
        code=RiskCode.MBB_UNCLEAR_RESULT,
        title="The test result may not be clear",
        explanation=(
            "At times pain goes down after the test for other reasons. "
            "At times it does not go down, even though the joints are the cause. "
            "Then the test may point the wrong way. "
            "Filling in your pain diary with care makes the result more reliable."
        ),
        frequency=(
            "Very common: in some studies, about 1 in 4 single tests gave a wrong result. " + _ROUGH
        ),
        frequency_band=FrequencyBand.VERY_COMMON,
        applies_because="you are having a test (a medial branch block)",
        sources="[51][52][53]",
    )


def _breastfeeding(ctx: ConsentContext) -> Risk:
    drugs = "numbing drug"
    if ctx.steroid is not None:
        drugs = "steroid and numbing drug"
    return Risk(
        code=RiskCode.BREASTFEEDING,
        title="If you breastfeed",
        explanation=(
            f"Small amounts of the {drugs} can pass into breast milk. "
            "For these drugs, experts think harm to a baby is not likely, and most people can "
            "keep feeding. Tell us if you breastfeed, so we can check."
        ),
        frequency="Not known: there are few studies.",
        frequency_band=FrequencyBand.NOT_KNOWN,
        applies_because="drugs can pass into breast milk",
        sources="[S8][S10]" if ctx.imaging in IONISING_IMAGING else "[S8]",
    )


def _no_benefit(ctx: ConsentContext) -> Risk:
    if ctx.procedure is Procedure.MEDIAL_BRANCH_BLOCK:
        explanation = (
            "The test may not ease your pain. That still tells us something useful. "
            "It means your pain is not likely to come from the facet joints, "
            "so heat treatment is not likely to help."
        )
        frequency = (
            "Very common: in many people the test does not ease the pain by half. "
            f"Figures vary a lot. {_ROUGH}"
        )
    else:
        explanation = (
            "Not all people get less pain. Some get no help at all. "
            "If that happens, we will talk with you about other options."
        )
        frequency = {
            Procedure.RADIOFREQUENCY_DENERVATION: (
                "Very common: about half of people or more get little or no lasting relief. "
                + _ROUGH
            ),
            Procedure.FACET_JOINT_INJECTION: (
                "Very common: more than 1 in 10 people, and perhaps most, get little or no "
                f"relief. {_ROUGH}"
            ),
            Procedure.SACROILIAC_JOINT_INJECTION: (
                f"Very common: more than 1 in 10 people get little or no relief. {_ROUGH}"
            ),
        }.get(
            ctx.procedure,
            f"Very common: up to about half of people get little or no relief. {_ROUGH}",
        )
    return Risk(
        code=RiskCode.NO_BENEFIT,
        title="It may not help",
        explanation=explanation,
        frequency=frequency,
        frequency_band=FrequencyBand.VERY_COMMON,
        applies_because="no injection works for all people",
        sources=_BENEFIT_SOURCES[ctx.procedure],
    )


# --- Alternatives, before, after, warning signs --------------------------------------------------


def _alternatives(ctx: ConsentContext) -> tuple[Alternative, ...]:
    epidural = ctx.procedure in EPIDURALS
    alternatives = [
        Alternative(
            "Keep active and keep up your exercises",
            "Staying active and doing the right exercises helps most back pain. "
            "A physio can give you a plan to follow. "
            "You can do this with or without an injection.",
            "[3]",
        ),
        Alternative(
            "A programme of exercise and talking therapy",
            "This is a group course that mixes exercise with a talking therapy, such as CBT. "
            "It helps people cope with pain and do more. "
            "UK guidance suggests it for back pain that has not got better with other care.",
            "[3]",
        ),
        Alternative(
            "Check your pain medicines",
            "Your GP or pharmacist can check that your pain medicines suit you, "
            "and help you take them safely.",
            "[3]",
        ),
    ]
    if ctx.procedure is Procedure.FACET_JOINT_INJECTION:
        alternatives.append(
            Alternative(
                "A test, then heat treatment",
                "UK guidance suggests a different path for pain from the facet joints. "
                "First, a test numbs the small nerves to the joints "
                "(a medial branch block). If that eases your pain by half or more, heat "
                "treatment to those nerves may ease it for longer.",
                "[3][10]",
            )
        )
    if epidural:
        alternatives.append(
            Alternative(
                "See a spine surgeon",
                "For some causes of leg pain, an operation may help. Two examples are a disc "
                "that bulges onto a nerve, or a narrow space around the nerves. "
                "You can ask to see a surgeon to talk about it.",
                "[3]",
            )
        )
    alternatives.append(
        Alternative(
            "Wait and see",
            ("Sciatica often gets better on its own over weeks or months. " if epidural else "")
            + "You can choose not to have the injection, or to wait and decide later.",
            "[3]" if epidural else "",
        )
    )
    return tuple(alternatives)


def _glucose_applies(ctx: ConsentContext) -> bool:
    return ctx.diabetic and ctx.steroid is not None


def _before(ctx: ConsentContext) -> tuple[str, ...]:
    before = [
        "Tell us about all the drugs you take, even ones you buy yourself.",
        "Tell us about any allergy you have.",
        "Tell us if you feel unwell, or have a fever or an infection. "
        "We may need to change the date.",
        "Tell us if you breastfeed.",
    ]
    if ctx.procedure is Procedure.RADIOFREQUENCY_DENERVATION:
        before.append(
            "Tell us if you have a pacemaker, a heart defibrillator (ICD), or a spinal cord or "
            "nerve stimulator."
        )
    if ctx.on_anticoagulant:
        before.append(
            "We will tell you if and when to stop your blood thinner before the injection. "
            "Do not stop it unless we or your doctor tell you to."
        )
    if ctx.diabetic:
        before.append("Eat and take your diabetes medicines as normal, unless we tell you not to.")
        if ctx.steroid is not None:
            before.append("Check your blood sugar on the morning of the day.")
    if ctx.pregnant:
        before.append("You told us you are pregnant. Talk to your doctor before the day.")
    elif ctx.pregnant is None and ctx.imaging in IONISING_IMAGING:
        before.append("Tell us if you are pregnant, or might be.")
    if ctx.procedure is Procedure.MEDIAL_BRANCH_BLOCK:
        before.append(
            "Come with your normal pain, so the test can show what changes. "
            "Ask us which painkillers you can take on the day."
        )
    before.append("Ask an adult to take you home. Do not plan to drive yourself.")
    return tuple(before)


def _after(ctx: ConsentContext) -> tuple[str, ...]:
    after = [
        "Go home with an adult. Do not drive for the rest of the day.",
        (
            "For the next few hours, move about and do your normal things, so the test is fair."
            if ctx.procedure is Procedure.MEDIAL_BRANCH_BLOCK
            else "Rest for the rest of the day. Walking is fine."
        ),
    ]
    if ctx.local_anaesthetic is not None:
        where = (
            "Your legs, or the skin between your legs,"
            if ctx.procedure in EPIDURALS
            else "Your back or legs"
        )
        after.append(
            f"{where} may feel numb or heavy for a few hours from the numbing drug. "
            f"This is normal. It should wear off within {NUMBNESS_WEARS_OFF_HOURS} hours."
        )
    after += [
        "Do not lift heavy things or do hard exercise for a few days. "
        "Then build up slowly, as your physio says.",
        "Keep the dressing dry for one to two days. You can shower, but do not have a bath "
        "or swim.",
    ]
    if ctx.procedure is Procedure.MEDIAL_BRANCH_BLOCK:
        after.append(
            "Fill in your pain diary. Score your pain at 30 minutes, then at 1, 2, 4, 6 and 8 "
            "hours after the test. Try the things that bring on your pain."
        )
    if _glucose_applies(ctx):
        after.append("Check your blood sugar more often for up to 2 weeks.")
    if ctx.on_anticoagulant:
        after.append("Start your blood thinner again when we tell you to.")
    if ctx.steroid is not None:
        after.append(
            "Tell any doctor who treats you in the next month that you had a steroid injection."
        )
    after.append(
        "We will send you short forms about your pain. "
        "Your answers show us if the injection worked."
    )
    return tuple(after)


def _emergency_signs(ctx: ConsentContext) -> tuple[str, ...]:
    hours = NUMBNESS_WEARS_OFF_HOURS
    if ctx.local_anaesthetic is not None:
        legs = (
            f"Numbness, heaviness or weakness in your legs that has not gone {hours} hours "
            "after the injection, or that comes back or gets worse after it has gone."
        )
        saddle = (
            "Numbness between your legs or around your bottom that lasts more than "
            f"{hours} hours, or that starts after the numbing has worn off."
        )
    else:
        legs = "New numbness, heaviness or weakness in your legs."
        saddle = "New numbness between your legs or around your bottom."
    signs = [
        legs,
        saddle,
        f"You cannot pass urine {hours} hours after the injection, or you lose control of your "
        "bladder or bowels.",
        "New problems with sex, such as loss of feeling or not being able to get an erection"
        + (", once the numbing has worn off." if ctx.local_anaesthetic is not None else "."),
        "Severe back pain that keeps getting worse, with a fever or shivers.",
        "A headache with a stiff neck or a fever.",
        "Bleeding where the needle went in that does not stop after 10 minutes of firm pressing.",
        "Sudden loss of sight, a drooping face, a weak arm or slurred speech: call 999.",
        "Swelling of your face, lips or tongue, or trouble breathing: call 999.",
    ]
    if _glucose_applies(ctx):
        signs.append(
            f"Your blood sugar is above {ctx.sick_day_glucose_mmol_l:g} mmol/L and you are "
            "being sick, or feel very unwell or drowsy."
        )
    return tuple(signs)


def _call_us_signs(ctx: ConsentContext) -> tuple[str, ...]:
    signs = [
        "A fever of 38°C or more, or redness, heat, swelling or pus where the needle went in.",
        "A headache that is worse when you sit or stand and better when you lie down.",
        "Pain that is much worse than before and does not settle after 2 days.",
    ]
    if _glucose_applies(ctx):
        signs.append(
            f"Your blood sugar is above {ctx.sick_day_glucose_mmol_l:g} mmol/L. Follow your "
            "sick-day rules and call your diabetes team or GP too."
        )
    return tuple(signs)
