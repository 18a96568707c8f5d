"""Reading age of every public information page, the aftercare leaflets and the exercise library.

Run with ``.venv/bin/python tools/reading_age.py``. For each text it prints the Flesch–Kincaid
and SMOG grades as reading ages (grade + 5 years), the words and the sentences, measured with
textstat through ``spinepath.clinical.readability``. The aim is a reading age of about 11
(``patient_info.READING_AGE_TARGET``); the script exits 1 if anything reads older than
``patient_info.READING_AGE_CEILING`` by SMOG (the figure the tests hold each page to).

Leaflets: the two examples of issue 12, and the worst of every procedure × imaging × steroid ×
local anaesthetic × diabetes × blood thinners combination.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spinepath.clinical import aftercare, patient_info, rehab  # noqa: E402
from spinepath.clinical.readability import ReadingScores, reading_scores  # noqa: E402
from spinepath.clinical.vocab import (  # noqa: E402
    Antithrombotic,
    Condition,
    Imaging,
    LocalAnaesthetic,
    Procedure,
    Steroid,
)

CAUDAL = aftercare.ProcedureGiven(
    Procedure.CAUDAL_EPIDURAL,
    Imaging.FLUOROSCOPY,
    Steroid.DEXAMETHASONE,
    LocalAnaesthetic.LIDOCAINE,
)
SIJ = aftercare.ProcedureGiven(
    Procedure.SACROILIAC_JOINT_INJECTION, Imaging.ULTRASOUND, None, LocalAnaesthetic.LIDOCAINE
)
DIABETIC_ON_APIXABAN = aftercare.PatientFactors(True, (Antithrombotic.APIXABAN,))


def row(name: str, scores: ReadingScores) -> str:
    return (
        f"{name:<52} {scores.flesch_kincaid_grade + 5:>6.1f} {scores.smog_reading_age:>6.1f} "
        f"{scores.words:>6} {scores.sentences:>5}"
    )


def main() -> int:
    ceiling = patient_info.READING_AGE_CEILING
    header = f"{'Text':<52} {'FK age':>6} {'SMOG':>6} {'words':>6} {'sent.':>5}"
    measured: list[tuple[str, ReadingScores]] = []

    print("Public information pages (/information/)")
    print(header)
    for page in patient_info.PAGES:
        scores = page.reading_scores()
        measured.append((page.slug, scores))
        print(row(page.slug, scores))
    ages = [s.smog_reading_age for _, s in measured]
    print(f"{'mean of the pages':<52} {'':>6} {sum(ages) / len(ages):>6.1f}")

    print("\nLeaflets")
    print(header)
    clinic = aftercare.EXAMPLE_CLINIC
    examples = [
        (
            "aftercare: caudal, X-ray, diabetic, apixaban",
            aftercare.build_aftercare(CAUDAL, DIABETIC_ON_APIXABAN, clinic).texts(),
        ),
        (
            "aftercare: SIJ, ultrasound, no steroid",
            aftercare.build_aftercare(SIJ, aftercare.PatientFactors(False, ()), clinic).texts(),
        ),
        (
            "plan: caudal, X-ray, diabetic, apixaban",
            aftercare.build_plan_information(
                CAUDAL, Condition.SCIATICA, DIABETIC_ON_APIXABAN, clinic
            ).texts(),
        ),
    ]
    for name, texts in examples:
        scores = reading_scores(*texts)
        measured.append((name, scores))
        print(row(name, scores))
    worst = max(
        (
            reading_scores(*aftercare.build_aftercare(g, p, clinic).texts())
            for g, p in aftercare.every_example()
        ),
        key=lambda s: s.smog_grade,
    )
    measured.append(("worst aftercare leaflet", worst))
    print(row("worst of every aftercare leaflet", worst))

    print("\nExercise library")
    print(header)
    library = reading_scores(*(t for e in rehab.LIBRARY for t in e.texts()))
    measured.append(("exercise library", library))
    print(row(f"all {len(rehab.LIBRARY)} exercises", library))

    over = [name for name, s in measured if s.smog_reading_age > ceiling]
    print(
        f"\nReading age = grade + 5. Target about {patient_info.READING_AGE_TARGET:g}; "
        f"ceiling {ceiling:g} (SMOG)."
    )
    if over:
        print("Over the ceiling: " + ", ".join(over))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
