"""Questionnaire definitions as data: items, options, recall period, licence and wording status.

Only wording spinepath may ship is in this file: its own plain-English NRS and PGIC questions.
The ODI, RMDQ and STarT Back are under licence (``shared/clinical/instruments.md``), so they
ship with their structure and clearly labelled placeholders; a clinic loads its licensed wording
from a file (see ``wording.py``) and scoring works either way because it depends only on the
structure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

PLACEHOLDER_PREFIX = "Licensed wording not loaded"


class Licence(StrEnum):
    PUBLIC_USE = "public_use"
    PUBLIC_DOMAIN = "public_domain"
    LICENSED = "licensed"
    TERMS_UNCLEAR = "terms_unclear"
    NON_COMMERCIAL = "free_for_non_commercial_use"

    @property
    def may_ship_wording(self) -> bool:
        return self in (Licence.PUBLIC_USE, Licence.PUBLIC_DOMAIN)


class Wording(StrEnum):
    OWN = "own"
    PLACEHOLDER = "placeholder"
    CLINIC_SUPPLIED = "clinic_supplied"


@dataclass(frozen=True)
class Option:
    value: int
    text: str


@dataclass(frozen=True)
class Item:
    id: str
    name: str
    text: str
    options: tuple[Option, ...]
    placeholder: bool = False

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(option.value for option in self.options)


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    version: str
    recall_period: str
    licence: Licence
    licence_note: str
    wording: Wording
    items: tuple[Item, ...]
    score_min: float
    score_max: float
    bands: tuple[str, ...] = ()
    sources: str = ""
    instructions: str = ""

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(f"{self.code} has no item {item_id!r}")

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)


def _placeholder(label: str) -> str:
    return f"{PLACEHOLDER_PREFIX} — {label}"


def _nrs(code: str, name: str, pain: str) -> Instrument:
    anchors = {0: "0 — no pain", 10: "10 — the worst pain you can imagine"}
    return Instrument(
        code=code,
        name=name,
        version="spinepath-1",
        recall_period="the last week",
        licence=Licence.PUBLIC_USE,
        licence_note="No licence found; spinepath's own wording.",
        wording=Wording.OWN,
        items=(
            Item(
                id="score",
                name=name,
                text=(
                    f"Thinking about the last week, pick the number that best shows how bad your "
                    f"{pain} has usually been, where 0 is no pain at all and 10 is the worst pain "
                    "you can imagine."
                ),
                options=tuple(Option(v, anchors.get(v, str(v))) for v in range(11)),
            ),
        ),
        score_min=0,
        score_max=10,
        sources="[49]",
    )


NRS = _nrs("nrs", "Pain numerical rating scale", "pain")
NRS_BACK = _nrs("nrs_back", "Back pain numerical rating scale", "back pain")
NRS_LEG = _nrs("nrs_leg", "Leg pain numerical rating scale", "leg pain (in one or both legs)")

ODI_SECTIONS = (
    "Pain intensity",
    "Personal care",
    "Lifting",
    "Walking",
    "Sitting",
    "Standing",
    "Sleeping",
    "Sex life",
    "Social life",
    "Travelling",
)
ODI_BANDS = ("minimal", "moderate", "severe", "crippling", "bed_bound")

ODI = Instrument(
    code="odi",
    name="Oswestry Disability Index",
    version="2.1a",
    recall_period="today",
    licence=Licence.LICENSED,
    licence_note=(
        "© J. Fairbank, licensed via Mapi Research Trust; fees possible [36][37]. Wording is "
        "loaded from the clinic's licensed file."
    ),
    wording=Wording.PLACEHOLDER,
    items=tuple(
        Item(
            id=f"s{n}",
            name=section,
            text=_placeholder(f"ODI section {n}: {section}, options 0–5"),
            options=tuple(
                Option(v, _placeholder(f"ODI section {n}: {section}, option {v}")) for v in range(6)
            ),
            placeholder=True,
        )
        for n, section in enumerate(ODI_SECTIONS, start=1)
    ),
    score_min=0,
    score_max=100,
    bands=ODI_BANDS,
    sources="[38][39][40]",
)

RMDQ = Instrument(
    code="rmdq",
    name="Roland-Morris Disability Questionnaire (24 items)",
    version="24",
    recall_period="today",
    licence=Licence.TERMS_UNCLEAR,
    licence_note=(
        "Reproduction permitted in 2000 [41]; current terms unclear, so wording is loaded from "
        "the clinic's file."
    ),
    wording=Wording.PLACEHOLDER,
    items=tuple(
        Item(
            id=f"q{n}",
            name=f"Statement {n}",
            text=_placeholder(f"RMDQ statement {n}"),
            options=(Option(0, "Not ticked"), Option(1, "Ticked: applies to me today")),
            placeholder=True,
        )
        for n in range(1, 25)
    ),
    score_min=0,
    score_max=24,
    sources="[42]",
)

STARTBACK_TOPICS = (
    "Leg pain spreading",
    "Shoulder or neck pain",
    "Walking",
    "Dressing",
    "Fear of activity",
    "Worry",
    "Catastrophising",
    "Low mood",
    "Bothersomeness",
)
STARTBACK_BANDS = ("low", "medium", "high")
_AGREE = (Option(0, "Disagree"), Option(1, "Agree"))
_BOTHER = tuple(
    Option(v, text)
    for v, text in enumerate(("Not at all", "Slightly", "Moderately", "Very much", "Extremely"))
)

STARTBACK = Instrument(
    code="startback",
    name="Keele STarT Back screening tool",
    version="9-item",
    recall_period="the last 2 weeks",
    licence=Licence.NON_COMMERCIAL,
    licence_note=(
        "© Keele University; free for non-commercial clinical use, commercial use needs "
        "permission [44]. Wording is loaded from the clinic's file."
    ),
    wording=Wording.PLACEHOLDER,
    items=tuple(
        Item(
            id=f"q{n}",
            name=topic,
            text=_placeholder(f"STarT Back item {n}: {topic}"),
            options=_BOTHER if n == 9 else _AGREE,
            placeholder=True,
        )
        for n, topic in enumerate(STARTBACK_TOPICS, start=1)
    ),
    score_min=0,
    score_max=9,
    bands=STARTBACK_BANDS,
    sources="[43]",
)

PGIC_BANDS = (
    "very_much_improved",
    "much_improved",
    "minimally_improved",
    "no_change",
    "minimally_worse",
    "much_worse",
    "very_much_worse",
)

PGIC = Instrument(
    code="pgic",
    name="Patient Global Impression of Change",
    version="spinepath-1",
    recall_period="since the procedure",
    licence=Licence.PUBLIC_DOMAIN,
    licence_note="7-point scale in the public domain [45]; spinepath's own wording.",
    wording=Wording.OWN,
    items=(
        Item(
            id="score",
            name="Overall change",
            text=(
                "Since your injection, how has your condition changed overall: your pain, "
                "activity and how you feel?"
            ),
            options=tuple(
                Option(v, band.replace("_", " ").capitalize())
                for v, band in enumerate(PGIC_BANDS, start=1)
            ),
        ),
    ),
    score_min=1,
    score_max=7,
    bands=PGIC_BANDS,
    sources="[45][46]",
)

INSTRUMENTS: Mapping[str, Instrument] = {
    instrument.code: instrument
    for instrument in (NRS, NRS_BACK, NRS_LEG, ODI, RMDQ, STARTBACK, PGIC)
}
"""Every questionnaire spinepath knows, by code (the ``{code}`` of the scoring endpoint)."""
