"""Readability report: Flesch–Kincaid and SMOG for every consent sheet and patient-facing page.

Run with ``.venv/bin/python bench/readability.py``. It prints:

1. every consent information sheet the plan allows — each procedure × imaging × steroid (or no
   steroid) — with the grades of its fullest version (diabetes, a blood thinner, pregnancy not
   known: every optional paragraph on) and the worst SMOG grade over all its patient variants,
   with and without a local anaesthetic;
2. every patient-facing page in ``PATIENT_PAGES``, rendered from its template as the patient
   sees it (headings included; printed citations and reference lists left out).

SMOG grade + 5 ≈ reading age. The target is ``readability.SMOG_TARGET``; the script exits 1 if any
sheet or page is above it, or if any sheet lacks a risk its procedure requires.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spinepath.clinical.consent_info import (  # noqa: E402
    ConsentInformation,
    build_consent_information,
    every_sheet_context,
    example_context,
    plan_combinations,
    required_risks,
)
from spinepath.clinical.readability import SMOG_TARGET, ReadingScores, reading_scores  # noqa: E402
from spinepath.clinical.vocab import Imaging, Procedure, Steroid  # noqa: E402

_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "th", "td", "caption", "dt", "dd", "label"}
_SKIPPED_CLASSES = {"meta", "consent-references", "small", "references"}


class _PageText(HTMLParser):
    """The text of each block element, leaving out citations and reference lists."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self._current: list[str] = []
        self._skip_depth = 0
        self._stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = set((dict(attrs).get("class") or "").split())
        skipped = bool(classes & _SKIPPED_CLASSES)
        if tag in _BLOCKS:
            self._flush()
        if tag not in {"br", "img", "input", "meta", "link"}:
            self._stack.append(skipped)
            self._skip_depth += skipped

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self._flush()
        if self._stack:
            self._skip_depth -= self._stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self._current.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self._current).split())
        if text:
            self.blocks.append(text)
        self._current = []


def page_texts(html: str) -> list[str]:
    parser = _PageText()
    parser.feed(html)
    parser.close()
    parser._flush()
    return parser.blocks


def _consent_sheet_page() -> str:
    """The consent information sheet as the clinician shows it (procedures/_information.html)."""
    from django.template.loader import render_to_string

    from spinepath.procedures.consent import information_snapshot

    sheet = build_consent_information(
        example_context(
            Procedure.TRANSFORAMINAL_EPIDURAL, Imaging.FLUOROSCOPY, Steroid.DEXAMETHASONE
        )
    )
    return render_to_string(
        "procedures/_information.html", {"information": information_snapshot(sheet)}
    )


def _followup_pages() -> str:
    """Every page a follow-up link shows (followup/patient/), its one-question screens and the
    invitation email, together: each alone is too short for SMOG. The clinic's own name is its
    own, so a short one stands in for it."""
    from django.template.loader import render_to_string

    from spinepath.accounts.models import Clinic
    from spinepath.clinical.instruments import INSTRUMENTS
    from spinepath.followup.patient_forms import DateOfBirthInput

    clinic = Clinic(name="Elm Clinic", phone="0113 496 0000")
    pages = [
        ("unavailable", {}),
        ("session_ended", {"clinic": clinic, "minutes": 30}),
        ("locked", {"clinic": clinic}),
        ("date_of_birth", {"clinic": clinic, "dob": DateOfBirthInput(values={})}),
        ("done", {"clinic": clinic, "rows": []}),
    ]
    html = [render_to_string(f"followup/patient/{name}.html", ctx) for name, ctx in pages]
    html += [f"<p>{INSTRUMENTS[code].items[0].text}</p>" for code in ("nrs_leg", "pgic")]
    email = render_to_string(
        "followup/messages/email.txt",
        {"clinic": clinic, "url": "https://clinic.example/f/token", "until": "20 Dec 2026"},
    )
    html += [f"<p>{part}</p>" for part in email.split("\n\n") if part.strip()]
    return "".join(html)


