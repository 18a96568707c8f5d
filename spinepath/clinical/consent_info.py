"""What a patient is told, and consents to, before a spinal injection.

``build_consent_information`` turns the plan (procedure, imaging, drugs, levels, side) and a few
patient facts (diabetes, blood thinners, pregnancy) into the information sheet: what the
injection is, why and how it is done, what it may achieve and for how long, each risk that applies
and *why* it applies to this patient, the alternatives, and what to do before and after.

Wording rules: plain English for a reading age of about 11 (short sentences, everyday words, every
medical word explained; measured in ``tests/test_consent_info.py``). All text is spinepath's own.

Frequencies follow the UK consent convention (``FREQUENCY_BAND_MEANINGS``). The figures are
approximate and the text says so; published rates vary between studies and clinics. A clinic that
has its own audited figures should change the wording here and bump the version.

Versioning: ``INFORMATION_VERSION`` names the wording. **Any change to any patient-facing text
here — a word, a figure, a new or removed risk — bumps it**, and the consent record stores the
version the patient was shown, so that what a patient agreed to can be reproduced later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from spinepath.clinical.vocab import (
    EPIDURALS,
    IONISING_IMAGING,
    Imaging,
    Laterality,
    LocalAnaesthetic,
    Procedure,
    Steroid,
)

INFORMATION_VERSION = "consent-info 2026.11.1"
"""The wording version; bump on any change to patient-facing text (see the module docstring)."""

SPINAL_LEVELS: tuple[str, ...] = ("L1/L2", "L2/L3", "L3/L4", "L4/L5", "L5/S1", "S1")
"""Lumbar levels (the disc or joint between two vertebrae) and S1, top to bottom."""


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
    # Listed for everyone.
    PAIN_FLARE = "pain_flare"
    INFECTION = "infection"
    BLEEDING = "bleeding"
    ALLERGY = "allergy"
    NERVE_INJURY = "nerve_injury"
    NO_BENEFIT = "no_benefit"
    # Listed when their condition holds.
    TISSUE_WEAKENING = "tissue_weakening"
    STEROID_SIDE_EFFECTS = "steroid_side_effects"
    RAISED_BLOOD_GLUCOSE = "raised_blood_glucose"
    DURAL_PUNCTURE_HEADACHE = "dural_puncture_headache"
    RADIATION = "radiation"
    ANTICOAGULANT_BLEEDING = "anticoagulant_bleeding"
    LOCAL_ANAESTHETIC_NUMBNESS = "local_anaesthetic_numbness"
    RF_SKIN_SENSATION = "rf_skin_sensation"
    RF_NEURITIS = "rf_neuritis"
    MBB_UNCLEAR_RESULT = "mbb_unclear_result"


ALWAYS_LISTED: frozenset[RiskCode] = frozenset(
    {
        RiskCode.PAIN_FLARE,
        RiskCode.INFECTION,
        RiskCode.BLEEDING,
        RiskCode.ALLERGY,
        RiskCode.NERVE_INJURY,
        RiskCode.NO_BENEFIT,
    }
)

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

    def __post_init__(self) -> None:
        validate_levels(self.levels)


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


@dataclass(frozen=True)
class Alternative:
    title: str
    explanation: str


@dataclass(frozen=True)
class ConsentInformation:
    version: str
    title: str
    what_it_is: str
    why: str
    how_it_is_done: str
    expected_benefit: str
    how_long_relief_lasts: str
    risks: tuple[Risk, ...]
    alternatives: tuple[Alternative, ...]
    before: tuple[str, ...]
    after: tuple[str, ...]

    def risk(self, code: str) -> Risk | None:
        return next((r for r in self.risks if r.code == code), None)

    @property
    def risk_codes(self) -> frozenset[str]:
        return frozenset(r.code for r in self.risks)

    def patient_texts(self) -> tuple[str, ...]:
        """Every piece of text the patient reads, in reading order (for display checks)."""
        texts = [
            self.title,
            self.what_it_is,
            self.why,
            self.how_it_is_done,
            self.expected_benefit,
            self.how_long_relief_lasts,
        ]
        for risk in self.risks:
            texts += [risk.title, risk.explanation, risk.frequency, risk.applies_because]
        for alternative in self.alternatives:
            texts += [alternative.title, alternative.explanation]
        return (*texts, *self.before, *self.after)


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
    Procedure.MEDIAL_BRANCH_BLOCK: "a test injection to find where your pain comes from",
    Procedure.RADIOFREQUENCY_DENERVATION: "heat treatment to small nerves in your back",
    Procedure.SACROILIAC_JOINT_INJECTION: "an injection into the joint at the base of your spine",
}


def procedure_title(procedure: Procedure) -> str:
    """The procedure's usual name, as on the consent form ("Caudal epidural injection")."""
    return _TITLES[procedure]


