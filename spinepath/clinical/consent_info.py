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

The words live in ``data/consent_info.en.toml`` (one file per language, beside ``coding.toml``);
this module only selects which texts apply to a plan and a patient, and fills in the dose, the
drug names, the levels, the hours and the clinic's glucose threshold.

Wording rules: plain English measured with textstat (``readability.py``) by Flesch–Kincaid and by
SMOG, the measure health leaflets use; every generated sheet is held to SMOG grade 7 or below
(``tests/test_consent_info.py``; ``bench/readability.py`` prints the figures). All text is
spinepath's own.

Frequencies follow the UK consent convention (``FREQUENCY_BAND_MEANINGS``). The figures are
approximate and the text says so; published rates vary between studies and clinics. A clinic that
has its own audited figures should change the data file and bump the version.

Versioning: ``INFORMATION_VERSION`` names the wording. **Any change to any patient-facing text
(in the data file or here) — a word, a figure, a new or removed risk — bumps it**, and the
consent record stores the version the patient was shown, so that what a patient agreed to can be
reproduced later.
``wording_fingerprint()`` hashes every sheet the plan allows; the test suite pins one hash per
version, so changed text without a new version fails.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

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


DATA_FILE = Path(__file__).parent / "data" / "consent_info.en.toml"
"""Every word of the sheet, in British English (one file per language)."""


def load_texts(path: Path = DATA_FILE) -> dict[str, Any]:
    """The words of the sheet, read from ``path`` (TOML)."""
    with path.open("rb") as data:
        return tomllib.load(data)


TEXTS: dict[str, Any] = load_texts()
"""The sheet's words, loaded once at import; the code below only selects and fills them in."""


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
    band: TEXTS["bands"][band.value] for band in FrequencyBand
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


