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
    def overridable(self) -> bool:
        """A clinician may proceed against these with a written reason; never the worst two."""
        return self in (Outcome.SUITABLE_WITH_CAUTIONS, Outcome.DEFER, Outcome.NOT_RECOMMENDED)


_OUTCOME_SEVERITY = {outcome: rank for rank, outcome in enumerate(Outcome)}


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
