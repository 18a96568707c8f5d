"""How a stored decision reads on screen: plain words, colour, icon, and what changed on re-run."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from spinepath.assessment.models import Decision
from spinepath.clinical.decision import evaluate
from spinepath.clinical.facts import Facts
from spinepath.clinical.ruleset import UNVERIFIED, RuleSetConfig, threshold
from spinepath.clinical.sources import anchor, split_citations
from spinepath.clinical.steroids import SteroidStatus
from spinepath.clinical.vocab import Outcome


@dataclass(frozen=True)
class OutcomeStyle:
    headline: str
    explanation: str
    tone: str  # css class: ok / caution / advise (overridable) / stop / urgent
    icon: str


OUTCOME_STYLES = {
    Outcome.URGENT_REFERRAL: OutcomeStyle(
        "Urgent referral — do not inject",
        "A red flag was found. Refer as each reason says: the same day for cauda equina "
        "signs, possible spinal infection or worsening weakness; within 2 weeks for suspected "
        "cancer or fracture. This cannot be overridden.",
        "urgent",
        "‼",
    ),
    Outcome.NOT_SUITABLE: OutcomeStyle(
        "Not suitable as planned",
        "An absolute contraindication applies to this procedure as planned. Change the plan; "
        "this cannot be overridden.",
        "stop",
        "✕",
    ),
    Outcome.NOT_RECOMMENDED: OutcomeStyle(
        "Not recommended by the guideline",
        "The guideline in force advises against this procedure for this presentation. You may "
        "proceed only with a written reason.",
        "advise",
        "!",
    ),
    Outcome.DEFER: OutcomeStyle(
        "Defer — not now",
        "Something correctable must happen first. You may proceed only with a written reason.",
        "caution",
        "◷",
    ),
    Outcome.SUITABLE_WITH_CAUTIONS: OutcomeStyle(
        "Suitable, with cautions",
        "May proceed. Acknowledge and act on each caution; proceeding needs a written note.",
        "caution",
        "⚠",
    ),
    Outcome.SUITABLE: OutcomeStyle(
        "Suitable", "No rule fired for this plan and these facts.", "ok", "✓"
    ),
}


def words(code: str) -> str:
    """A code as words for the page: ``bed_bound`` → ``bed bound``."""
    return code.replace("_", " ")


def outcome_label(outcome: str) -> str:
    return words(outcome).capitalize()


def outcome_style(outcome: str) -> OutcomeStyle:
    return OUTCOME_STYLES[Outcome(outcome)]


_VERIFY = re.compile(r"\s*\(verify(?: ([^)]*))?\)")


@dataclass(frozen=True)
class SourcePart:
    """A piece of a source line: plain text, or a citation linking to the references page."""

    text: str
    key: str = ""
    title: str = ""

    @property
    def anchor(self) -> str:
        return anchor(self.key)


def source_parts(source: str) -> list[SourcePart]:
    """A rule's source as words and links: ``ASRA 2018 [19][21] (verify)`` becomes "ASRA 2018",
    links to sources 19 and 21, and "(source not yet confirmed)"."""
    text = _VERIFY.sub(
        lambda m: f" ({m.group(1) or 'source'} not yet confirmed)",
        source.replace("spinepath safety rule", "Safety rule"),
    )
    return [
        SourcePart(piece, key=source.key, title=source.citation) if source else SourcePart(piece)
        for piece, source in split_citations(text)
    ]


@dataclass(frozen=True)
class ThresholdRow:
    label: str
    value: str
    note: list[SourcePart]


def _unverified_in_force(config: dict[str, Any]) -> list[ThresholdRow]:
    """Thresholds whose source is unconfirmed, in words and units with the value in force."""
    rows = []
    for key, note in UNVERIFIED.items():
        name, _, drug = key.partition(".")
        value = config.get(name)
        if drug and isinstance(value, dict):
            value = value.get(drug)
        words_for = threshold(key)
        shown = "not set" if value is None else words_for.describe(value).split(": ", 1)[1]
        rows.append(ThresholdRow(words_for.label, shown, source_parts(note)))
    return rows


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def reason_view(reason: dict[str, Any]) -> dict[str, Any]:
    """One stored reason as the page shows it: plain message and action, linked sources."""
    action = reason.get("action")
    return {
        **reason,
        "action": action[:1].upper() + action[1:] if action else action,
        "style": outcome_style(reason["outcome"]),
        "label": outcome_label(reason["outcome"]),
        "source_parts": source_parts(reason.get("source") or ""),
    }


def decision_view(decision: Decision) -> dict[str, Any]:
    reasons = [reason_view(reason) for reason in decision.reasons]
    return {
        "style": outcome_style(decision.outcome),
        "reasons": reasons,
        "steroid": decision.steroid,
        "steroid_blocks": bool(decision.steroid)
        and SteroidStatus(decision.steroid["status"]).blocks,
        "steroid_region": words((decision.steroid or {}).get("region") or "no spinal region"),
        "steroid_earliest": _date((decision.steroid or {}).get("earliest_date")),
        "unverified": _unverified_in_force(decision.ruleset_config),
    }


@dataclass(frozen=True)
class Rerun:
    then_outcome: str
    now_outcome: str
    then_ruleset: str
    now_ruleset: str
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]

    @property
    def then_label(self) -> str:
        return outcome_label(self.then_outcome)

    @property
    def now_label(self) -> str:
        return outcome_label(self.now_outcome)

    @property
    def added_shown(self) -> list[dict[str, Any]]:
        return [reason_view(r) for r in self.added]

    @property
    def removed_shown(self) -> list[dict[str, Any]]:
        return [reason_view(r) for r in self.removed]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed) or self.then_outcome != self.now_outcome


def compare(before: Decision, facts: Facts, config: RuleSetConfig | None = None) -> Rerun:
    """What the decision would be now for ``facts``, against what was stored."""
    now = evaluate(facts, config or before.assessment.episode.patient.clinic.ruleset()).to_dict()
    then_codes = {r["code"] for r in before.reasons}
    now_codes = {r["code"] for r in now["reasons"]}
    return Rerun(
        then_outcome=before.outcome,
        now_outcome=now["outcome"],
        then_ruleset=f"{before.ruleset_name} {before.ruleset_version}",
        now_ruleset=f"{now['ruleset']['name']} {now['ruleset']['version']}",
        added=[r for r in now["reasons"] if r["code"] not in then_codes],
        removed=[r for r in before.reasons if r["code"] not in now_codes],
    )


def rerun(decision: Decision) -> Rerun:
    return compare(decision, Facts.model_validate(decision.facts))
