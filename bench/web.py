"""Pages under load: each hot page's throughput as a ratio of the login page in the same run.

Run with ``make bench-web`` (or ``.venv/bin/python bench/web.py --patients 300`` while developing).
It seeds a demo of N patients on a throwaway database (SQLite under ``var/bench/``, or the
PostgreSQL database named by ``DATABASE_URL``, which it drops and recreates), runs ``ANALYZE``,
serves it with the production server (DEBUG off, collected static files), and drives each target
with ``wrk`` on loopback for a bounded time. Three alternating rounds; the medians are printed.

The login page is the floor: Django's own cost for a small rendered page with a session-less
request. Every other figure is a ratio of it, so the numbers mean the same on any machine.
Staff pages are fetched with a signed-in clinician's session cookie (made in-process with
``force_login``), the API with a bearer token (``ApiToken.objects.issue``), POSTs through a wrk Lua
script that sets the method, body and CSRF cookie.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Other benches import this module as ``web`` with bench/ on the path; the shared helpers are
# found from the repository's root either way.
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

# Seeding, serving and the environment are shared with bench/load.py (bench/serving.py); the
# names stay here too, for the benches that use them through this module.
from bench import serving  # noqa: E402
from bench.serving import (  # noqa: E402
    BENCH_VAR,
    PYTHON,
    NoRedirect,
    analyze,
    bring_along,
    fresh_database,
    manage,
    seed,
    serve,
    stop,
)

__all__ = [
    "BENCH_VAR",
    "PYTHON",
    "NoRedirect",
    "analyze",
    "environment",
    "fresh_database",
    "manage",
    "seed",
    "stop",
]

# Targets from issue 10, as ratios of the login page in the same run.
TARGETS = {"patient page": 0.5, "worklists": 0.5, "API patient read": 0.7, "evaluate": 0.8}


@dataclass
class Target:
    name: str
    path: str
    method: str = "GET"
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    # A create needs a new MRN each time: "{mrn}" in the body is replaced per request.
    unique: bool = False


@dataclass
class Result:
    requests_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    requests: int


# Each wrk thread has its own Lua state: number its requests and tell the threads apart (a
# table's address), and the runs too ("{run}", new each drive: a reused database keeps the last
# run's patients, and a repeated address made their MRNs clash, answered 422).
UNIQUE = """
local template = wrk.body
local counter = 0
local tag = tostring({}):sub(-6)
request = function()
  counter = counter + 1
  local body = template:gsub("{mrn}", "B{run}" .. tag .. counter)
  return wrk.format(nil, nil, nil, body)
