"""The controlled vocabularies shared by every part of spinepath.

Values are the stable codes used in the API, the database and the rule set (see
``shared/clinical/rules.md``); changing one is a data migration, so add rather than rename.
"""

from enum import StrEnum


class Condition(StrEnum):
    LUMBAR_DISC_HERNIATION = "lumbar_disc_herniation"
    SCIATICA = "sciatica"
    FACET_JOINT_ARTHRITIS = "facet_joint_arthritis"
    SPINAL_STENOSIS = "spinal_stenosis"
    SACROILIAC_JOINT_INFLAMMATION = "sacroiliac_joint_inflammation"
    NONSPECIFIC_LOW_BACK_PAIN = "nonspecific_low_back_pain"


class Procedure(StrEnum):
    TRANSFORAMINAL_EPIDURAL = "transforaminal_epidural"
    INTERLAMINAR_EPIDURAL = "interlaminar_epidural"
    CAUDAL_EPIDURAL = "caudal_epidural"
    FACET_JOINT_INJECTION = "facet_joint_injection"
    MEDIAL_BRANCH_BLOCK = "medial_branch_block"
    RADIOFREQUENCY_DENERVATION = "radiofrequency_denervation"
    SACROILIAC_JOINT_INJECTION = "sacroiliac_joint_injection"


EPIDURALS = frozenset(
    {
        Procedure.TRANSFORAMINAL_EPIDURAL,
        Procedure.INTERLAMINAR_EPIDURAL,
        Procedure.CAUDAL_EPIDURAL,
    }
)


class Imaging(StrEnum):
    ULTRASOUND = "ultrasound"
    FLUOROSCOPY = "fluoroscopy"
    CT = "ct"


IONISING_IMAGING = frozenset({Imaging.FLUOROSCOPY, Imaging.CT})


class Steroid(StrEnum):
    METHYLPREDNISOLONE = "methylprednisolone"
    TRIAMCINOLONE = "triamcinolone"
    DEXAMETHASONE = "dexamethasone"
    BETAMETHASONE = "betamethasone"
    PREDNISOLONE = "prednisolone"
    HYDROCORTISONE = "hydrocortisone"


INJECTABLE_STEROIDS = (
    Steroid.METHYLPREDNISOLONE,
    Steroid.TRIAMCINOLONE,
    Steroid.DEXAMETHASONE,
    Steroid.BETAMETHASONE,
)


