"""FHIR Bulk Data export: resources per second and peak memory as the registry grows.

Run with ``.venv/bin/python bench/fhir.py [--sizes 10000,100000]``. For each size it builds a
registry in a fresh SQLite database under a temporary ``SPINEPATH_VAR_DIR`` (patients, each with
a referral and baseline back- and leg-pain scores, bulk-inserted), then in a separate process for
each measurement (so peak RSS is that run's alone):

* ``fhir``: the real export (``export.export_run``: chunked queries, the mappers, one NDJSON line
  per resource) of every resource type those rows make;
* ``json``: the same rows read with ``values().iterator()`` and written with the standard ``json``
  module, one line per row: the floor for "read rows, write JSON lines" on this machine.

It prints resources (rows) per second, the peak resident memory above the process's size before
the export, and the ratios fhir/json. The goal (issue 14): at least 2,214 resources/s (HAPI's
published bulk-import figure on 8 vCPU) here on 2 cores, with memory flat as the size grows.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_PER_SECOND = 2214


def _setup(var_dir: str) -> None:
    Path(var_dir).mkdir(parents=True, exist_ok=True)
    os.environ["SPINEPATH_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spinepath.settings")
    os.environ.setdefault("DEBUG", "1")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(var_dir: str, patients: int) -> None:
    _setup(var_dir)
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    from spinepath.accounts.models import Clinic, User
    from spinepath.patients.models import Episode, Patient
    from spinepath.questionnaires.models import QuestionnaireResponse

    call_command("migrate", verbosity=0)
    clinic = Clinic.objects.create(name="Bench clinic", code="bench")
    clinician = User.objects.create(username="bench", role="clinician", clinic=clinic)
    at = timezone.now()
    batch = 5000
    for start in range(0, patients, batch):
        rows = [
            Patient(
                clinic=clinic,
                given_name=f"Given{n}",
                family_name=f"Family{n}",
                date_of_birth=dt.date(1950 + n % 50, 1 + n % 12, 1 + n % 28),
                sex=("female", "male")[n % 2],
                mrn=f"B{n:07d}",
                created_at=at,
            )
            for n in range(start, min(start + batch, patients))
        ]
        Patient.objects.bulk_create(rows)
        episodes = [
            Episode(
                patient=p,
                condition=("sciatica", "spinal_stenosis", "facet_joint_arthritis")[i % 3],
                laterality="left",
                referral_source="gp",
                referral_date=dt.date(2026, 1, 1) + dt.timedelta(days=i % 300),
                referral_reason="Leg pain despite physiotherapy.",
                created_at=at,
                stage_changed_at=at,
            )
            for i, p in enumerate(rows)
        ]
        Episode.objects.bulk_create(episodes)
        QuestionnaireResponse.objects.bulk_create(
            QuestionnaireResponse(
                patient_id=e.patient_id,
                episode=e,
                instrument=code,
                instrument_version="spinepath-1",
                answers={"score": value},
                score=value,
                source="staff",
                entered_by=clinician,
                completed_at=at,
                created_at=at,
            )
            for e in episodes
            for code, value in (("nrs_back", 3), ("nrs_leg", 7))
        )


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def measure(var_dir: str, method: str) -> dict[str, float]:
    _setup(var_dir)
    from spinepath.accounts.models import Clinic, User
    from spinepath.fhir import export
    from spinepath.fhir.models import ExportJob
    from spinepath.patients.models import Episode, Patient
    from spinepath.questionnaires.models import QuestionnaireResponse

    clinic = Clinic.objects.get(code="bench")
    # Warm the imports and the code paths before the baseline is read.
    list(export.clinic_resources(clinic.pk, ["Organization", "Questionnaire"]))
    before = _rss_kib()
    started = time.perf_counter()
    if method == "fhir":
        job = ExportJob.objects.create(
            clinic=clinic,
            requested_by=User.objects.get(username="bench"),
            types=list(export.EXPORTED),
        )
        result = export.export_run(str(job.pk))
        count = result["resources"]
    else:
        count = 0
        out_dir = Path(var_dir) / "json"
        out_dir.mkdir(exist_ok=True)
        for model, rows in (
            (Patient, Patient.objects.filter(clinic=clinic)),
            (Episode, Episode.objects.filter(patient__clinic=clinic)),
            (QuestionnaireResponse, QuestionnaireResponse.objects.filter(patient__clinic=clinic)),
        ):
            with open(out_dir / f"{model.__name__}.ndjson", "w", encoding="utf-8") as out:
                for row in rows.order_by("pk").values().iterator(export.CHUNK):
                    out.write(json.dumps(row, default=str, separators=(",", ":")))
                    out.write("\n")
                    count += 1
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"count": count, "seconds": seconds, "peak_above_kib": max(0, peak - before)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--_seed", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--_measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._seed:
        seed(args._seed[0], int(args._seed[1]))
        return
    if args._measure:
        print(json.dumps(measure(*args._measure)))
        return
    here = [sys.executable, __file__]
    print(
        f"{'patients':>9} {'method':>6} {'items':>9} {'seconds':>8} {'items/s':>9} {'peak MiB':>9}"
    )
    results: dict[tuple[int, str], dict[str, float]] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="fhir-bench-") as var_dir:
            t0 = time.perf_counter()
            subprocess.run([*here, "--_seed", var_dir, str(size)], check=True)
            print(f"  (seeded {size} patients in {time.perf_counter() - t0:.0f} s)")
            for method in ("json", "fhir"):
                output = subprocess.run(
                    [*here, "--_measure", var_dir, method],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                result = json.loads(output.strip().splitlines()[-1])
                results[(size, method)] = result
                rate = result["count"] / result["seconds"]
                print(
                    f"{size:>9} {method:>6} {result['count']:>9.0f} {result['seconds']:>8.1f} "
                    f"{rate:>9.0f} {result['peak_above_kib'] / 1024:>9.1f}"
                )
    print()
    for size in sorted({s for s, _ in results}):
        fhir, plain = results[(size, "fhir")], results[(size, "json")]
        fhir_rate = fhir["count"] / fhir["seconds"]
        ratio = fhir_rate / (plain["count"] / plain["seconds"])
        verdict = "meets" if fhir_rate >= GOAL_PER_SECOND else "BELOW"
        peak_mib = fhir["peak_above_kib"] / 1024
        print(
            f"{size} patients: FHIR {fhir_rate:.0f} resources/s = {ratio:.2f}x the json module's "
            f"rows/s; {verdict} the {GOAL_PER_SECOND}/s goal; peak {peak_mib:.1f} MiB"
        )


if __name__ == "__main__":
    main()
