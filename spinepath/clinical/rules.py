"""The suitability rules of ``shared/clinical/rules.md``, one small policy object each.

Shaped like Django's password validators: every rule has a stable ``code``, the outcomes it can
give, a short ``source``, and a ``check`` that returns zero or more findings; ``decision.evaluate``
runs the explicit ``RULES`` list and gathers everything that fired. Adding a rule means writing a
class and adding it to ``RULES`` — nothing is discovered by magic, so the order reasons are shown
in (after severity) is the order below, which follows the spec's table.

How "not assessed" (``None``) is read, consistently:

* a fact that would *contraindicate* (an infection, a bleeding disorder, claudication) fires only
  when it is known to be present; the safety-critical unknowns have their own ``defer`` rules
  (red flags, allergies, medication, pregnancy, infection, bleeding disorder, and the INR of a
  patient on warfarin), and diabetes not recorded with a steroid planned is a caution;
* a fact that would *establish the indication* (leg-dominant pain, acute and severe sciatica, a
  positive medial branch block, pain over the RF threshold, enough conservative care) counts as
  not established when unknown, so its rule fires and the clinician sees why.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from spinepath.clinical.antithrombotics import (
    ANTICOAGULANTS,
    BLEEDING_RISK,
    P2Y12_INHIBITORS,
    BleedingRisk,
    earliest_hold_date,
    remaining_hold_hours,
)
from spinepath.clinical.facts import AntithromboticUse, Facts, InjectionSite
from spinepath.clinical.pregnancy import pregnancy_enquiry_needed
from spinepath.clinical.red_flags import Urgency, urgency
from spinepath.clinical.ruleset import UNVERIFIED, RuleSetConfig
from spinepath.clinical.steroids import (
    STEROID_CODES,
    GivenInjection,
    PlannedInjection,
    SteroidCheck,
    check_steroid_exposure,
    region_of,
)
from spinepath.clinical.vocab import (
    EPIDURALS,
    IONISING_IMAGING,
    Allergy,
    Antithrombotic,
    AspirinIndication,
    Condition,
    Imaging,
    Outcome,
    Procedure,
    RedFlag,
    lower_label,
)

URGENT = Outcome.URGENT_REFERRAL
NOT_SUITABLE = Outcome.NOT_SUITABLE
NOT_RECOMMENDED = Outcome.NOT_RECOMMENDED
DEFER = Outcome.DEFER
CAUTION = Outcome.SUITABLE_WITH_CAUTIONS

SAFETY = "spinepath safety rule: not assessed is not 'no'"


class Reason(BaseModel):
    """One finding: what fired, what it means for the decision, why, and what to do."""

    model_config = ConfigDict(frozen=True)

    code: str
    outcome: Outcome
    message: str
    source: str
    action: str | None = None


class Rule:
    """Base class: subclasses set the class attributes and implement ``check``."""

    code: ClassVar[str]
    outcomes: ClassVar[tuple[Outcome, ...]]
    source: ClassVar[str]
    thresholds: ClassVar[tuple[str, ...]] = ()
    """The ``RuleSetConfig`` settings this rule reads (all holds: ``antithrombotic_hold_hours``)."""
    title: ClassVar[str] = ""
    """What the rule checks, in words (a switchable rule needs one: the proposal page lists it)."""
    switchable: ClassVar[bool] = False
    """Whether a clinic's governed rule set may switch this rule off (``governance.py``).

    Only guideline cautions about timing and selection say yes; ``never_off_because`` says why
    the others never may, and ``validate_ruleset`` refuses a switchable red flag, absolute
    contraindication or safety rule."""

    @property
    def protected_because(self) -> str | None:
        """Why no clinic may weaken this rule (off, or its thresholds); ``None``: not protected."""
        if URGENT in self.outcomes:
            return "it is a red flag"
        if NOT_SUITABLE in self.outcomes:
            return "it is an absolute contraindication"
        if self.source.startswith(SAFETY):
            return "it is a safety rule (not assessed is not 'no')"
        return None

    @property
    def never_off_because(self) -> str | None:
        """Why a clinic may never switch this rule off; ``None`` when it may."""
        if (why := self.protected_because) is not None:
            return why
        return None if self.switchable else "the rule does not allow it"

    @property
    def codes(self) -> tuple[str, ...]:
        """Every code this rule's reasons can carry (one, except for grouped checks)."""
        return (self.code,)

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterable[Reason]:
        raise NotImplementedError

    def reason(
        self,
        message: str,
        action: str | None = None,
        *,
        outcome: Outcome | None = None,
        source: str | None = None,
    ) -> Reason:
        return Reason(
            code=self.code,
            outcome=outcome or self.outcomes[0],
            message=message,
            source=source or self.source,
            action=action,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.code}>"