def _aftercare_page() -> str:
    """The patient's aftercare page (/f/aftercare) for a diabetic patient on apixaban after a
    caudal epidural, with a repeat planned: the page's own words around both leaflets (the
    exercises' words are the library's, measured with it)."""
    import datetime as dt
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    from spinepath.accounts.models import Clinic
    from spinepath.clinical.aftercare import (
        ClinicContact,
        PatientFactors,
        ProcedureGiven,
        build_aftercare,
        build_plan_information,
    )
    from spinepath.clinical.vocab import Antithrombotic, Condition

    clinic = Clinic(name="Elm Clinic", phone="0113 496 0000")
    contact = ClinicContact(name=clinic.name, phone=clinic.phone, out_of_hours_advice="")
    given = ProcedureGiven(
        Procedure.CAUDAL_EPIDURAL, Imaging.FLUOROSCOPY, Steroid.DEXAMETHASONE, None
    )
    patient = PatientFactors(diabetic=True, antithrombotics=(Antithrombotic.APIXABAN,))
    when = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
    leaflet = build_aftercare(given, patient, contact)
    context = {
        "clinic": clinic,
        "leaflet": leaflet,
        "record": SimpleNamespace(performed_at=when),
        "given": SimpleNamespace(version=leaflet.version, given_at=when),
        "information": build_plan_information(given, Condition.SCIATICA, patient, contact),
    }
    return render_to_string("aftercare/patient/aftercare.html", context)


PATIENT_PAGES: list[tuple[str, Callable[[], str]]] = [
    ("Consent information sheet (transforaminal, X-ray, dexamethasone)", _consent_sheet_page),
    ("Follow-up link pages and the invitation email", _followup_pages),
    ("Aftercare page (/f/aftercare: caudal, X-ray, diabetes, apixaban)", _aftercare_page),
]
"""Every page a patient reads, as (name, a function returning its rendered HTML).

Add each new patient-facing page here when it is built (aftercare leaflets, the follow-up
questionnaire pages a patient opens from a secure link): the report and ``test_readability_report``
then measure it with the same target.
"""


def _row(name: str, scores: ReadingScores, worst_smog: float | None = None) -> str:
    worst = "" if worst_smog is None else f"{worst_smog:9.2f}"
    flag = "" if max(scores.smog_grade, worst_smog or 0) <= SMOG_TARGET else "  ABOVE TARGET"
    return (
        f"{name:<68} {scores.flesch_kincaid_grade:6.2f} {scores.smog_grade:6.2f}"
        f"{worst} {scores.words:6d}{flag}"
    )


def sheet_report() -> tuple[list[str], bool]:
    """Rows for every plan combination, and whether every sheet passed."""
    worst: dict[tuple[str, str, str], float] = {}
    ok = True
    for ctx in every_sheet_context():
        sheet = build_consent_information(ctx)
        missing = required_risks(ctx) - sheet.risk_codes
        if missing:
            ok = False
            print(f"MISSING RISKS {sorted(missing)} for {ctx}")
        key = (ctx.procedure.value, ctx.imaging.value, ctx.steroid or "no steroid")
        smog = reading_scores(*sheet.patient_texts()).smog_grade
        worst[key] = max(worst.get(key, 0.0), smog)
    rows = []
    for procedure, imaging, steroid in plan_combinations():
        key = (procedure.value, imaging.value, steroid or "no steroid")
        fullest: ConsentInformation = build_consent_information(
            example_context(procedure, imaging, steroid)
        )
        scores = reading_scores(*fullest.patient_texts())
        rows.append(_row(" × ".join(key), scores, worst[key]))
        ok = ok and worst[key] <= SMOG_TARGET
    return rows, ok


def page_report() -> tuple[list[str], bool]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spinepath.settings")
    import django

    django.setup()
    rows = []
    ok = True
    for name, render in PATIENT_PAGES:
        scores = reading_scores(*page_texts(render()))
        rows.append(_row(name, scores))
        ok = ok and scores.smog_grade <= SMOG_TARGET
    return rows, ok


def main() -> int:
    header = f"{'':<68} {'FK':>6} {'SMOG':>6} {'worst':>8} {'words':>6}"
    print(f"Consent information sheets (target SMOG ≤ {SMOG_TARGET:g}; reading age ≈ SMOG + 5)")
    print("FK and SMOG of the fullest sheet; worst = highest SMOG over every patient variant")
    print(header.replace("worst", "worst", 1))
    sheet_rows, sheets_ok = sheet_report()
    print("\n".join(sheet_rows))
    print()
    print("Patient-facing pages, as rendered")
    print(f"{'':<68} {'FK':>6} {'SMOG':>6} {'words':>6}")
    page_rows, pages_ok = page_report()
    print("\n".join(page_rows))
    return 0 if sheets_ok and pages_ok else 1


if __name__ == "__main__":
    sys.exit(main())
