"""FHIR Bulk Data export: resources per second and peak memory as the registry grows.

    .venv/bin/python bench/fhir.py [--patients 10000,100000] [--seed 1] [--reuse] [--trace]
                                   [--parallel]

For each size it builds a registry of that many patients in one clinic with the project's own
``generate_registry --procedures N --seed S --clinics 1`` (a patient has one or two procedures:
about 1.11 procedures per patient, so N is sized from the patients wanted and the real count is
printed) in its own SQLite file under ``var/bench/`` (kept with ``--reuse``, so a second run
measures without generating again). Then, in a fresh child process per measurement, so that its
peak resident memory (``ru_maxrss``) is that measurement's alone:

* ``json`` (the reference): every row the export reads (patients, episodes, consents,
  procedures, questionnaire responses, time points, follow-up answers, programmes and their
  items, staff, the clinic), read with ``values().iterator()`` and written with the standard
  ``json`` module, one line per row, to a file per table: the floor for "read the rows, write
  JSON lines" on this machine, in the same run;
* ``fhir``: the real export (``export.export_run`` on an ``ExportJob``, as the worker runs it:
  chunked queries, the mappers, one NDJSON line per resource) of every resource type.

``--trace`` adds a third child per size that runs the FHIR export under ``tracemalloc`` (slower,
so not timed) for the peak of Python-allocated memory, which RSS blurs with the allocator's
arenas. Printed: items, wall and CPU seconds (the child's ``process_time``, the figure that load
from other work does not inflate), items per CPU second, peak memory above the process's size
before the export, the FHIR/json ratio, and the load average. Goal (issue 14): at least 2,214
resources/s (HAPI's published bulk-import figure on 8 vCPU) here, memory flat as size grows.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_PER_SECOND = 2214
PROCEDURES_PER_PATIENT = 1.109
"""``generate_registry`` gave 9,878 patients for 10,950 procedures (seed 1); the rest repeat."""


def _paths(patients: int) -> tuple[Path, Path]:
    folder = ROOT / "var" / "bench"
    return folder / f"fhir-{patients}.sqlite3", folder / f"fhir-{patients}-out"


def _setup(patients: int) -> None:
    database, out = _paths(patients)
    out.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["SPINEPATH_FHIR_EXPORT_DIR"] = str(out / "fhir")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spinepath.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-fhir-not-secret")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(patients: int, seed_value: int) -> dict[str, float]:
    database, _ = _paths(patients)
    database.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    _setup(patients)
    from django.core.management import call_command

    from spinepath.patients.models import Patient

    call_command("migrate", verbosity=0)
    procedures = math.ceil(patients * PROCEDURES_PER_PATIENT)
    call_command("generate_registry", procedures=procedures, seed=seed_value, clinics=1)
    return {"procedures": procedures, "patients": Patient.objects.count()}


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _reference(out: Path) -> int:
    """The rows the export reads, straight to JSON lines with the standard library."""
    from spinepath.accounts.models import Clinic, User
    from spinepath.aftercare.models import Programme, ProgrammeItem
    from spinepath.fhir import export
    from spinepath.followup.models import FollowUpAnswer, TimePoint
    from spinepath.patients.models import Episode, Patient
    from spinepath.procedures.models import Consent, ProcedureRecord
    from spinepath.questionnaires.models import QuestionnaireResponse

    clinic = Clinic.objects.get()
    below = {"episode__patient__clinic": clinic}
    tables = [
        Patient.objects.filter(clinic=clinic),
        Episode.objects.filter(patient__clinic=clinic),
        Consent.objects.filter(**below),
        ProcedureRecord.objects.filter(**below),
        QuestionnaireResponse.objects.filter(patient__clinic=clinic),
        TimePoint.objects.filter(**below),
        FollowUpAnswer.objects.filter(time_point__episode__patient__clinic=clinic),
        Programme.objects.filter(**below),
        ProgrammeItem.objects.filter(programme__episode__patient__clinic=clinic),
        User.objects.filter(clinic=clinic),
        Clinic.objects.filter(pk=clinic.pk),
    ]
    count = 0
    out.mkdir(parents=True, exist_ok=True)
    for rows in tables:
        with open(out / f"{rows.model.__name__}.ndjson", "w", encoding="utf-8") as file:
            for row in rows.order_by("pk").values().iterator(export.CHUNK):
                file.write(json.dumps(row, default=str, ensure_ascii=False, separators=(",", ":")))
                file.write("\n")
                count += 1
    return count


def measure(patients: int, method: str) -> dict[str, float]:
    _setup(patients)
    from spinepath.accounts.models import Clinic, User
    from spinepath.fhir import export
    from spinepath.fhir.models import ExportJob

    clinic = Clinic.objects.get()
    admin = User.objects.filter(clinic=clinic, role="admin").first()
    # Warm the imports and the code paths before the baseline is read.
    list(export.clinic_resources(clinic.pk, ["Organization", "Questionnaire"]))
    before = _rss_kib()
    if method == "trace":
        import tracemalloc

        tracemalloc.start()
    cpu, started = time.process_time(), time.perf_counter()
    if method == "json":
        count = _reference(_paths(patients)[1] / "json")
    else:
        job = ExportJob.objects.create(
            clinic=clinic, requested_by=admin, types=list(export.EXPORTED)
        )
        count = export.export_run(str(job.pk))["resources"]
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    traced = tracemalloc.get_traced_memory()[1] / 1024 if method == "trace" else 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "count": count,
        "seconds": seconds,
        "cpu": cpu,
        "peak_above_kib": max(0, peak - before),
        "traced_kib": traced,
    }


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True)


def _result(child: subprocess.Popen[str]) -> dict[str, float]:
    output, _ = child.communicate()
    if child.returncode:
        raise SystemExit(f"{child.args} failed ({child.returncode})")
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def _child(*args: str) -> dict[str, float]:
    return _result(_start(*args))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", default="10000,100000", help="Sizes, comma-separated.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="Keep an existing registry file.")
    parser.add_argument("--trace", action="store_true", help="Also a tracemalloc run per size.")
    parser.add_argument(
        "--parallel",
        action="store_true",
        help="Run a size's measurements side by side (each child's CPU time and peak are its own).",
    )
    parser.add_argument("--_seed", nargs=2, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--_measure", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--_migrate", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._seed:
        print(json.dumps(seed(*args._seed)))
        return
    if args._measure:
        print(json.dumps(measure(int(args._measure[0]), args._measure[1])))
        return
    if args._migrate:
        _setup(args._migrate)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # a kept registry made before a migration
        print("{}")
        return

    print(
        f"{platform.node()} · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} CPUs · Python {platform.python_version()} · SQLite"
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    header = (
        f"{'patients':>9} {'method':>6} {'items':>10} {'wall s':>8} {'CPU s':>8} "
        f"{'items/CPU s':>11} {'items/wall s':>12} {'peak MiB':>9} {'traced MiB':>10}"
    )
    results: dict[tuple[int, str], dict[str, float]] = {}
    sizes = [int(s) for s in args.patients.split(",")]
    for size in sizes:
        if not (args.reuse and _paths(size)[0].exists()):
            t0 = time.perf_counter()
            made = _child("--_seed", str(size), str(args.seed))
            print(
                f"  registry: {made['procedures']:,.0f} procedures, {made['patients']:,.0f} "
                f"patients in {time.perf_counter() - t0:.0f} s"
            )
        else:
            _child("--_migrate", str(size))
        methods = ["json", "fhir"] + (["trace"] if args.trace else [])
        if args.parallel:
            running = {m: _start("--_measure", str(size), m) for m in methods}
            results.update({(size, m): _result(child) for m, child in running.items()})
        else:
            for method in methods:
                results[(size, method)] = _child("--_measure", str(size), method)
    print(header)
    for (size, method), r in results.items():
        traced = f"{r['traced_kib'] / 1024:>10.1f}" if method == "trace" else f"{'':>10}"
        timing = (
            f"{'':>8} {'':>8} {'':>11} {'':>12}"
            if method == "trace"
            else f"{r['seconds']:>8.1f} {r['cpu']:>8.1f} {r['count'] / r['cpu']:>11,.0f} "
            f"{r['count'] / r['seconds']:>12,.0f}"
        )
        print(
            f"{size:>9,} {method:>6} {r['count']:>10,.0f} {timing} "
            f"{r['peak_above_kib'] / 1024:>9.1f} {traced}"
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    for size in sizes:
        fhir, plain = results[(size, "fhir")], results[(size, "json")]
        per_cpu = fhir["count"] / fhir["cpu"]
        ratio = per_cpu / (plain["count"] / plain["cpu"])
        verdict = "meets" if per_cpu >= GOAL_PER_SECOND else "BELOW"
        print(
            f"{size:,} patients: FHIR {per_cpu:,.0f} resources per CPU second "
            f"({fhir['count'] / fhir['seconds']:,.0f} per wall second) = {ratio:.2f}x the json "
            f"module's rows per CPU second; {verdict} the {GOAL_PER_SECOND:,}/s goal; "
            f"peak {fhir['peak_above_kib'] / 1024:.1f} MiB above the process's start"
        )


if __name__ == "__main__":
    main()