# --- helpers ----------------------------------------------------------------------------------


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` calendar months earlier (clamped to month end)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def _flags(facts: Facts) -> set[RedFlag]:
    return set(facts.red_flags or ())


def _listed(codes: Iterable[str]) -> str:
    return ", ".join(lower_label(code) for code in codes)


def _a(word: str) -> str:
    """The indefinite article for ``word``: "an intermediate-risk", "a low-risk"."""
    return f"an {word}" if word[:1].lower() in "aeiou" else f"a {word}"


def _referral(facts: Facts, flags: Iterable[RedFlag], what: str) -> str:
    """The action, led by how soon (``red_flags.urgency``, the one statement of that policy)."""
    how_soon = urgency(flags, immunosuppressed=facts.immunosuppressed) or Urgency.URGENT
    return f"{how_soon.words}: {what}"


def _risk(facts: Facts) -> BleedingRisk:
    return BLEEDING_RISK[facts.procedure]


def _drug(use: AntithromboticUse) -> str:
    return use.drug.value.replace("_", " ")


def _acute_severe_sciatica(facts: Facts, config: RuleSetConfig) -> bool:
    """An epidural for sciatica that NICE would call acute and severe [3].

    Only the two numbers of rules.md decide (duration and leg-pain NRS); whether the leg pain is
    dominant is NICE_NO_EPIDURAL_BACK_PAIN's question, not part of this exception.
    """
    s = facts.symptoms
    return (
        facts.procedure in EPIDURALS
        and s.duration_weeks is not None
        and s.duration_weeks <= config.epidural_acute_max_weeks
        and s.leg_pain_nrs is not None
        and s.leg_pain_nrs >= config.epidural_severe_min_leg_nrs
    )


def steroid_check_for(facts: Facts, config: RuleSetConfig) -> SteroidCheck | None:
    """The steroid exposure check for the planned injectate; ``None`` when no steroid is planned."""
    steroid, dose = facts.injectate.steroid, facts.injectate.steroid_dose_mg
    if steroid is None or dose is None:
        return None
    planned = PlannedInjection(
        date=facts.assessment_date,
        procedure=InjectionSite(facts.procedure.value),
        steroid=steroid,
        steroid_dose_mg=dose,
    )
    history = [
        GivenInjection(
            date=p.date, procedure=p.procedure, steroid=p.steroid, steroid_dose_mg=p.steroid_dose_mg
        )
        for p in facts.previous_injections
        if p.steroid is not None and p.steroid_dose_mg is not None
    ]
    return check_steroid_exposure(planned, history, config)


# --- red flags --------------------------------------------------------------------------------


class RedFlagCaudaEquina(Rule):
    code = "RED_FLAG_CAUDA_EQUINA"
    outcomes = (URGENT,)
    source = "Cauda equina warning signs [11][12][13]"
    flags = frozenset(
        {
            RedFlag.SADDLE_ANAESTHESIA,
            RedFlag.BLADDER_DYSFUNCTION,
            RedFlag.BOWEL_DYSFUNCTION,
            RedFlag.SEXUAL_DYSFUNCTION,
            RedFlag.BILATERAL_LEG_SYMPTOMS,
        }
    )

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        found = sorted(_flags(facts) & self.flags)
        if found:
            yield self.reason(
                f"Possible cauda equina syndrome ({_listed(found)}): do not inject.",
                _referral(facts, found, "refer for MRI and spinal surgical assessment"),
            )


class RedFlagProgressiveDeficit(Rule):
    code = "RED_FLAG_PROGRESSIVE_DEFICIT"
    outcomes = (URGENT,)
    source = "Red-flag pathway [14][15]"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        if RedFlag.PROGRESSIVE_WEAKNESS in _flags(facts):
            yield self.reason(
                "Neurological weakness that is getting worse needs assessment before any "
                "injection.",
                _referral(
                    facts,
                    [RedFlag.PROGRESSIVE_WEAKNESS],
                    "refer to the spinal team (within 2 weeks only if the weakness has stopped "
                    "progressing and is stable)",
                ),
            )


class RedFlagInfection(Rule):
    code = "RED_FLAG_INFECTION"
    outcomes = (URGENT,)
    source = "Red-flag pathway [14][15]"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        flags = _flags(facts)
        found = sorted(flags & {RedFlag.FEVER, RedFlag.IV_DRUG_USE})
        described = [lower_label(flag) for flag in found]
        if RedFlag.RECENT_BACTERIAL_INFECTION in flags and facts.immunosuppressed is True:
            found.append(RedFlag.RECENT_BACTERIAL_INFECTION)
            described.append("recent bacterial infection while immunosuppressed")
        if found:
            yield self.reason(
                f"Possible spinal infection ({', '.join(described)}): do not inject.",
                _referral(facts, found, "refer for assessment of spinal infection"),
            )


class RedFlagMalignancy(Rule):
    code = "RED_FLAG_MALIGNANCY"
    outcomes = (URGENT,)
    source = "Red-flag pathway [14][15]"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        found = sorted(_flags(facts) & {RedFlag.CANCER_HISTORY, RedFlag.UNEXPLAINED_WEIGHT_LOSS})
        if found:
            yield self.reason(
                f"Possible spinal malignancy ({_listed(found)}) must be excluded first.",
                _referral(facts, found, "refer on the suspected-cancer pathway for investigation"),
            )


class RedFlagFracture(Rule):
    code = "RED_FLAG_FRACTURE"
    outcomes = (URGENT,)
    source = "Red-flag pathway [14]"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        found = sorted(
            _flags(facts) & {RedFlag.SIGNIFICANT_TRAUMA, RedFlag.MINOR_TRAUMA_WITH_OSTEOPOROSIS}
        )
        if found:
            yield self.reason(
                f"Possible vertebral fracture ({_listed(found)}) must be excluded first.",
                _referral(facts, found, "refer for imaging"),
            )


class NightPainReview(Rule):
    code = "NIGHT_PAIN_REVIEW"
    outcomes = (CAUTION,)
    source = "Red-flag pathway [14]"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        # Night pain alone is a prompt to look again, not a referral; when another flag is
        # present that flag's rule decides. The caution stays even then, so that adding a flag
        # which is not urgent on its own (a recent infection) can never lower the outcome.
        if RedFlag.NIGHT_PAIN in _flags(facts):
            yield self.reason(
                "Night pain should prompt a review for serious pathology before injecting.",
                "document the review for serious pathology",
            )


class RedFlagsNotScreened(Rule):
    code = "RED_FLAGS_NOT_SCREENED"
    outcomes = (DEFER,)
    source = SAFETY

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        if facts.red_flags is None:
            yield self.reason(
                "Red flags have not been screened, so serious pathology has not been excluded.",
                "screen for red flags and record the result (an empty list if none)",
            )


# --- the patient and the injectate -----------------------------------------------------------


class OutsideAgeRange(Rule):
    code = "OUTSIDE_AGE_RANGE"
    outcomes = (NOT_SUITABLE,)
    source = "NICE NG59 covers people over 16 [3]"
    thresholds = ("min_age",)

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        if facts.age < config.min_age:
            yield self.reason(
                f"The patient is {facts.age}; this service follows NICE NG59, which covers people "
                f"aged {config.min_age} and over.",
                "refer to a paediatric spinal service",
            )


class AllergyInjectate(Rule):
    code = "ALLERGY_INJECTATE"
    outcomes = (NOT_SUITABLE,)
    source = "Contraindications [17]"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        allergies = set(facts.allergies or ())
        planned = []
        if Allergy.STEROID in allergies and facts.injectate.steroid is not None:
            planned.append(f"steroid ({facts.injectate.steroid.value})")
        if Allergy.LOCAL_ANAESTHETIC in allergies and facts.injectate.local_anaesthetic:
            planned.append(f"local anaesthetic ({facts.injectate.local_anaesthetic.value})")
        if planned:
            yield self.reason(
                f"The patient is allergic to the planned {' and '.join(planned)}.",
                "change the injectate",
            )


class AllergyContrast(Rule):
    code = "ALLERGY_CONTRAST"
    outcomes = (CAUTION,)
    source = "Contraindications [18][29]"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        if Allergy.IODINATED_CONTRAST not in (facts.allergies or ()) or (
            facts.imaging not in IONISING_IMAGING
        ):
            return
        if facts.procedure is Procedure.TRANSFORAMINAL_EPIDURAL:
            # Live contrast is what shows an injection going into a blood vessel [29].
            action = (
                "use a gadolinium-based contrast agent, or choose another approach (interlaminar "
                "or caudal); never give a transforaminal injection without contrast"
            )
        else:
            action = "plan an alternative contrast agent or a contrast-free technique"
        yield self.reason(
            f"Iodinated contrast allergy with {lower_label(facts.imaging.value)} guidance.",
            action,
        )


class AllergiesNotRecorded(Rule):
    code = "ALLERGIES_NOT_RECORDED"
    outcomes = (DEFER,)
    source = SAFETY

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        if facts.allergies is None:
            yield self.reason(
                "Allergies are not recorded, so the injectate and contrast cannot be checked.",
                "record allergies (an empty list if none)",
            )


class InfectionActive(Rule):
    code = "INFECTION_ACTIVE"
    outcomes = (DEFER,)
    source = "Contraindications [17]"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        infection = facts.infection
        if infection is None:
            return
        where = [
            label
            for label, present in (
                ("systemic", infection.systemic),
                ("at the injection site", infection.local_at_site),
            )
            if present
        ]
        if where:
            yield self.reason(
                f"Active infection ({' and '.join(where)}) must be treated before injecting.",
                "treat the infection, then reassess",
            )


# --- bleeding ---------------------------------------------------------------------------------


class BleedingDisorder(Rule):
    code = "BLEEDING_DISORDER"
    outcomes = (DEFER,)
    source = "Contraindications [17]"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        if facts.bleeding_disorder is True:
            yield self.reason(
                "The patient has a bleeding disorder and needs a haematology plan first.",
                "agree a peri-procedural plan with haematology",
            )


class MedicationNotRecorded(Rule):
    code = "MEDICATION_NOT_RECORDED"
    outcomes = (DEFER,)
    source = SAFETY

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        if facts.antithrombotics is None:
            yield self.reason(
                "Antithrombotic medication has not been recorded, so bleeding risk is unknown.",
                "record antithrombotics (an empty list if none)",
            )


class AntithromboticNotHeld(Rule):
    code = "ANTITHROMBOTIC_NOT_HELD"
    outcomes = (DEFER,)
    source = "ASRA 2018 [19][21]"
    thresholds = (
        "antithrombotic_hold_hours",
        "dabigatran_low_crcl_hold_hours",
        "dabigatran_low_crcl_below_ml_min",
        "inr_max_intermediate_risk",
    )

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        if _risk(facts) is not BleedingRisk.INTERMEDIATE:
            return
        crcl = facts.crcl_ml_min
        for use in facts.antithrombotics or ():
            remaining = remaining_hold_hours(use.drug, use.hours_since_last_dose, config, crcl)
            if not remaining:
                continue
            hold = config.hold_hours(use.drug, crcl)
            earliest = earliest_hold_date(
                use.drug, use.hours_since_last_dose, facts.assessment_date, config, crcl
            )
            if use.hours_since_last_dose is None:
                taken = "the time of the last dose is not recorded"
            else:
                taken = f"the last dose was {use.hours_since_last_dose:g} h ago"
            renal = (
                f" (creatinine clearance {crcl:g} ml/min)"
                if hold != config.hold_hours(use.drug)
                else ""
            )
            action = f"hold {_drug(use)}: earliest date {earliest.isoformat()}"
            if use.drug is Antithrombotic.WARFARIN:
                action += f", with INR at most {config.inr_max_intermediate_risk:g} on the day"
            action += "; " + prescriber_advice(facts.thrombotic_risk_high)
            verify = (
                " (verify)" if f"antithrombotic_hold_hours.{use.drug.value}" in UNVERIFIED else ""
            )
            yield self.reason(
                f"{_drug(use).capitalize()} must be held {hold:g} h{renal} before an "
                f"intermediate-risk procedure and {taken}.",
                action,
                source=self.source + verify,
            )


HIGH_CLOTTING_RISK = (
    "a mechanical heart valve, a coronary stent in the last 12 months or a clot in the last "
    "3 months"
)


def prescriber_advice(thrombotic_risk_high: bool | None) -> str:
    """What every hold action says about the prescriber (rules.md, ANTITHROMBOTIC_NOT_HELD)."""
    if thrombotic_risk_high is True:
        return "the clotting risk is high: agree the stop, and any bridging, with the prescriber"
    return (
        f"if the clotting risk is high ({HIGH_CLOTTING_RISK}), agree the stop, and any "
        "bridging, with the prescriber"
    )


class AntithromboticReview(Rule):
    code = "ANTITHROMBOTIC_REVIEW"
    outcomes = (CAUTION,)
    source = "ASRA 2018 [21]"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        risk = _risk(facts)
        for use in facts.antithrombotics or ():
            if risk is BleedingRisk.LOW and use.drug in ANTICOAGULANTS | P2Y12_INHIBITORS:
                if remaining_hold_hours(
                    use.drug, use.hours_since_last_dose, config, facts.crcl_ml_min
                ):
                    yield self.reason(
                        f"{_drug(use).capitalize()} need not be held for a low-risk procedure, "
                        "but continuing it is a shared decision with the patient.",
                        "record the shared decision on continuing or holding",
                    )
            elif risk is BleedingRisk.INTERMEDIATE and use.drug is Antithrombotic.ASPIRIN:
                if use.indication is AspirinIndication.SECONDARY_PREVENTION:
                    advice = "do not stop secondary-prevention aspirin without the prescriber"
                else:
                    advice = "agree with the patient whether to continue aspirin"
                yield self.reason(
                    "Aspirin with an intermediate-risk procedure needs a shared decision on "
                    "bleeding against thrombotic risk.",
                    advice,
                )


class InrNotRecorded(Rule):
    code = "INR_NOT_RECORDED"
    outcomes = (DEFER,)
    source = SAFETY + "; ASRA asks for a normal INR [21]"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        on_warfarin = any(u.drug is Antithrombotic.WARFARIN for u in facts.antithrombotics or ())
        if on_warfarin and facts.inr is None:
            yield self.reason(
                "The patient takes warfarin but no INR is recorded.",
                "check the INR before the procedure",
            )


class InrHigh(Rule):
    code = "INR_HIGH"
    outcomes = (DEFER,)
    source = "ASRA 2018 [21]: normal INR (verify)"
    thresholds = ("inr_max_intermediate_risk", "inr_max_low_risk")

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        if facts.inr is None:
            return
        risk = _risk(facts)
        limit = (
            config.inr_max_intermediate_risk
            if risk is BleedingRisk.INTERMEDIATE
            else config.inr_max_low_risk
        )
        if facts.inr > limit:
            yield self.reason(
                f"INR {facts.inr:g} is above {limit:g} for {_a(risk.value)}-risk procedure.",
                f"correct the INR to at most {limit:g} and recheck",
            )


class PlateletsLow(Rule):
    code = "PLATELETS_LOW"
    outcomes = (DEFER, CAUTION)
    source = "local default (verify)"
    thresholds = ("platelets_min", "platelets_min_intermediate_risk")

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        platelets, risk = facts.platelets, _risk(facts)
        if platelets is None or platelets >= config.platelets_min_intermediate_risk:
            return
        if platelets < config.platelets_min or risk is BleedingRisk.INTERMEDIATE:
            limit = (
                config.platelets_min
                if platelets < config.platelets_min
                else config.platelets_min_intermediate_risk
            )
            yield self.reason(
                f"Platelets {platelets:g} ×10⁹/L are below {limit:g} for {_a(risk.value)}-risk "
                "procedure.",
                "investigate and correct the platelet count first",
            )
        else:
            yield self.reason(
                f"Platelets {platelets:g} ×10⁹/L are low; acceptable for a low-risk procedure "
                "with care.",
                "take extra care with haemostasis",
                outcome=CAUTION,
            )


# --- pregnancy, diabetes, immunity -----------------------------------------------------------


class PregnancyIonisingImaging(Rule):
    code = "PREGNANCY_IONISING_IMAGING"
    outcomes = (DEFER,)
    source = "Contraindications [17]"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        if facts.pregnant is True and facts.imaging in IONISING_IMAGING:
            yield self.reason(
                f"The patient is pregnant and {lower_label(facts.imaging.value)} guidance uses "
                "ionising radiation.",
                "use ultrasound guidance or wait until after the pregnancy",
            )


class PregnancyCaution(Rule):
    code = "PREGNANCY_CAUTION"
    outcomes = (CAUTION,)
    source = "Contraindications [18]"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        if facts.pregnant is True and facts.imaging is Imaging.ULTRASOUND:
            yield self.reason(
                "The patient is pregnant; the injectate and positioning need obstetric care.",
                "review the injectate and positioning for pregnancy",
            )


class PregnancyNotAssessed(Rule):
    code = "PREGNANCY_NOT_ASSESSED"
    outcomes = (DEFER,)
    source = SAFETY + "; IR(ME)R inclusive pregnancy enquiry"
    thresholds = ("pregnancy_check_min_age", "pregnancy_check_max_age")

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        if facts.pregnant is None and pregnancy_enquiry_needed(
            facts.sex, facts.age, facts.imaging, config
        ):
            yield self.reason(
                f"Pregnancy status is not recorded and {lower_label(facts.imaging.value)} "
                "guidance uses ionising radiation.",
                "confirm and record pregnancy status",
            )


class InfectionNotAssessed(Rule):
    code = "INFECTION_NOT_ASSESSED"
    outcomes = (DEFER,)
    source = SAFETY

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        infection = facts.infection
        missing = (
            ["systemic infection", "infection at the injection site"]
            if infection is None
            else [
                label
                for label, value in (
                    ("systemic infection", infection.systemic),
                    ("infection at the injection site", infection.local_at_site),
                )
                if value is None
            ]
        )
        if missing:
            yield self.reason(
                f"Infection has not been assessed ({' or '.join(missing)}), so an injection "
                "could spread it.",
                "ask about and examine for infection, and record the answer",
            )


class BleedingNotAssessed(Rule):
    code = "BLEEDING_NOT_ASSESSED"
    outcomes = (DEFER,)
    source = SAFETY

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        if facts.bleeding_disorder is None:
            yield self.reason(
                "Whether the patient has a bleeding disorder has not been recorded.",
                "ask about bleeding disorders and record the answer",
            )


class DiabetesNotRecorded(Rule):
    code = "DIABETES_NOT_RECORDED"
    outcomes = (CAUTION,)
    source = SAFETY

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        if facts.steroid_planned and (facts.diabetes is None or facts.diabetes.present is None):
            yield self.reason(
                "A steroid is planned and whether the patient has diabetes is not recorded.",
                "ask about diabetes; if diabetic, check blood glucose after the injection",
            )


class DiabetesUncontrolled(Rule):
    code = "DIABETES_UNCONTROLLED"
    outcomes = (DEFER,)
    source = "Steroids and glucose [23][24] (verify threshold)"
    thresholds = ("hba1c_max_mmol_mol",)

    @staticmethod
    def applies(facts: Facts, config: RuleSetConfig) -> bool:
        diabetes = facts.diabetes
        return (
            facts.steroid_planned
            and diabetes is not None
            and diabetes.hba1c_mmol_mol is not None
            and diabetes.hba1c_mmol_mol > config.hba1c_max_mmol_mol
        )

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        if self.applies(facts, config) and facts.diabetes is not None:
            yield self.reason(
                f"HbA1c {facts.diabetes.hba1c_mmol_mol:g} mmol/mol is above "
                f"{config.hba1c_max_mmol_mol:g}, and a steroid will raise blood glucose further.",
                "optimise diabetes control first, or inject local anaesthetic only",
            )


class DiabetesGlucoseMonitoring(Rule):
    code = "DIABETES_GLUCOSE_MONITORING"
    outcomes = (CAUTION,)
    source = "Steroids and glucose [23][24]"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        diabetes = facts.diabetes
        if (
            facts.steroid_planned
            and diabetes is not None
            and diabetes.present
            and not DiabetesUncontrolled.applies(facts, config)
        ):
            yield self.reason(
                "The patient has diabetes and the steroid can raise blood glucose for some days.",
                "advise checking blood glucose closely for 2 weeks",
            )


class Immunosuppression(Rule):
    code = "IMMUNOSUPPRESSION"
    outcomes = (CAUTION,)
    source = "Contraindications [17]"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        if facts.immunosuppressed is True:
            yield self.reason(
                "The patient is immunosuppressed, which raises the risk of infection.",
                "strict asepsis and clear advice on signs of infection",
            )


# --- NICE NG59 indications -------------------------------------------------------------------


class NiceNoInjectionNonspecificLbp(Rule):
    code = "NICE_NO_INJECTION_NONSPECIFIC_LBP"
    outcomes = (NOT_RECOMMENDED,)
    source = "NICE NG59 1.3.1 [1][2][3]"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        if facts.condition is Condition.NONSPECIFIC_LOW_BACK_PAIN and facts.procedure not in (
            Procedure.MEDIAL_BRANCH_BLOCK,
            Procedure.RADIOFREQUENCY_DENERVATION,
        ):
            yield self.reason(
                "NICE advises against spinal injections for non-specific low back pain.",
                "offer active management; consider the medial branch block to RF pathway",
            )


class NiceNoFacetInjection(Rule):
    code = "NICE_NO_FACET_INJECTION"
    outcomes = (NOT_RECOMMENDED,)
    source = "NHS Evidence-Based Interventions [1]"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        if facts.procedure is Procedure.FACET_JOINT_INJECTION:
            yield self.reason(
                "Therapeutic facet joint injections are not recommended for low back pain.",
                "consider a diagnostic medial branch block and radiofrequency denervation",
            )


class NiceNoEpiduralClaudication(Rule):
    code = "NICE_NO_EPIDURAL_CLAUDICATION"
    outcomes = (NOT_RECOMMENDED,)
    source = "NICE NG59 1.3.6 [1][3][6]"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        if (
            facts.procedure in EPIDURALS
            and facts.condition is Condition.SPINAL_STENOSIS
            and facts.symptoms.neurogenic_claudication is True
        ):
            yield self.reason(
                "NICE advises against epidurals for neurogenic claudication due to spinal "
                "stenosis.",
                "offer active management or a surgical opinion",
            )


class NiceNoEpiduralBackPain(Rule):
    code = "NICE_NO_EPIDURAL_BACK_PAIN"
    outcomes = (NOT_RECOMMENDED,)
    source = "NICE NG59 [1]"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        if facts.procedure not in EPIDURALS or facts.symptoms.leg_pain_dominant is True:
            return
        if facts.symptoms.leg_pain_dominant is None:
            message = "Epidurals are for sciatica, and leg-dominant pain has not been recorded."
        else:
            message = "Epidurals are for sciatica, not for back pain that is worse than leg pain."
        yield self.reason(message, "record leg and back pain, or choose another pathway")


class NiceEpiduralNotAcuteSevere(Rule):
    code = "NICE_EPIDURAL_NOT_ACUTE_SEVERE"
    outcomes = (CAUTION,)
    source = "NICE NG59 1.3.5 [3] (local thresholds)"
    thresholds = ("epidural_acute_max_weeks", "epidural_severe_min_leg_nrs")
    switchable = True
    title = "Caution on an epidural for sciatica that is not acute and severe"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        s = facts.symptoms
        if (
            facts.procedure in EPIDURALS
            and s.leg_pain_dominant is True
            and not _acute_severe_sciatica(facts, config)
        ):
            yield self.reason(
                f"NICE suggests epidurals for acute and severe sciatica (here: up to "
                f"{config.epidural_acute_max_weeks:g} weeks and leg pain at least "
                f"{config.epidural_severe_min_leg_nrs}/10); this presentation is not, or is "
                "not recorded as, both.",
                "document why an epidural is still the right choice",
            )


class RfRequiresPositiveMbb(Rule):
    code = "RF_REQUIRES_POSITIVE_MBB"
    outcomes = (NOT_SUITABLE,)
    source = "NICE NG59 1.3.3 [5][7][10]"
    thresholds = ("mbb_min_relief_percent", "mbb_max_age_months")

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        if facts.procedure is not Procedure.RADIOFREQUENCY_DENERVATION:
            return
        mbb = facts.mbb
        oldest = months_before(facts.assessment_date, config.mbb_max_age_months)
        if mbb is None:
            problem = "no diagnostic medial branch block is recorded"
        elif mbb.relief_percent < config.mbb_min_relief_percent:
            problem = (
                f"the medial branch block gave {mbb.relief_percent:g}% relief, below "
                f"{config.mbb_min_relief_percent:g}%"
            )
        elif mbb.date < oldest:
            problem = (
                f"the medial branch block of {mbb.date.isoformat()} is older than "
                f"{config.mbb_max_age_months} months"
            )
        else:
            return
        yield self.reason(
            f"Radiofrequency denervation needs a recent positive medial branch block, but "
            f"{problem}.",
            "perform a diagnostic medial branch block first",
        )


class RfPainBelowThreshold(Rule):
    code = "RF_PAIN_BELOW_THRESHOLD"
    outcomes = (CAUTION,)
    source = "NICE NG59 1.3.2 (verify wording)"
    thresholds = ("rf_min_back_pain_nrs",)
    switchable = True
    title = "Caution on radiofrequency denervation for back pain below the threshold"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        nrs = facts.symptoms.back_pain_nrs
        if facts.procedure is Procedure.RADIOFREQUENCY_DENERVATION and (
            nrs is None or nrs < config.rf_min_back_pain_nrs
        ):
            shown = "not recorded" if nrs is None else f"{nrs}/10"
            yield self.reason(
                f"NICE considers RF denervation for moderate or severe back pain (at least "
                f"{config.rf_min_back_pain_nrs}/10); back pain is {shown}.",
                "record back pain and the reason to proceed",
            )


class RfRepeatTooSoon(Rule):
    code = "RF_REPEAT_TOO_SOON"
    outcomes = (CAUTION,)
    source = "RF repeat interval [5][8]"
    thresholds = ("rf_repeat_min_months",)
    switchable = True
    title = "Caution on radiofrequency denervation repeated sooner than the interval"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        if facts.procedure is not Procedure.RADIOFREQUENCY_DENERVATION:
            return
        since = months_before(facts.assessment_date, config.rf_repeat_min_months)
        recent = [
            p.date
            for p in facts.previous_injections
            if p.procedure is InjectionSite.RADIOFREQUENCY_DENERVATION and p.date > since
        ]
        if recent:
            yield self.reason(
                f"The last radiofrequency denervation was on {max(recent).isoformat()}, less "
                f"than {config.rf_repeat_min_months} months ago.",
                "confirm the previous RF gave sustained relief before repeating",
            )


class ConservativeCareInsufficient(Rule):
    code = "CONSERVATIVE_CARE_INSUFFICIENT"
    outcomes = (CAUTION,)
    source = "Conservative care first [32]"
    thresholds = (
        "conservative_care_min_weeks",
        "epidural_acute_max_weeks",
        "epidural_severe_min_leg_nrs",
    )
    switchable = True
    title = "Caution when conservative care has been shorter than expected"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        weeks = facts.conservative_care_weeks
        if weeks is not None and weeks >= config.conservative_care_min_weeks:
            return
        if _acute_severe_sciatica(facts, config):
            return
        shown = "not recorded" if weeks is None else f"{weeks:g} weeks"
        yield self.reason(
            f"Conservative care so far is {shown}, less than "
            f"{config.conservative_care_min_weeks:g} weeks.",
            "document why an injection is needed before completing conservative care",
        )


class SteroidExposure(Rule):
    """The checks of steroids.md, run when a steroid is planned; each keeps its own code."""

    code = "STEROID_EXPOSURE"
    outcomes = (DEFER, CAUTION)
    source = "steroids.md"
    thresholds = (
        "steroid_min_interval_days",
        "steroid_region_frequent_count",
        "steroid_region_limit_count",
        "steroid_any_site_frequent_count_6m",
        "steroid_cumulative_warn_12m_mg",
        "steroid_cumulative_warn_36m_mg",
        "steroid_cumulative_limit_12m_mg",
        "steroid_single_dose_warn_mg",
        "window_6m_days",
        "window_12m_days",
        "window_36m_days",
    )

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(STEROID_CODES)

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        steroid = steroid_check_for(facts, config)
        for found in steroid.reasons if steroid else ():
            yield Reason(
                code=found.code,
                outcome=found.outcome,
                message=found.message,
                source=found.source,
                action=found.action,
            )


class RepeatAfterPoorResponse(Rule):
    code = "REPEAT_AFTER_POOR_RESPONSE"
    outcomes = (CAUTION,)
    source = "Repeat injections [32][33]"
    thresholds = ("repeat_min_relief_percent",)
    switchable = True
    title = "Caution on repeating an injection that gave poor relief"

    def check(self, facts: Facts, config: RuleSetConfig) -> Iterator[Reason]:
        region = region_of(facts.procedure.value)
        poor = [
            p
            for p in facts.previous_injections
            if region_of(p.procedure) is region
            and p.relief_percent is not None
            and p.relief_percent < config.repeat_min_relief_percent
        ]
        if poor:
            last = max(poor, key=lambda p: p.date)
            yield self.reason(
                f"A previous injection in the same region ({last.date.isoformat()}) gave only "
                f"{last.relief_percent:g}% relief; a repeat needs at least "
                f"{config.repeat_min_relief_percent:g}% sustained relief.",
                "document why a repeat is expected to help",
            )


RULES: tuple[Rule, ...] = (
    RedFlagCaudaEquina(),
    RedFlagProgressiveDeficit(),
    RedFlagInfection(),
    RedFlagMalignancy(),
    RedFlagFracture(),
    NightPainReview(),
    RedFlagsNotScreened(),
    OutsideAgeRange(),
    AllergyInjectate(),
    AllergyContrast(),
    AllergiesNotRecorded(),
    InfectionActive(),
    BleedingDisorder(),
    MedicationNotRecorded(),
    AntithromboticNotHeld(),
    AntithromboticReview(),
    InrNotRecorded(),
    InrHigh(),
    PlateletsLow(),
    PregnancyIonisingImaging(),
    PregnancyCaution(),
    PregnancyNotAssessed(),
    InfectionNotAssessed(),
    BleedingNotAssessed(),
    DiabetesNotRecorded(),
    DiabetesUncontrolled(),
    DiabetesGlucoseMonitoring(),
    Immunosuppression(),
    NiceNoInjectionNonspecificLbp(),
    NiceNoFacetInjection(),
    NiceNoEpiduralClaudication(),
    NiceNoEpiduralBackPain(),
    NiceEpiduralNotAcuteSevere(),
    RfRequiresPositiveMbb(),
    RfPainBelowThreshold(),
    RfRepeatTooSoon(),
    ConservativeCareInsufficient(),
    SteroidExposure(),
    RepeatAfterPoorResponse(),
)
"""Every rule, in the order of the spec's table; reasons are shown in this order within a
severity."""


def rule_codes(rules: Sequence[Rule] = RULES) -> tuple[str, ...]:
    """Every code a reason can carry, in rule order (the steroid checks' codes included)."""
    return tuple(dict.fromkeys(code for rule in rules for code in rule.codes))


_CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")


def validate_ruleset(rules: Sequence[Rule], config: RuleSetConfig) -> list[str]:
    """Problems that make a rule set unsafe to run; empty when it is well formed.

    A Django system check calls this at start-up, so a broken local rule or override stops the
    service rather than producing decisions nobody can trace.
    """
    problems: list[str] = []
    seen: dict[str, str] = {}
    for rule in rules:
        name = type(rule).__name__
        if not isinstance(rule, Rule):
            problems.append(f"{name} is not a Rule")
            continue
        code = getattr(rule, "code", "")
        if not isinstance(code, str) or not _CODE.match(code):
            problems.append(f"{name} has no valid code (UPPER_SNAKE_CASE expected): {code!r}")
        for each in rule.codes:
            if each in seen:
                problems.append(f"code {each} is used by both {seen[each]} and {name}")
            seen[each] = name
        outcomes = getattr(rule, "outcomes", ())
        if not outcomes:
            problems.append(f"{code} names no outcomes")
        problems += [
            f"{code} names an unknown outcome {o!r}" for o in outcomes if not isinstance(o, Outcome)
        ]
        source = getattr(rule, "source", "")
        if not isinstance(source, str) or not source.strip():
            problems.append(f"{code} has no source")
        elif rule.switchable and (
            URGENT in outcomes or NOT_SUITABLE in outcomes or source.startswith(SAFETY)
        ):
            problems.append(
                f"{code} may never be switched off (red flag, absolute contraindication or "
                "safety rule), yet says it is switchable"
            )
        if rule.switchable and not rule.title:
            problems.append(f"{code} may be switched off, so it needs a title in words")
        problems += [
            f"{code} reads an unknown setting {key!r}"
            for key in rule.thresholds
            if key not in RuleSetConfig.model_fields
        ]
    by_code = {rule.code: rule for rule in rules if isinstance(rule, Rule)}
    for code in config.disabled_rules:
        found = by_code.get(code)
        if found is None:
            problems.append(f"rule set switches off an unknown rule {code!r}")
        elif (why := found.never_off_because) is not None:
            problems.append(f"rule set switches off {code}, which may not be off: {why}")
    try:
        RuleSetConfig.model_validate(config.model_dump())
    except ValueError as error:
        problems.append(f"rule set configuration is invalid: {error}")
    if not config.name or not config.version:
        problems.append("rule set configuration needs a name and a version")
    for key in UNVERIFIED:
        field, _, drug = key.partition(".")
        if field not in RuleSetConfig.model_fields:
            problems.append(f"unverified-threshold note names an unknown setting {key!r}")
        elif drug and drug not in {d.value for d in config.antithrombotic_hold_hours}:
            problems.append(f"unverified-threshold note names a drug without a hold {key!r}")
    return problems