def procedure_title(procedure: Procedure) -> str:
    """The procedure's usual name, as on the consent form ("Caudal epidural injection")."""
    return str(TEXTS["procedures"][procedure.value]["title"])


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
    benefit_sources = _procedure_text(ctx, "benefit_sources")
    warning_sources = _warning_sources(ctx)
    all_citations = "".join(
        [benefit_sources, *(r.sources for r in risks), *(a.sources for a in alternatives)]
    )
    references = tuple(
        Reference(key=s.key, citation=s.citation) for s in cited(all_citations + warning_sources)
    )
    return ConsentInformation(
        version=INFORMATION_VERSION,
        title=f"{procedure_title(ctx.procedure)}: {_procedure_text(ctx, 'plain_name')}",
        what_it_is=_what_it_is(ctx),
        medicines=_medicines(ctx),
        why=_procedure_text(ctx, "why"),
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


# --- The words, and the small helpers that fill them in ------------------------------------------


def _text(*path: str, **values: object) -> str:
    """The text at ``path`` in the data file, with ``{placeholders}`` filled from ``values``."""
    node: object = TEXTS
    for key in path:
        assert isinstance(node, dict), path
        node = node[key]
    assert isinstance(node, str), path
    return node.format(**values) if values else node


def _has(*path: str) -> bool:
    node: object = TEXTS
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return False
        node = node[key]
    return True


def _procedure_text(ctx: ConsentContext, key: str) -> str:
    return _text("procedures", ctx.procedure.value, key)


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


def _risk(
    code: RiskCode,
    *,
    title: str | None = None,
    explanation: str | None = None,
    frequency: str | None = None,
    band: str | None = None,
    applies_because: str | None = None,
    sources: str | None = None,
) -> Risk:
    """A risk from ``[risks.<code>]``; any part given here replaces the data file's own."""
    part = TEXTS["risks"][code.value]
    return Risk(
        code=code,
        title=title if title is not None else part["title"],
        explanation=explanation if explanation is not None else part["explanation"],
        frequency=frequency if frequency is not None else part["frequency"],
        frequency_band=FrequencyBand(band if band is not None else part["band"]),
        applies_because=(
            applies_because if applies_because is not None else part["applies_because"]
        ),
        sources=sources if sources is not None else part["sources"],
    )


# --- What it is, the medicines, why, how ---------------------------------------------------------


def _medicines(ctx: ConsentContext) -> tuple[str, ...]:
    lines = []
    if ctx.steroid is not None and ctx.steroid_dose_mg is not None:
        lines.append(
            _text(
                "medicines",
                "steroid",
                steroid=_steroid_name(ctx.steroid),
                dose=format_mg(ctx.steroid_dose_mg),
            )
        )
    else:
        lines.append(_text("medicines", "no_steroid"))
    if ctx.local_anaesthetic is not None:
        anaesthetic = _anaesthetic_name(ctx.local_anaesthetic)
        lines.append(_text("medicines", "anaesthetic", anaesthetic=anaesthetic))
    else:
        lines.append(_text("medicines", "no_anaesthetic"))
    if ctx.imaging in IONISING_IMAGING:
        lines.append(_text("medicines", "dye"))
    return tuple(lines)


def _where_sentence(ctx: ConsentContext) -> str:
    levels = validate_levels(ctx.levels)
    side = _text("sides", ctx.side.value) if _has("sides", ctx.side.value) else None
    if not levels and side is None:
        return ""
    where = []
    if levels:
        key = "one_level" if len(levels) == 1 else "many_levels"
        where.append(_text("where", key, levels=_join(list(levels))))
    if side is not None:
        where.append(side)
    sentence = _text("where", "sentence", where=" ".join(where))
    if levels:
        sentence += " " + _text("where", "level_note")
    return sentence


def _what_it_is(ctx: ConsentContext) -> str:
    parts = [_procedure_text(ctx, "what"), _where_sentence(ctx)]
    return " ".join(p for p in parts if p)


def _how_it_is_done(ctx: ConsentContext) -> str:
    procedure = TEXTS["procedures"][ctx.procedure.value]
    middle = procedure.get("how_middle", _text("how", "middle"))
    parts = (
        _text("how", "start"),
        _text("imaging", ctx.imaging.value),
        middle,
        _text("how", "end"),
    )
    return " ".join(parts)


# --- Benefit and how long it lasts ---------------------------------------------------------------


def _expected_benefit(ctx: ConsentContext) -> str:
    procedure = TEXTS["procedures"][ctx.procedure.value]
    if procedure.get("benefit_is_whole"):
        return str(procedure["benefit"])
    if "benefit" in procedure:
        benefit = str(procedure["benefit"])
    elif ctx.steroid is None:
        benefit = _text("benefit", "epidural_no_steroid")
    else:
        benefit = _text("benefit", "epidural")
    return benefit + _text("benefit", "not_a_cure")


def _how_long(ctx: ConsentContext) -> str:
    if _has("procedures", ctx.procedure.value, "how_long"):
        return _procedure_text(ctx, "how_long")
    numbing = _text("how_long", "numbing") if ctx.local_anaesthetic is not None else ""
    return numbing + _text("how_long", "no_steroid" if ctx.steroid is None else "steroid")


# --- Risks ---------------------------------------------------------------------------------------


def _risks(ctx: ConsentContext) -> tuple[Risk, ...]:
    epidural = ctx.procedure in EPIDURALS
    risks = [_pain_flare(ctx), _general(RiskCode.FAINTING), _general(RiskCode.INFECTION)]
    risks.append(_risk(RiskCode.BLEEDING, applies_because=_text("common", "any_needle")))
    if ctx.on_anticoagulant:
        risks.append(_risk(RiskCode.ANTICOAGULANT_BLEEDING))
    risks.append(_allergy(ctx))
    risks.append(_nerve_injury(ctx))
    if epidural:
        risks += [_severe_harm(ctx), _dural_puncture(ctx.procedure)]
        risks.append(_risk(RiskCode.SPINAL_INJECTION))
    risks.append(_risk(RiskCode.LOCAL_ANAESTHETIC_TOXICITY))
    hours = NUMBNESS_WEARS_OFF_HOURS
    if ctx.local_anaesthetic is not None:
        risks.append(
            _risk(
                RiskCode.LOCAL_ANAESTHETIC_NUMBNESS,
                explanation=_text(
                    "risks", "local_anaesthetic_numbness", "explanation", hours=hours
                ),
                applies_because=_text(
                    "risks",
                    "local_anaesthetic_numbness",
                    "applies_because",
                    anaesthetic=_anaesthetic_name(ctx.local_anaesthetic),
                ),
            )
        )
        if epidural:
            explanation = _text("risks", "urine_retention", "explanation", hours=hours)
            risks.append(_risk(RiskCode.URINE_RETENTION, explanation=explanation))
    if ctx.steroid is not None:
        because = _text("steroid_risk", "applies_because", steroid=_steroid_name(ctx.steroid))
        risks.append(_risk(RiskCode.STEROID_SIDE_EFFECTS, applies_because=because))
        if ctx.diabetic:
            glucose = f"{ctx.sick_day_glucose_mmol_l:g}"
            explanation = _text("risks", "raised_blood_glucose", "explanation", glucose=glucose)
            risks.append(_risk(RiskCode.RAISED_BLOOD_GLUCOSE, explanation=explanation))
        risks.append(_risk(RiskCode.STEROID_IMMUNITY_ADRENAL, applies_because=because))
        risks.append(_risk(RiskCode.TISSUE_WEAKENING, applies_because=because))
    if ctx.imaging in IONISING_IMAGING:
        risks.append(_radiation(ctx))
    if ctx.procedure is Procedure.RADIOFREQUENCY_DENERVATION:
        risks += [
            _risk(RiskCode.RF_SKIN_SENSATION),
            _risk(RiskCode.RF_NEURITIS),
            _risk(RiskCode.RF_PAD_BURN),
            _risk(RiskCode.IMPLANTED_DEVICE),
        ]
    if ctx.procedure is Procedure.MEDIAL_BRANCH_BLOCK:
        risks.append(_risk(RiskCode.MBB_UNCLEAR_RESULT))
    risks += [_breastfeeding(ctx), _no_benefit(ctx)]
    return tuple(risks)


def _general(code: RiskCode) -> Risk:
    """A risk of any needle, from the general complication reviews."""
    return _risk(
        code,
        applies_because=_text("common", "any_needle"),
        sources=_text("common", "general_sources"),
    )


def _pain_flare(ctx: ConsentContext) -> Risk:
    rf = ctx.procedure is Procedure.RADIOFREQUENCY_DENERVATION
    how_long = _text("risks", "pain_flare", "how_long_radiofrequency" if rf else "how_long")
    return _risk(
        RiskCode.PAIN_FLARE,
        explanation=_text("risks", "pain_flare", "explanation", how_long=how_long),
        applies_because=_text("common", "any_needle"),
        sources=_text("risks", "pain_flare", "sources_radiofrequency" if rf else "sources"),
    )


def _allergy(ctx: ConsentContext) -> Risk:
    part = TEXTS["risks"]["allergy"]
    things = list(part["things"])
    x_rays = ctx.imaging in IONISING_IMAGING
    if x_rays:
        things.append(part["thing_with_x_rays"])
    return _risk(
        RiskCode.ALLERGY,
        explanation=_text("risks", "allergy", "explanation", things=_join(things, "or")),
        sources=part["sources_with_x_rays"] if x_rays else part["sources"],
    )


def _nerve_injury(ctx: ConsentContext) -> Risk:
    procedure = TEXTS["procedures"][ctx.procedure.value]
    return _risk(
        RiskCode.NERVE_INJURY,
        applies_because=procedure.get(
            "nerve_injury_because", _text("risks", "nerve_injury", "applies_because")
        ),
        sources=_text("common", "general_sources"),
    )


def _severe_harm(ctx: ConsentContext) -> Risk:
    """The FDA 2014 warning [27][28]: every epidural steroid injection, each route."""

    def says(key: str, **values: object) -> str:
        return _text("risks", "severe_harm", key, **values)

    parts = [says("intro")]
    steroid = ctx.steroid
    transforaminal = ctx.procedure is Procedure.TRANSFORAMINAL_EPIDURAL
    if steroid is None:
        parts.append(says("no_steroid"))
    elif steroid in PARTICULATE_STEROIDS:
        parts.append(says("particulate", steroid=_steroid_name(steroid)))
        if transforaminal:
            parts.append(says("particulate_transforaminal", steroid=_steroid_name(steroid)))
    else:
        parts.append(says("non_particulate", steroid=_steroid_name(steroid)))
    parts.append(says("x_rays" if ctx.imaging in IONISING_IMAGING else "ultrasound"))
    frequency = says("frequency") + says(
        "frequency_transforaminal" if transforaminal else "frequency_other"
    )
    return _risk(RiskCode.SEVERE_HARM, explanation=" ".join(parts), frequency=frequency)


def _dural_puncture(procedure: Procedure) -> Risk:
    route = TEXTS["risks"]["dural_puncture_headache"]["by_route"][procedure.value]
    return _risk(RiskCode.DURAL_PUNCTURE_HEADACHE, frequency=route["frequency"], band=route["band"])


def _radiation(ctx: ConsentContext) -> Risk:
    kind = TEXTS["risks"]["radiation"]["ct" if ctx.imaging is Imaging.CT else "fluoroscopy"]
    pregnancy = _text("risks", "radiation", "pregnant" if ctx.pregnant else "not_known_pregnant")
    return _risk(
        RiskCode.RADIATION,
        title=kind["title"],
        explanation=_text(
            "risks", "radiation", "explanation", dose=kind["dose"], pregnancy=pregnancy
        ),
        frequency=kind["frequency"],
        band=kind["band"],
        applies_because=kind["applies_because"],
    )


def _breastfeeding(ctx: ConsentContext) -> Risk:
    part = TEXTS["risks"]["breastfeeding"]
    drugs = part["drugs_with_steroid"] if ctx.steroid is not None else part["drugs"]
    x_rays = ctx.imaging in IONISING_IMAGING
    return _risk(
        RiskCode.BREASTFEEDING,
        explanation=_text("risks", "breastfeeding", "explanation", drugs=drugs),
        sources=part["sources_with_x_rays"] if x_rays else part["sources"],
    )


def _no_benefit(ctx: ConsentContext) -> Risk:
    procedure = TEXTS["procedures"][ctx.procedure.value]
    return _risk(
        RiskCode.NO_BENEFIT,
        explanation=procedure.get(
            "no_benefit_explanation", _text("risks", "no_benefit", "explanation")
        ),
        frequency=procedure.get("no_benefit_frequency", _text("risks", "no_benefit", "frequency")),
        sources=procedure["benefit_sources"],
    )


# --- Alternatives, before, after, warning signs --------------------------------------------------


def _alternative(
    key: str, *, explanation: str | None = None, sources: str | None = None
) -> Alternative:
    part = TEXTS["alternatives"][key]
    return Alternative(
        title=part["title"],
        explanation=explanation if explanation is not None else part["explanation"],
        sources=sources if sources is not None else part.get("sources", ""),
    )


def _alternatives(ctx: ConsentContext) -> tuple[Alternative, ...]:
    epidural = ctx.procedure in EPIDURALS
    alternatives = [_alternative("exercise"), _alternative("programme"), _alternative("medicines")]
    if ctx.procedure is Procedure.FACET_JOINT_INJECTION:
        alternatives.append(_alternative("facet_pathway"))
    if epidural:
        alternatives.append(_alternative("surgeon"))
    wait = TEXTS["alternatives"]["wait"]
    alternatives.append(
        _alternative(
            "wait",
            explanation=(wait["sciatica"] if epidural else "") + wait["explanation"],
            sources=wait["sources_sciatica"] if epidural else "",
        )
    )
    return tuple(alternatives)


def _glucose_applies(ctx: ConsentContext) -> bool:
    return ctx.diabetic and ctx.steroid is not None


def _before(ctx: ConsentContext) -> tuple[str, ...]:
    keys = ["medicines", "allergy", "unwell", "breastfeeding"]
    if ctx.procedure is Procedure.RADIOFREQUENCY_DENERVATION:
        keys.append("device")
    if ctx.on_anticoagulant:
        keys.append("blood_thinner")
    if ctx.diabetic:
        keys.append("diabetes")
        if ctx.steroid is not None:
            keys.append("glucose")
    if ctx.pregnant:
        keys.append("pregnant")
    elif ctx.pregnant is None and ctx.imaging in IONISING_IMAGING:
        keys.append("maybe_pregnant")
    if ctx.procedure is Procedure.MEDIAL_BRANCH_BLOCK:
        keys.append("test")
    keys.append("lift")
    return tuple(_text("before", key) for key in keys)


def _after(ctx: ConsentContext) -> tuple[str, ...]:
    test = ctx.procedure is Procedure.MEDIAL_BRANCH_BLOCK
    after = [_text("after", "home"), _text("after", "test_move" if test else "rest")]
    if ctx.local_anaesthetic is not None:
        where = _text(
            "after", "numb_where_epidural" if ctx.procedure in EPIDURALS else "numb_where"
        )
        after.append(_text("after", "numb", where=where, hours=NUMBNESS_WEARS_OFF_HOURS))
    keys = ["exercise", "dressing"]
    if test:
        keys.append("diary")
    if _glucose_applies(ctx):
        keys.append("glucose")
    if ctx.on_anticoagulant:
        keys.append("blood_thinner")
    if ctx.steroid is not None:
        keys.append("steroid")
    keys.append("forms")
    return (*after, *(_text("after", key) for key in keys))


def _emergency_signs(ctx: ConsentContext) -> tuple[str, ...]:
    numbing = ctx.local_anaesthetic is not None
    hours = NUMBNESS_WEARS_OFF_HOURS

    def sign(key: str, **values: object) -> str:
        return _text("warning", "emergency", key, **values)

    signs = [
        sign("legs_numbing", hours=hours) if numbing else sign("legs"),
        sign("saddle_numbing", hours=hours) if numbing else sign("saddle"),
        sign("urine", hours=hours),
        sign("sex_numbing" if numbing else "sex"),
        sign("back_pain"),
        sign("meningitis"),
        sign("bleeding"),
        sign("stroke"),
        sign("allergy"),
    ]
    if _glucose_applies(ctx):
        signs.append(sign("glucose", glucose=f"{ctx.sick_day_glucose_mmol_l:g}"))
    return tuple(signs)


def _call_us_signs(ctx: ConsentContext) -> tuple[str, ...]:
    signs = [_text("warning", "call_us", key) for key in ("infection", "headache", "pain")]
    if _glucose_applies(ctx):
        glucose = f"{ctx.sick_day_glucose_mmol_l:g}"
        signs.append(_text("warning", "call_us", "glucose", glucose=glucose))
    return tuple(signs)


def _warning_sources(ctx: ConsentContext) -> str:
    glucose = _text("warning", "sources_glucose") if _glucose_applies(ctx) else ""
    return _text("warning", "sources") + glucose