end
"""

# wrk's Lua hooks: set the request once, and print one JSON line of figures at the end.
LUA = """
wrk.method = {method}
wrk.body = {body}
{headers}
{unique}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{{"requests": %d, "duration_us": %d, "p50": %d, "p95": %d, "p99": %d, "errors": %d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal for our bodies


def environment(database_url: str) -> dict[str, str]:
    """The shared production environment, with the audited floor's bench-only address added
    (``bench/web_settings.py``): the product's URLs themselves are unchanged."""
    env = serving.environment(database_url)
    env["DJANGO_SETTINGS_MODULE"] = "bench.web_settings"
    return env


def prepare_targets() -> tuple[list[Target], int]:
    """Sign a clinician in, issue a token and pick the records the pages show (in-process)."""
    import django

    django.setup()
    from django.conf import settings
    from django.db.models import Count
    from django.test import Client

    from spinepath.accounts.models import ApiToken, User
    from spinepath.clinical.examples import evaluate_example
    from spinepath.patients.models import Episode, Patient

    analyze()
    patients = Patient.objects.count()
    user = User.objects.get(username="clinician-a")
    client = Client()
    client.force_login(user)
    # With DEBUG off every staff session needs its second step (accounts/mfa.py): the bench's
    # session is marked verified by an authenticator device, as a real sign-in would leave it.
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    verified = client.session
    verified[DEVICE_ID_SESSION_KEY] = device.persistent_id
    verified.save()
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    csrf = secrets.token_hex(16)  # 32 characters: Django accepts an unmasked secret as the token
    _, token = ApiToken.objects.issue(user, name="bench")
    # The clinic's patient with the longest record: the page clinicians open and the worst case.
    patient = (
        Patient.objects.filter(clinic=user.clinic)
        .annotate(n=Count("episodes__timeline"))
        .order_by("-n", "pk")
        .first()
    )
    assert patient is not None, "the demo has no patients"
    episode = (
        Episode.objects.filter(patient=patient)
        .annotate(n=Count("timeline"))
        .order_by("-n", "pk")
        .first()
    )
    assert episode is not None
    staff = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; csrftoken={csrf}"}
    form = {**staff, "Content-Type": "application/x-www-form-urlencoded"}
    bearer = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    new_patient = {
        "given_name": "Bench",
        "family_name": "Created",
        "date_of_birth": "1970-01-01",
        "sex": "female",
        "mrn": "{mrn}",
    }
    targets = [
        Target("login page", "/login/"),
        # The least any patient page can cost with the security it must keep: the same stack
        # and audited read of the patient, a few bytes of HTML (bench/reference_views.py).
        Target("audited floor", f"/bench/audited-floor/{patient.pk}/", headers=staff),
        Target("patient page", f"/patients/{patient.pk}/", headers=staff),
        Target("episode page", f"/episodes/{episode.pk}/", headers=staff),
        Target("worklists", "/", headers=staff),
        Target(
            "search",
            "/patients/search/",
            "POST",
            f"csrfmiddlewaretoken={csrf}&q={patient.family_name[:4]}",
            form,
        ),
        Target("API patient read", f"/api/v1/patients/{patient.pk}", headers=bearer),
        Target(
            "evaluate",
            "/api/v1/decision-support/evaluate",
            "POST",
            json.dumps(evaluate_example()),
            bearer,
        ),
        Target(
            "API patient create",
            "/api/v1/patients",
            "POST",
            json.dumps(new_patient),
            bearer,
            unique=True,
        ),
    ]
    return targets, patients


def drive(target: Target, port: int, seconds: int, connections: int, scripts: Path) -> Result:
    headers = "\n".join(
        f"wrk.headers[{lua_string(k)}] = {lua_string(v)}" for k, v in target.headers.items()
    )
    script = scripts / f"{target.name.replace(' ', '_')}.lua"
    script.write_text(
        LUA.format(
            method=lua_string(target.method),
            body=lua_string(target.body),
            headers=headers,
            unique=UNIQUE.replace("{run}", secrets.token_hex(3)) if target.unique else "",
        )
    )
    output = subprocess.run(
        [
            "wrk",
            f"--threads={min(2, connections)}",
            f"--connections={connections}",
            f"--duration={seconds}s",
            "--timeout=10s",
            f"--script={script}",
            f"http://127.0.0.1:{port}{target.path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    return Result(
        requests_per_s=figures["requests"] / (figures["duration_us"] / 1e6),
        p50_ms=figures["p50"] / 1000,
        p95_ms=figures["p95"] / 1000,
        p99_ms=figures["p99"] / 1000,
        errors=figures["errors"],
        requests=figures["requests"],
    )


def check_status(target: Target, port: int) -> None:
    """One request first: a page that redirects to the login or errors would bench nothing."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{target.path}",
        # A new MRN each run: a reused database already has the last run's first patient.
        data=target.body.replace("{mrn}", f"first-{secrets.token_hex(4)}").encode()
        if target.method == "POST"
        else None,
        headers=target.headers,
        method=target.method,
    )
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            status, text = response.status, ""
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read().decode(errors="replace")[:500]
    if status not in (200, 201):
        raise RuntimeError(f"{target.name}: HTTP {status} for {target.path} {text}")


def median_result(results: list[Result]) -> Result:
    return Result(
        requests_per_s=statistics.median(r.requests_per_s for r in results),
        p50_ms=statistics.median(r.p50_ms for r in results),
        p95_ms=statistics.median(r.p95_ms for r in results),
        p99_ms=statistics.median(r.p99_ms for r in results),
        errors=sum(r.errors for r in results),
        requests=sum(r.requests for r in results),
    )


def report(
    medians: dict[str, Result], args: argparse.Namespace, seeded_s: float | None, patients: int
) -> str:
    floor = medians["login page"].requests_per_s
    lines = [
        f"{args.server}, {args.workers} workers, wrk {args.connections} connections, "
        f"{args.seconds} s x {args.rounds} rounds (medians), {patients} patients, "
        f"{'SQLite' if args.database_url.startswith('sqlite') else 'PostgreSQL'}",
        f"{platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
    ]
    if seeded_s is not None:
        lines.append(f"seeded in {seeded_s:.0f} s")
    lines.append(
        f"{'':22} {'req/s':>8} {'ratio':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
    )
    for name, r in medians.items():
        ratio = r.requests_per_s / floor if floor else 0.0
        goal = f"  (target >= {TARGETS[name]})" if name in TARGETS else ""
        lines.append(
            f"{name:22} {r.requests_per_s:8.1f} {ratio:6.2f} {r.p50_ms:8.1f} {r.p95_ms:8.1f} "
            f"{r.p99_ms:8.1f} {r.errors:7d}{goal}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", f"sqlite:///{BENCH_VAR / 'bench.sqlite3'}"),
    )
    parser.add_argument("--server", choices=["gunicorn", "granian"], default="gunicorn")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--reuse", action="store_true", help="Keep the seeded database as it is.")
    parser.add_argument("--only", default="", help="Comma-separated target names (login always).")
    parser.add_argument("--today", default="", help="The demo's today (YYYY-MM-DD).")
    parser.add_argument("--seed-only", action="store_true", help="Seed, then stop.")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: `make bench-web` installs it (apt-get install wrk).")

    env = environment(args.database_url)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    if args.reuse:  # the code may have moved on since the seeding: bring the schema along
        seeded_s = None
        bring_along(env)
    else:
        seeded_s = seed(env, args.database_url, args.patients, args.today)
        print(f"seeded {args.patients} patients in {seeded_s:.0f} s", flush=True)
    if args.seed_only:
        return
    targets, patients = prepare_targets()
    if args.only:
        wanted = {"login page", *(n.strip() for n in args.only.split(","))}
        targets = [t for t in targets if t.name in wanted]

    from django.db import connections

    connections.close_all()
    server = serve(env, args.port, args.workers, server=args.server)
    results: dict[str, list[Result]] = {t.name: [] for t in targets}
    try:
        for target in targets:
            check_status(target, args.port)
        with tempfile.TemporaryDirectory() as scripts:
            for round_ in range(args.rounds):
                order = targets if round_ % 2 == 0 else targets[::-1]
                for target in order:
                    results[target.name].append(
                        drive(target, args.port, args.seconds, args.connections, Path(scripts))
                    )
    finally:
        stop(server)
    medians = {name: median_result(rs) for name, rs in results.items()}
    print(report(medians, args, seeded_s, patients))


if __name__ == "__main__":
    main()