def build_consent_information(ctx: ConsentContext) -> ConsentInformation:
    """The information sheet for ``ctx``; pure and deterministic."""
    return ConsentInformation(
        version=INFORMATION_VERSION,
        title=f"{procedure_title(ctx.procedure)}: {_PLAIN_NAMES[ctx.procedure]}",
        what_it_is=_what_it_is(ctx),
        why=_WHY[ctx.procedure],
        how_it_is_done=_how_it_is_done(ctx),
        expected_benefit=_expected_benefit(ctx),
        how_long_relief_lasts=_how_long(ctx),
        risks=_risks(ctx),
        alternatives=_alternatives(ctx),
        before=_before(ctx),
        after=_after(ctx),
    )


# --- What it is, why, how ------------------------------------------------------------------------

_WHAT: dict[Procedure, str] = {
    Procedure.TRANSFORAMINAL_EPIDURAL: (
        "Nerves leave your spine through small gaps between the bones. "
        "The part of the nerve in that gap is called the nerve root. "
        "In this injection, the medicine goes into the gap, right next to the nerve root."
    ),
    Procedure.INTERLAMINAR_EPIDURAL: (
        "The nerves in your spine are wrapped in a thin bag. "
        "The space just outside this bag is called the epidural space. "
        "In this injection, the needle goes in from the back, between two bones. "
        "The medicine goes into the epidural space."
    ),
    Procedure.CAUDAL_EPIDURAL: (
        "The nerves in your spine are wrapped in a thin bag. "
        "The space just outside this bag is called the epidural space. "
        "In this injection, the needle goes in through a small gap near your tailbone. "
        "The medicine then spreads up to the nerves in your lower back."
    ),
    Procedure.FACET_JOINT_INJECTION: (
        "Facet joints are small joints at the back of your spine. "
        "They link each bone of the spine to the next one. "
        "In this injection, the medicine goes into or just next to these joints."
    ),
    Procedure.MEDIAL_BRANCH_BLOCK: (
        "Facet joints are small joints at the back of your spine. "
        "Small nerves called medial branches carry pain from these joints. "
        "This is a test. We put numbing medicine next to these small nerves. "
        "Then we see if your pain goes down for a few hours."
    ),
    Procedure.RADIOFREQUENCY_DENERVATION: (
        "Facet joints are small joints at the back of your spine. "
        "Small nerves called medial branches carry pain from these joints. "
        "In this treatment, we use heat from a needle tip to stop these nerves sending pain "
        "signals. They are the same nerves that were numbed in your test injection."
    ),
    Procedure.SACROILIAC_JOINT_INJECTION: (
        "The sacroiliac joint joins the base of your spine to your pelvis (your hip bone). "
        "You have one on each side. "
        "In this injection, the medicine goes into this joint."
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
        "UK guidance does not advise this injection for most people with back pain. "
        "Your doctor will tell you why they think it may help you."
    ),
    Procedure.MEDIAL_BRANCH_BLOCK: (
        "It helps us find out if your back pain comes from the facet joints. "
        "If the test takes away most of your pain for a few hours, you may be offered heat "
        "treatment to the same nerves. Heat treatment can ease the pain for much longer."
    ),
    Procedure.RADIOFREQUENCY_DENERVATION: (
        "Your test injection eased your back pain a lot. "
        "This means your pain most likely comes from the facet joints. "
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


def _medicines_sentence(ctx: ConsentContext) -> str:
    steroid, anaesthetic = ctx.steroid, ctx.local_anaesthetic
    steroid_words = "A steroid calms swelling and soreness (inflammation)."
    if steroid is not None and anaesthetic is not None:
        return (
            f"The injection has a steroid called {_steroid_name(steroid)} and a numbing "
            f"medicine called {_anaesthetic_name(anaesthetic)}. {steroid_words} "
            "The numbing medicine is a local anaesthetic."
        )
    if steroid is not None:
        return f"The injection has a steroid called {_steroid_name(steroid)}. {steroid_words}"
    if anaesthetic is not None:
        return (
            "The injection has a numbing medicine (a local anaesthetic) called "
            f"{_anaesthetic_name(anaesthetic)}. There is no steroid in it."
        )
    return "There is no steroid in this injection."


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
    parts = [_WHAT[ctx.procedure], _medicines_sentence(ctx), _where_sentence(ctx)]
    return " ".join(p for p in parts if p)


_IMAGING_SENTENCE: dict[Imaging, str] = {
    Imaging.FLUOROSCOPY: (
        "We use X-ray pictures (fluoroscopy) to guide the needle to the right place. "
        "We may inject a dye that shows up on X-ray, to check where the medicine will go."
    ),
    Imaging.CT: (
        "We use a CT scanner to guide the needle to the right place. "
        "A CT scanner is a kind of X-ray machine. "
        "We may inject a dye that shows up on the scan, to check where the medicine will go."
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
            "We place thin needles next to the small nerves. "
            "We send a tiny electric pulse down each needle to check it is in the right place. "
            "You may feel tingling or a tapping feeling in your back. "
            "We numb each nerve, then heat it for about one to two minutes. "
            "The whole treatment can take up to an hour."
        )
    elif ctx.procedure is Procedure.MEDIAL_BRANCH_BLOCK:
        middle = (
            "We put a small amount of numbing medicine next to each small nerve. "
            "It usually takes less than half an hour."
        )
    else:
        middle = (
            "Then we put in the needle and inject the medicine. "
            "It usually takes less than half an hour."
        )
    end = (
        "You are awake the whole time. "
        "You can ask us to stop at any time. "
        "You can go home the same day."
    )
    return " ".join((start, _IMAGING_SENTENCE[ctx.imaging], middle, end))


# --- Benefit and how long it lasts ---------------------------------------------------------------


def _expected_benefit(ctx: ConsentContext) -> str:
    if ctx.procedure is Procedure.MEDIAL_BRANCH_BLOCK:
        return (
            "This test is not a treatment. Its job is to show where your pain comes from. "
            "Your pain diary tells us how much the test helped. "
            "If your pain goes down by half or more, heat treatment may help you. "
            "If it does not, that is useful too. It means we should look at other options."
        )
    not_a_cure = (
        "It is not a cure. It can give you a window of less pain. "
        "Use that time to move more and build up your exercises. "
        "That is what helps most in the long run."
    )
    if ctx.procedure is Procedure.RADIOFREQUENCY_DENERVATION:
        return (
            "Many people with a good test result have less back pain after heat treatment. "
            "It does not help everyone. " + not_a_cure
        )
    if ctx.steroid is None:
        return (
            "Many people have less pain for a few hours while the numbing medicine works. "
            "Some get help for longer, but this is harder to predict without a steroid. "
            + not_a_cure
        )
    return (
        "Many people have less pain for a while. Some get little or no help. "
        "We cannot tell in advance who will be helped. " + not_a_cure
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
            "Relief usually starts within two to four weeks. "
            "It often lasts from six months to a year, and sometimes longer. "
            "The nerves slowly grow back, so the pain may return. "
            "If the treatment helped, it can be done again."
        )
    numbing = ""
    if ctx.local_anaesthetic is not None:
        numbing = (
            "The numbing medicine wears off after a few hours. "
            "Your pain may come back for a while after that. "
        )
    if ctx.steroid is None:
        return numbing + "Any longer relief is hard to predict. It is different for each person."
    return numbing + (
        "The steroid usually starts to work after 2 to 5 days. It can take up to 2 weeks. "
        "If it works, relief may last for weeks or months. "
        "This is different for each person."
    )


# --- Risks ---------------------------------------------------------------------------------------

_ANY_INJECTION = "this can happen after any injection"


def _risks(ctx: ConsentContext) -> tuple[Risk, ...]:
    risks = [_pain_flare(ctx), _infection(), _bleeding(), _allergy(ctx)]
    if ctx.on_anticoagulant:
        risks.append(_anticoagulant_bleeding())
    risks.append(_nerve_injury(ctx))
    if ctx.procedure in EPIDURALS:
        risks.append(_dural_puncture())
    if ctx.local_anaesthetic is not None:
        risks.append(_numb_legs(ctx.local_anaesthetic))
    if ctx.steroid is not None:
        risks.append(_steroid_side_effects(ctx.steroid))
        if ctx.diabetic:
            risks.append(_raised_glucose())
        risks.append(_tissue_weakening(ctx.steroid))
    if ctx.imaging in IONISING_IMAGING:
        risks.append(_radiation(ctx))
    if ctx.procedure is Procedure.RADIOFREQUENCY_DENERVATION:
        risks += [_rf_skin(), _rf_neuritis()]
    if ctx.procedure is Procedure.MEDIAL_BRANCH_BLOCK:
        risks.append(_mbb_unclear())
    risks.append(_no_benefit(ctx))
    return tuple(risks)


def _pain_flare(ctx: ConsentContext) -> Risk:
    how_long = (
        "After heat treatment, the soreness can last up to two weeks."
        if ctx.procedure is Procedure.RADIOFREQUENCY_DENERVATION
        else "It usually settles within a day or two."
    )
    return Risk(
        code=RiskCode.PAIN_FLARE,
        title="More pain for a short time",
        explanation=(
            "Your pain may get worse for a while after the injection. "
            f"{how_long} Rest, ice and your usual painkillers can help."
        ),
        frequency="Common: about 1 in 10 people. This is a rough figure.",
        frequency_band=FrequencyBand.COMMON,
        applies_because=_ANY_INJECTION,
    )


def _infection() -> Risk:
    return Risk(
        code=RiskCode.INFECTION,
        title="Infection",
        explanation=(
            "Germs can get in where the needle goes through the skin. "
            "We keep everything very clean to stop this. "
            "Signs of infection are redness, heat, swelling or a fever. "
            "Very rarely, an infection can start deep near the spine. "
            "This is serious and needs treatment straight away."
        ),
        frequency=(
            "Rare: about 1 in 1,000 people or fewer get an infection in the skin. "
            "A deep infection is very rare: fewer than 1 in 10,000. "
            "These are rough figures."
        ),
        frequency_band=FrequencyBand.RARE,
        applies_because=_ANY_INJECTION,
    )


def _bleeding() -> Risk:
    return Risk(
        code=RiskCode.BLEEDING,
        title="Bleeding or bruising",
        explanation=(
            "You may get a small bruise, or a little bleeding where the needle went in. "
            "This is harmless and fades in a few days. "
            "Very rarely, blood can collect near the spine and press on the nerves. "
            "This needs treatment straight away."
        ),
        frequency=(
            "Common: about 1 in 10 people get a small bruise. "
            "Serious bleeding near the spine is very rare: fewer than 1 in 10,000. "
            "These are rough figures."
        ),
        frequency_band=FrequencyBand.COMMON,
        applies_because=_ANY_INJECTION,
    )


def _allergy(ctx: ConsentContext) -> Risk:
    things = ["a medicine we use", "the liquid we clean your skin with"]
    if ctx.imaging in IONISING_IMAGING:
        things.append("the dye that shows up on X-ray")
    return Risk(
        code=RiskCode.ALLERGY,
        title="Allergic reaction",
        explanation=(
            f"You could react to {_join(things, 'or')}. "
            "Most reactions are mild, such as an itchy rash. "
            "A severe reaction can make it hard to breathe. "
            "Our staff are trained and ready to treat this at once. "
            "Tell us about any allergies you have."
        ),
        frequency=(
            "Rare: about 1 in 1,000 people get a mild reaction. "
            "A severe reaction is very rare: fewer than 1 in 10,000. "
            "These are rough figures."
        ),
        frequency_band=FrequencyBand.RARE,
        applies_because="this can happen with any medicine",
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
            "Very rare: fewer than 1 in 10,000 people have serious bleeding near the spine. "
            "A blood thinner makes this more likely, but exact figures are not known. "
            "Bruising is more common."
        ),
        frequency_band=FrequencyBand.VERY_RARE,
        applies_because="you take a medicine that thins your blood",
    )


def _nerve_injury(ctx: ConsentContext) -> Risk:
    explanation = (
        "The needle could touch or harm a nerve. "
        "This can cause new pain, numbness, tingling or weakness. "
        "It usually gets better over days or weeks. "
        "Lasting nerve damage is very rare."
    )
    because = "the needle goes close to the nerves in your back"
    if ctx.procedure is Procedure.TRANSFORAMINAL_EPIDURAL:
        explanation += (
            " With this type of injection, there have been very rare reports of serious harm "
            "to the spinal cord. This can cause paralysis, which means not being able to move "
            "your legs. It happened when tiny bits (particles) in some steroids got into a small "
            "blood vessel and blocked it. Dexamethasone is a steroid with no particles. "
            "That is why doctors prefer it for this injection."
        )
        if ctx.steroid is Steroid.DEXAMETHASONE:
            explanation += " Your injection uses dexamethasone."
        elif ctx.steroid is None:
            explanation += " Your injection has no steroid."
        else:
            explanation += (
                f" Your plan uses {_steroid_name(ctx.steroid)}. "
                "Ask your doctor why, and if dexamethasone could be used instead."
            )
        because = (
            "the needle goes next to a nerve root, close to small blood vessels that feed "
            "the spinal cord"
        )
    return Risk(
        code=RiskCode.NERVE_INJURY,
        title="Nerve damage",
        explanation=explanation,
        frequency=(
            "Rare: fewer than about 1 in 1,000 people, and it usually gets better. "
            "Lasting or serious harm is very rare: fewer than 1 in 10,000. "
            "These are rough figures."
        ),
        frequency_band=FrequencyBand.RARE,
        applies_because=because,
    )


def _dural_puncture() -> Risk:
    return Risk(
        code=RiskCode.DURAL_PUNCTURE_HEADACHE,
        title="Headache from a leak of spinal fluid",
        explanation=(
            "The nerves in your spine float in fluid inside a thin bag. "
            "This bag is called the dura. "
            "Sometimes the needle makes a tiny hole in it, and some fluid leaks out. "
            "This can cause a bad headache. "
            "It is worse when you sit or stand, and better when you lie flat. "
            "It usually gets better in a few days. If it does not, it can be treated. "
            "Call us if you get this headache."
        ),
        frequency=("Uncommon: about 1 in 200 epidural injections. This is a rough figure."),
        frequency_band=FrequencyBand.UNCOMMON,
        applies_because="an epidural injection goes close to the bag of spinal fluid",
    )


def _numb_legs(anaesthetic: LocalAnaesthetic) -> Risk:
    return Risk(
        code=RiskCode.LOCAL_ANAESTHETIC_NUMBNESS,
        title="Numb or weak legs for a few hours",
        explanation=(
            "The numbing medicine can reach the nerves to your legs. "
            "Your legs may feel numb, heavy or weak for a few hours. "
            "Take care when you stand up and walk. "
            "Do not drive for the rest of the day."
        ),
        frequency=(
            "Common: up to about 1 in 10 people. It wears off within a few hours. "
            "This is a rough figure."
        ),
        frequency_band=FrequencyBand.COMMON,
        applies_because=(
            f"your injection has a numbing medicine (a local anaesthetic) called "
            f"{_anaesthetic_name(anaesthetic)}"
        ),
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
            "These effects usually settle within a few days to a week."
        ),
        frequency=(
            "Common: up to about 1 in 10 people get flushing. "
            "The other effects are less common. These are rough figures."
        ),
        frequency_band=FrequencyBand.COMMON,
        applies_because=f"your injection has a steroid called {_steroid_name(steroid)}",
    )


def _raised_glucose() -> Risk:
    return Risk(
        code=RiskCode.RAISED_BLOOD_GLUCOSE,
        title="Higher blood sugar",
        explanation=(
            "A steroid makes blood sugar go up in people with diabetes. "
            "This usually lasts about 2 days, but it can last up to 2 weeks. "
            "Check your blood sugar more often during this time. "
            "If it stays high, call your diabetes team or your GP."
        ),
        frequency=(
            "Very common: more than half of people with diabetes see higher sugar levels. "
            "This is a rough figure."
        ),
        frequency_band=FrequencyBand.VERY_COMMON,
        applies_because="you have diabetes and the injection has a steroid",
    )


def _tissue_weakening(steroid: Steroid) -> Risk:
    return Risk(
        code=RiskCode.TISSUE_WEAKENING,
        title="Weaker body tissues after many steroid injections",
        explanation=(
            "Steroid can make skin, fat, bone or tendons thinner and weaker. "
            "Tendons are the strong cords that join muscle to bone. "
            "The risk grows with each steroid injection and with the total amount over time. "
            "This is why we keep a record and limit how many you have."
        ),
        frequency=(
            "Not known exactly. It is unlikely after one injection, and more likely after many."
        ),
        frequency_band=FrequencyBand.NOT_KNOWN,
        applies_because=f"your injection has a steroid called {_steroid_name(steroid)}",
    )


def _radiation(ctx: ConsentContext) -> Risk:
    if ctx.imaging is Imaging.CT:
        title = "Radiation from the CT scan"
        dose = (
            "A CT scan uses X-rays. It gives a bigger dose than plain X-ray pictures. "
            "The dose is about the same as the natural radiation we all get from the world "
            "around us in a few months to a year."
        )
        frequency = (
            "Rare: the extra lifetime chance of cancer is about 1 in 10,000 or less. "
            "This is a rough figure."
        )
        band = FrequencyBand.RARE
        because = "a CT scanner, which uses X-rays, guides your injection"
    else:
        title = "Radiation from X-rays"
        dose = (
            "X-ray pictures give a small dose of radiation. "
            "It is about the same as the natural radiation we all get from the world around us "
            "in a few weeks to a few months."
        )
        frequency = (
            "Very rare: the extra lifetime chance of cancer is less than 1 in 10,000. "
            "This is a rough figure."
        )
        band = FrequencyBand.VERY_RARE
        because = "X-ray pictures (fluoroscopy) guide your injection"
    if ctx.pregnant:
        pregnancy = (
            "Radiation can harm an unborn baby. You told us you are pregnant. "
            "X-rays are not normally used in pregnancy. "
            "Talk to your doctor about waiting, or about using ultrasound instead."
        )
    else:
        pregnancy = (
            "Radiation can harm an unborn baby. "
            "Tell us if you are pregnant, or might be. We will ask you on the day."
        )
    return Risk(
        code=RiskCode.RADIATION,
        title=title,
        explanation=f"{dose} The extra risk of cancer from this is very small. {pregnancy}",
        frequency=frequency,
        frequency_band=band,
        applies_because=because,
    )


def _rf_skin() -> Risk:
    return Risk(
        code=RiskCode.RF_SKIN_SENSATION,
        title="Burning, tingling or numb skin over your back",
        explanation=(
            "After heat treatment, the skin over the area can feel burning, tingling, sore "
            "or numb. This usually settles within a few weeks. "
            "Very rarely, the skin can be burned."
        ),
        frequency="Common: about 1 in 10 people. This is a rough figure.",
        frequency_band=FrequencyBand.COMMON,
        applies_because="you are having heat (radiofrequency) treatment",
    )


def _rf_neuritis() -> Risk:
    return Risk(
        code=RiskCode.RF_NEURITIS,
        title="A sore, irritated nerve (neuritis)",
        explanation=(
            "The heat can irritate a nerve close by. This is called neuritis. "
            "It can cause burning pain in your back or leg. "
            "It usually settles within a few weeks. Medicines can help while it does."
        ),
        frequency="Common: fewer than about 1 in 20 people. This is a rough figure.",
        frequency_band=FrequencyBand.COMMON,
        applies_because="you are having heat (radiofrequency) treatment",
    )


def _mbb_unclear() -> Risk:
    return Risk(
        code=RiskCode.MBB_UNCLEAR_RESULT,
        title="The test result may not be clear",
        explanation=(
            "Sometimes pain goes down after the test for other reasons. "
            "Sometimes it does not go down, even though the joints are the cause. "
            "Then the test may point the wrong way. "
            "Filling in your pain diary with care makes the result more reliable."
        ),
        frequency=(
            "Very common: in some studies, about 1 in 4 single tests gave a misleading result. "
            "This is a rough figure."
        ),
        frequency_band=FrequencyBand.VERY_COMMON,
        applies_because="you are having a test injection (a medial branch block)",
    )


def _no_benefit(ctx: ConsentContext) -> Risk:
    if ctx.procedure is Procedure.MEDIAL_BRANCH_BLOCK:
        explanation = (
            "The test may not ease your pain. That still tells us something useful. "
            "It means your pain most likely does not come from the facet joints, "
            "so heat treatment is unlikely to help."
        )
    else:
        explanation = (
            "Not everyone gets less pain. Some people get no help at all. "
            "If that happens, we will talk with you about other options."
        )
    return Risk(
        code=RiskCode.NO_BENEFIT,
        title="It may not help",
        explanation=explanation,
        frequency=(
            "Very common: more than 1 in 10 people get little or no relief. "
            "It depends on the injection and the cause of the pain, so this is a rough figure."
        ),
        frequency_band=FrequencyBand.VERY_COMMON,
        applies_because="no injection works for everyone",
    )


# --- Alternatives, before, after -----------------------------------------------------------------


def _alternatives(ctx: ConsentContext) -> tuple[Alternative, ...]:
    epidural = ctx.procedure in EPIDURALS
    alternatives = [
        Alternative(
            "Keep up physiotherapy and exercise",
            "Staying active and doing the right exercises helps most back pain. "
            "A physiotherapist can give you a plan. "
            "You can do this with or without an injection.",
        ),
        Alternative(
            "Check your pain medicines",
            "Your GP or pharmacist can check that your pain medicines suit you, "
            "and help you take them safely.",
        ),
    ]
    if ctx.procedure is Procedure.FACET_JOINT_INJECTION:
        alternatives.append(
            Alternative(
                "A test injection, then heat treatment",
                "UK guidance suggests a different path for pain from the facet joints. "
                "First, a test injection numbs the small nerves to the joints "
                "(a medial branch block). If that eases your pain a lot, heat treatment to "
                "those nerves (radiofrequency denervation) may ease it for longer.",
            )
        )
    if epidural:
        alternatives.append(
            Alternative(
                "See a spinal surgeon",
                "For some causes of leg pain, an operation may help. Examples are a disc "
                "that bulges onto a nerve, or a narrow space around the nerves. "
                "You can ask to see a surgeon to talk about it.",
            )
        )
    alternatives.append(
        Alternative(
            "Wait and see",
            (
                "Sciatica often gets better on its own over weeks or months. "
                if epidural
                else "Back pain often gets better over time. "
            )
            + "You can choose not to have the injection, or to wait and decide later.",
        )
    )
    return tuple(alternatives)


def _before(ctx: ConsentContext) -> tuple[str, ...]:
    before = [
        "Tell us about all the medicines you take, including any you buy yourself.",
        "Tell us about any allergies you have.",
        "Tell us if you feel unwell, or have a fever or an infection. "
        "We may need to change the date.",
    ]
    if ctx.on_anticoagulant:
        before.append(
            "We will tell you if and when to stop your blood thinner before the injection. "
            "Do not stop it unless we or your doctor tell you to."
        )
    if ctx.diabetic:
        before.append("Eat and take your diabetes medicines as usual, unless we tell you not to.")
        if ctx.steroid is not None:
            before.append("Check your blood sugar on the morning of the injection.")
    if ctx.pregnant:
        before.append("You told us you are pregnant. Talk to your doctor before the day.")
    elif ctx.pregnant is None and ctx.imaging in IONISING_IMAGING:
        before.append("Tell us if you are pregnant, or might be.")
    if ctx.procedure is Procedure.MEDIAL_BRANCH_BLOCK:
        before.append(
            "Come with your usual pain, so the test can show what changes. "
            "Ask us which painkillers you can take on the day."
        )
    before.append("Ask an adult to take you home. Do not plan to drive yourself.")
    return tuple(before)


def _after(ctx: ConsentContext) -> tuple[str, ...]:
    after = [
        "Go home with an adult. Do not drive for the rest of the day.",
        (
            "For the next few hours, move about and do your usual things, so the test is fair."
            if ctx.procedure is Procedure.MEDIAL_BRANCH_BLOCK
            else "Rest for the rest of the day. Walking is fine."
        ),
        "Do not lift heavy things or do hard exercise for a few days. "
        "Then build up slowly, as your physiotherapist advises.",
        "Keep the dressing dry for one to two days. You can shower, but do not have a bath "
        "or swim.",
    ]
    if ctx.procedure is Procedure.MEDIAL_BRANCH_BLOCK:
        after.append(
            "Fill in your pain diary. Score your pain at 30 minutes, then at 1, 2, 4, 6 and 8 "
            "hours after the test. Try the things that usually bring on your pain."
        )
    if ctx.diabetic and ctx.steroid is not None:
        after.append("Check your blood sugar more often for up to 2 weeks.")
    if ctx.on_anticoagulant:
        after.append("Start your blood thinner again when we tell you to.")
    after += [
        "We will send you short forms about your pain. "
        "Your answers show us if the injection worked.",
        "Get help at once if you have a fever, new weakness in your legs, "
        "or a new headache that is worse when you sit up.",
        "Go to A and E at once if you have numbness between your legs or around your bottom, "
        "or new trouble passing urine or controlling your bladder or bowels. "
        "Your leaflet tells you who to call.",
    ]
    return tuple(after)