class LocalAnaesthetic(StrEnum):
    LIDOCAINE = "lidocaine"
    BUPIVACAINE = "bupivacaine"
    LEVOBUPIVACAINE = "levobupivacaine"
    ROPIVACAINE = "ropivacaine"


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class Laterality(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BILATERAL = "bilateral"
    NOT_APPLICABLE = "not_applicable"


class RedFlag(StrEnum):
    SADDLE_ANAESTHESIA = "saddle_anaesthesia"
    BLADDER_DYSFUNCTION = "bladder_dysfunction"
    BOWEL_DYSFUNCTION = "bowel_dysfunction"
    SEXUAL_DYSFUNCTION = "sexual_dysfunction"
    BILATERAL_LEG_SYMPTOMS = "bilateral_leg_symptoms"
    PROGRESSIVE_WEAKNESS = "progressive_weakness"
    FEVER = "fever"
    IV_DRUG_USE = "iv_drug_use"
    RECENT_BACTERIAL_INFECTION = "recent_bacterial_infection"
    CANCER_HISTORY = "cancer_history"
    UNEXPLAINED_WEIGHT_LOSS = "unexplained_weight_loss"
    SIGNIFICANT_TRAUMA = "significant_trauma"
    MINOR_TRAUMA_WITH_OSTEOPOROSIS = "minor_trauma_with_osteoporosis"
    NIGHT_PAIN = "night_pain"


class Allergy(StrEnum):
    IODINATED_CONTRAST = "iodinated_contrast"
    LOCAL_ANAESTHETIC = "local_anaesthetic"
    STEROID = "steroid"
    LATEX = "latex"
    CHLORHEXIDINE = "chlorhexidine"
    OTHER = "other"


class Antithrombotic(StrEnum):
    ASPIRIN = "aspirin"
    CLOPIDOGREL = "clopidogrel"
    PRASUGREL = "prasugrel"
    TICAGRELOR = "ticagrelor"
    WARFARIN = "warfarin"
    APIXABAN = "apixaban"
    RIVAROXABAN = "rivaroxaban"
    EDOXABAN = "edoxaban"
    DABIGATRAN = "dabigatran"
    ENOXAPARIN_PROPHYLACTIC = "enoxaparin_prophylactic"
    ENOXAPARIN_THERAPEUTIC = "enoxaparin_therapeutic"
    HEPARIN_SUBCUTANEOUS = "heparin_subcutaneous"
    NSAID = "nsaid"


class AspirinIndication(StrEnum):
    PRIMARY_PREVENTION = "primary_prevention"
    SECONDARY_PREVENTION = "secondary_prevention"


class Outcome(StrEnum):
    """Decision outcomes; ``SEVERITY`` orders them from least to most restrictive."""

    SUITABLE = "suitable"
    SUITABLE_WITH_CAUTIONS = "suitable_with_cautions"
    DEFER = "defer"
    NOT_RECOMMENDED = "not_recommended"
    NOT_SUITABLE = "not_suitable"
    URGENT_REFERRAL = "urgent_referral"

    @property
    def severity(self) -> int:
        return _OUTCOME_SEVERITY[self]

    @property
    def stops_pathway(self) -> bool:
        """``urgent_referral`` and ``not_suitable`` can never be overridden: the episode needs an
        onward action (a referral or a plan) instead, and no consent or injection is offered."""
        return self in STOPPING_OUTCOMES

    @property
    def overridable(self) -> bool:
        """A clinician may proceed against these with a written reason; never the worst two."""
        return self is not Outcome.SUITABLE and not self.stops_pathway


_OUTCOME_SEVERITY = {outcome: rank for rank, outcome in enumerate(Outcome)}

STOPPING_OUTCOMES: frozenset[Outcome] = frozenset({Outcome.NOT_SUITABLE, Outcome.URGENT_REFERRAL})
"""The outcomes no written reason can override (``Outcome.stops_pathway``)."""


def most_restrictive(outcomes: "list[Outcome]") -> Outcome:
    """The worst of ``outcomes``; ``suitable`` when nothing fired."""
    return max(outcomes, key=lambda o: o.severity, default=Outcome.SUITABLE)


class Complication(StrEnum):
    """Complications during the procedure or before discharge (codes in data/coding.toml)."""

    VASOVAGAL = "vasovagal"
    DURAL_PUNCTURE = "dural_puncture"
    BLEEDING = "bleeding"
    INTRAVASCULAR_UPTAKE = "intravascular_uptake"
    ALLERGIC_REACTION = "allergic_reaction"
    OTHER = "other"


class Approach(StrEnum):
    """How the needle reaches the target; which ones fit depends on the procedure."""

    TRANSFORAMINAL = "transforaminal"
    INTERLAMINAR_MIDLINE = "interlaminar_midline"
    INTERLAMINAR_PARAMEDIAN = "interlaminar_paramedian"
    CAUDAL_SACRAL_HIATUS = "caudal_sacral_hiatus"
    INTRA_ARTICULAR = "intra_articular"
    PERIARTICULAR = "periarticular"
    MEDIAL_BRANCH = "medial_branch"
    PARALLEL_RF = "parallel_radiofrequency"


APPROACHES_FOR: dict[Procedure, tuple[Approach, ...]] = {
    Procedure.TRANSFORAMINAL_EPIDURAL: (Approach.TRANSFORAMINAL,),
    Procedure.INTERLAMINAR_EPIDURAL: (
        Approach.INTERLAMINAR_MIDLINE,
        Approach.INTERLAMINAR_PARAMEDIAN,
    ),
    Procedure.CAUDAL_EPIDURAL: (Approach.CAUDAL_SACRAL_HIATUS,),
    Procedure.FACET_JOINT_INJECTION: (Approach.INTRA_ARTICULAR, Approach.PERIARTICULAR),
    Procedure.MEDIAL_BRANCH_BLOCK: (Approach.MEDIAL_BRANCH,),
    Procedure.RADIOFREQUENCY_DENERVATION: (Approach.PARALLEL_RF,),
    Procedure.SACROILIAC_JOINT_INJECTION: (Approach.INTRA_ARTICULAR, Approach.PERIARTICULAR),
}


# --- words for people ------------------------------------------------------------------------

_LABELS: dict[str, str] = {
    # Red flags (rules.md): recorded only when new, worsening or unexplained.
    RedFlag.SADDLE_ANAESTHESIA: "Saddle numbness (saddle anaesthesia)",
    RedFlag.BLADDER_DYSFUNCTION: "Bladder problems (retention, incontinence, reduced sensation)",
    RedFlag.BOWEL_DYSFUNCTION: "Bowel problems (incontinence, reduced sensation)",
    RedFlag.SEXUAL_DYSFUNCTION: "Sexual problems (loss of genital sensation or function)",
    RedFlag.BILATERAL_LEG_SYMPTOMS: "Sciatica, numbness or weakness in both legs",
    RedFlag.PROGRESSIVE_WEAKNESS: "Weakness that is getting worse",
    RedFlag.FEVER: "Fever",
    RedFlag.IV_DRUG_USE: "IV drug use",
    RedFlag.RECENT_BACTERIAL_INFECTION: "Recent bacterial infection",
    RedFlag.CANCER_HISTORY: "History of cancer, with this new back pain",
    RedFlag.UNEXPLAINED_WEIGHT_LOSS: "Unexplained weight loss",
    RedFlag.SIGNIFICANT_TRAUMA: "Significant trauma",
    RedFlag.MINOR_TRAUMA_WITH_OSTEOPOROSIS: "Minor trauma with osteoporosis",
    RedFlag.NIGHT_PAIN: "Pain at night",
    # Allergies.
    Allergy.IODINATED_CONTRAST: "Iodinated contrast",
    Allergy.LOCAL_ANAESTHETIC: "Local anaesthetic",
    Allergy.STEROID: "Steroid",
    Allergy.LATEX: "Latex",
    Allergy.CHLORHEXIDINE: "Chlorhexidine",
    Allergy.OTHER: "Other",
    # Antithrombotics.
    Antithrombotic.ENOXAPARIN_PROPHYLACTIC: "Enoxaparin (preventive dose)",
    Antithrombotic.ENOXAPARIN_THERAPEUTIC: "Enoxaparin (treatment dose)",
    Antithrombotic.HEPARIN_SUBCUTANEOUS: "Heparin (under the skin)",
    Antithrombotic.NSAID: "NSAID",
    AspirinIndication.PRIMARY_PREVENTION: "Primary prevention",
    AspirinIndication.SECONDARY_PREVENTION: "Secondary prevention (after a heart attack or stroke)",
    # Imaging.
    Imaging.CT: "CT",
}

RED_FLAG_HINTS: dict[RedFlag, str] = {
    RedFlag.BILATERAL_LEG_SYMPTOMS: "not stable claudication in both legs",
}
"""What a flag means beyond its label; the form shows it beside the flag."""

RED_FLAG_RULE = "new, worsening or unexplained"
"""rules.md: a red flag is recorded only when it is this; a long-standing, investigated and
stable finding is not a red flag."""


def label(code: str) -> str:
    """A stable code as words for people: ``iv_drug_use`` → ``IV drug use``."""
    return _LABELS.get(code) or code.replace("_", " ").capitalize()


def lower_label(code: str) -> str:
    """``label`` for use inside a sentence: keeps abbreviations (IV, NSAID, CT) in capitals."""
    text = label(code)
    first = text.split(" ", 1)[0]
    return text if first.isupper() else text[0].lower() + text[1:]
