"""Load figures for issue 17: B1 patient page, B2 patient questionnaire submissions, a mixed soak.

Run with ``make bench-load`` (or ``.venv/bin/python bench/load.py --soak-minutes 5``). Loopback
only, bounded in time: every wrk run has a duration, the soak ``--soak-minutes``.

It seeds a demo (``bench/web.py``'s seeding: SQLite under ``var/bench/``, or the PostgreSQL
database ``--database-url`` names, dropped and recreated), serves it with the production server
as ``make serve-prod`` does (gunicorn, DEBUG off, collected static files, ``spinepath.settings``
unchanged) and, beside it, a reference server on the next port running the same code and
database with ``bench/load_settings.py``: only the reference views (``bench/reference_views.py``)
and no middleware. Each figure is printed with the reference's, measured in the same run, in
alternating rounds (medians), and the load average.

- **B1**: a clinician's patient page (the clinic's patient with the longest record), its read
  audited; reference: the same reads and the audit row, no template or middleware.
- **B2**: patients submitting their questionnaire through their link (``POST /f/check`` in a
  date-of-birth-verified link session, the answer saved screen by screen beforehand, as the
  pages do), one link per submission, 10 % of the POSTs duplicates of an earlier one: half
  sent at once beside the first (concurrently), half a little later. Afterwards the database
  is checked: one completion, one timeline event and one completion audit row per time point.
- **Soak**: 70 users at once across every role (clinicians, physiotherapists, admins, analysts)
  and patients answering through their links, for ``--soak-minutes``; the gunicorn workers'
  resident memory is sampled after a warm-up and at the end.

The links are made in the seed step through the workflow functions the pages call
(``links.issue``, ``links.find_usable``, ``links.check_date_of_birth``, ``patient_session``,
``answering.save_screen``) on pain-diary time points of the demo's treated episodes (a diary
point may repeat hourly, so one procedure can carry many).

Targets on the 2-core machine: B1 >= 600 req/s with p95 <= 50 ms; B2 >= 300 submissions/s, 0
duplicates stored, 0 errors; soak 0 errors and worker memory growth < 10 %.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ heads the path, and its fhir.py would hide the fhir.resources package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench import web  # noqa: E402  (the web bench's seeding, server and wrk helpers)

PATIENT_DOB_ANSWER = 3  # the pain score every bench patient gives
DUPLICATE_EVERY = 10  # one POST in ten is a duplicate
SOAK_MIX = {"clinician": 20, "physiotherapist": 10, "admin": 5, "analyst": 5, "patient": 30}


# --- In-process set-up (Django in this process, the bench's database) --------------------------


def setup_django() -> None:
    import django

    django.setup()


def staff_cookie(username: str, csrf: str) -> str:
    """A signed-in, second-step-verified session of ``username`` as a Cookie header value."""
    from django.conf import settings
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from spinepath.accounts.models import User

    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={key}; csrftoken={csrf}"


def longest_record(clinic_code: str) -> Any:
    from django.db.models import Count

    from spinepath.patients.models import Patient

    patient = (
        Patient.objects.filter(clinic__code=clinic_code)
        .annotate(n=Count("episodes__timeline"))
        .order_by("-n", "pk")
        .first()
    )
    assert patient is not None, "the demo has no patients"
    return patient


def _procedures(at: datetime) -> list[Any]:
    """Treated, open episodes' procedures performed before ``at`` (a follow-up is refused for a
    procedure that has not happened yet), each clinic's."""
    from spinepath.patients.models import Episode
    from spinepath.procedures.models import ProcedureRecord

    procedures = list(
        ProcedureRecord.objects.filter(performed_at__lt=at - timedelta(hours=2))
        .exclude(episode__stage=Episode.Stage.DISCHARGED)
        .select_related("episode__patient")
        .order_by("pk")
    )
    assert procedures, "the demo has no treated open episode"
    return procedures


def make_links(count: int, *, at: datetime | None = None) -> list[str]:
    """``count`` patient link sessions, each for a time point of its own, the date of birth
    checked and the answer saved, ready to submit: the ``Cookie`` header value of each.

    Made through the workflow functions the pages call, so each one is what a patient holds
    after opening their link, typing their date of birth and answering the one question."""
    from django.db import transaction
    from django.utils import timezone

    from spinepath.followup.models import Label, TimePoint

    at = at or timezone.now()
    procedures = _procedures(at)
    # Diary points an hour old (their links work for a day), spread over every procedure so
    # the patients' locks are not one queue; distinct minutes per procedure.
    points = []
    for n in range(count):
        record = procedures[n % len(procedures)]
        slot = n // len(procedures)
        points.append(
            TimePoint(
                episode=record.episode,
                procedure=record,
                label=Label.DIARY,
                due_on=timezone.localdate(at),
                due_at=at - timedelta(hours=1) + timedelta(seconds=slot + 1, microseconds=n),
                instruments=["nrs_leg"],
                created_at=at,
            )
        )
    with transaction.atomic():
        TimePoint.objects.bulk_create(points)
    made = list(
        TimePoint.objects.filter(pk__in=[p.pk for p in points]).select_related(
            "episode__patient__clinic"
        )
    )
    cookies = []
    for start in range(0, len(made), 200):  # a commit per 200 links, not one per write
        with transaction.atomic():
            cookies += [_ready(point, at) for point in made[start : start + 200]]
    return cookies


def _ready(point: Any, at: datetime) -> str:
    """A link to ``point`` opened, its date of birth given and its question answered."""
    from django.http import HttpResponse

    from spinepath.accounts import audit
    from spinepath.accounts.models import AuditEvent
    from spinepath.followup import answering, links, patient_session

    _, url = links.issue(point, at=at)
    link = links.find_usable(url.rsplit("/", 1)[1], at=at)
    assert link is not None
    response = HttpResponse()
    session = patient_session.start(response, link)
    check = links.check_date_of_birth(link, point.episode.patient.date_of_birth, at=at)
    assert check.matched
    session.mark_verified(at)
    audit.record(
        None,
        AuditEvent.Action.READ,
        point,
        reason="Opened a follow-up link and confirmed the date of birth",
        channel=AuditEvent.Channel.PATIENT,
        at=at,
    )
    answering.save_screen(link, "nrs_leg", {"score": PATIENT_DOB_ANSWER}, at=at)
    patient_session.write_cookie(response, session)
    return f"{patient_session.COOKIE}={response.cookies[patient_session.COOKIE].value}"


def duplicates_stored(since: datetime | None = None) -> dict[str, int]:
    """What a duplicate submission would have left behind: time points completed more than
    once (more than one follow-up timeline event, or more than one completion audit row) and
    answers stored twice for one item. All zero after a clean run."""
    from collections import Counter

    from django.db.models import Count

    from spinepath.accounts.models import AuditEvent
    from spinepath.followup.models import FollowUpAnswer, TimePoint
    from spinepath.patients.models import TimelineEvent

    events = TimelineEvent.objects.filter(kind=TimelineEvent.Kind.FOLLOW_UP)
    audits = AuditEvent.objects.filter(model=TimePoint._meta.label, action=AuditEvent.Action.UPDATE)
    if since is not None:
        events, audits = events.filter(at__gte=since), audits.filter(at__gte=since)
    per_point = events.values("detail__time_point").annotate(n=Count("id")).filter(n__gt=1)
    # A completion's audit row names "completed_at" among its fields (a JSON list: counted
    # here, as SQLite cannot look inside it).
    completions = Counter(
        object_id
        for object_id, fields in audits.values_list("object_id", "changed_fields")
        if "completed_at" in fields
    )
    answers = (
        FollowUpAnswer.objects.values("time_point", "instrument", "item")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    return {
        "timeline": per_point.count(),
        "audit": sum(1 for n in completions.values() if n > 1),
        "answers": answers.count(),
    }


def completed_since(since: datetime) -> int:
    from spinepath.followup.models import TimePoint

    return TimePoint.objects.filter(completed_at__gte=since).count()


# --- wrk scripts -------------------------------------------------------------------------------

# B2 and the soak read their requests from a file: one line per request, tab-separated
# (user, method, path, cookie, body). Each wrk thread takes the users whose number modulo the
# thread count is its own, and sends each user's requests in turn, round robin over its users.
# A user's list ends in a loop: when it has sent its last request it starts again at the line
# marked "loop" (the staff pages go round; a patient re-reads their thank-you page).
PROGRAM_LUA = r"""
local threads = {}
local counter = 1
setup = function(thread)
  thread:set("id", counter)
  thread:set("nthreads", NTHREADS)
  counter = counter + 1
  table.insert(threads, thread)
end

local users, order, turn = {}, {}, 0
statuses = {}
init = function(args)
  local me = id - 1
  for line in io.lines(PROGRAM) do
    local user, loop, method, path, cookie, body = line:match(
      "^(%d+)\t(%a*)\t(%u+)\t([^\t]*)\t([^\t]*)\t(.*)$")
    user = tonumber(user)
    if user % nthreads == me then
      local u = users[user]
      if u == nil then
        u = {requests = {}, next = 1, loop = 1}
        users[user] = u
        table.insert(order, user)
      end
      local headers = {Cookie = cookie}
      if body ~= "" then headers["Content-Type"] = "application/x-www-form-urlencoded" end
      table.insert(u.requests, wrk.format(method, path, headers, body ~= "" and body or nil))
      if loop == "loop" then u.loop = #u.requests end
    end
  end
  sent = 0
end

request = function()
  turn = turn % #order + 1
  local u = users[order[turn]]
  local r = u.requests[u.next]
  u.next = u.next + 1
  if u.next > #u.requests then u.next = u.loop end
  sent = sent + 1
  return r
end

response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  local e = summary.errors
  local counts = {}
  for _, t in ipairs(threads) do
    for s, n in pairs(t:get("statuses")) do
      counts[s] = (counts[s] or 0) + n
    end
  end
  local parts = {}
  for s, n in pairs(counts) do table.insert(parts, '"' .. s .. '": ' .. n) end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50": %d, "p95": %d, "p99": %d, "errors": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "timeout": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout,
    e.connect, e.read, e.write, e.timeout, table.concat(parts, ", ")))
end
"""


@dataclass
class Step:
    user: int
    method: str
    path: str
    cookie: str
    body: str = ""
    loop: bool = False
    who: str = ""  # the account ("clinician-a") or "patient": not sent

    def line(self) -> str:
        fields = [str(self.user), "loop" if self.loop else "", self.method, self.path]
        fields += [self.cookie, self.body]
        assert all("\t" not in f and "\n" not in f for f in fields)
        return "\t".join(fields)


@dataclass
class Run:
    requests_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    requests: int
    seconds: float
    statuses: dict[str, int] = field(default_factory=dict)
    submissions: int = 0
    socket: dict[str, int] = field(default_factory=dict)

    submit_rate: float = 0.0  # completions in the database per second of the run
    cpu_ms: float = 0.0  # the server's workers' CPU time per request (per submission in B2)


def run_program(
    steps: list[Step],
    port: int,
    seconds: float,
    connections: int,
    scripts: Path,
    name: str,
    timeout: int = 10,
) -> Run:
    threads = min(2, connections)
    program = scripts / f"{name}.tsv"
    program.write_text("\n".join(step.line() for step in steps) + "\n")
    script = scripts / f"{name}.lua"
    script.write_text(
        PROGRAM_LUA.replace("NTHREADS", str(threads)).replace("PROGRAM", json.dumps(str(program)))
    )
    output = subprocess.run(
        [
            "wrk",
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={int(seconds)}s",
            f"--timeout={timeout}s",
            f"--script={script}",
            f"http://127.0.0.1:{port}/",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    duration = figures["duration_us"] / 1e6
    return Run(
        requests_per_s=figures["requests"] / duration,
        p50_ms=figures["p50"] / 1000,
        p95_ms=figures["p95"] / 1000,
        p99_ms=figures["p99"] / 1000,
        errors=figures["errors"],
        requests=figures["requests"],
        seconds=duration,
        statuses=figures["statuses"],
        socket={k: figures[k] for k in ("connect", "read", "write", "timeout") if figures[k]},
    )


def from_web(result: web.Result, seconds: float) -> Run:
    return Run(
        requests_per_s=result.requests_per_s,
        p50_ms=result.p50_ms,
        p95_ms=result.p95_ms,
        p99_ms=result.p99_ms,
        errors=result.errors,
        requests=result.requests,
        seconds=seconds,
    )


def submissions(cookies: list[str], path: str, csrf: str, threads: int) -> list[Step]:
    """One POST per link; after every nine, a duplicate of one already in the list: alternately
    the link just sent (the two go out at once on two connections) and one sent a while before
    (its first POST answered by then). Each wrk thread walks its own share in order; a thread
    that has sent everything keeps re-sending its last POST (more duplicates)."""
    body = f"csrfmiddlewaretoken={csrf}"
    steps: list[Step] = []
    for thread in range(threads):
        sent: list[str] = []
        for cookie in cookies[thread::threads]:
            sent.append(f"{cookie}; csrftoken={csrf}")
            steps.append(Step(thread, "POST", path, sent[-1], body))
            if len(sent) % (DUPLICATE_EVERY - 1) == 0:
                earlier = sent[-1] if len(sent) // (DUPLICATE_EVERY - 1) % 2 else sent[-40:][0]
                steps.append(Step(thread, "POST", path, earlier, body))
        if sent:
            steps[-1].loop = True
    return steps


# --- Servers and memory --------------------------------------------------------------------------


def serve(env: dict[str, str], port: int, workers: int, settings_module: str) -> Any:
    """gunicorn as ``make serve-prod`` runs it, once it answers (any HTTP status will do: the
    reference server has no login page)."""
    command = [
        str(Path(web.PYTHON).parent / "gunicorn"),
        "spinepath.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--error-logfile=-",
    ]
    env = {**env, "DJANGO_SETTINGS_MODULE": settings_module}
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 120  # a loaded machine boots slowly
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench-ready", timeout=2)
            return process
        except urllib.error.HTTPError:
            return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.3)
    web.stop(process)
    raise RuntimeError(f"gunicorn ({settings_module}) did not answer on port {port}")


def worker_pids(master: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == master:
            pids.append(int(entry.name))
    return sorted(pids)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def workers_rss(master: int) -> dict[int, int]:
    return {pid: rss_kib(pid) for pid in worker_pids(master)}


def cpu_seconds(master: int) -> float:
    """User + system CPU time of ``master``'s workers so far (a worker's own, from /proc)."""
    total = 0
    for pid in worker_pids(master):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def check(port: int, step: Step, allowed: tuple[int, ...] = (200,)) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{step.path}",
        data=step.body.encode() if step.method == "POST" else None,
        headers={"Cookie": step.cookie}
        | ({"Content-Type": "application/x-www-form-urlencoded"} if step.body else {}),
        method=step.method,
    )
    opener = urllib.request.build_opener(web.NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            status, text = response.status, ""
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read().decode(errors="replace")[:300]
    if status not in allowed:
        raise RuntimeError(f"{step.method} {step.path}: HTTP {status} {text}")


# --- The benches ----------------------------------------------------------------------------------


def median_run(runs: list[Run]) -> Run:
    return Run(
        requests_per_s=statistics.median(r.requests_per_s for r in runs),
        p50_ms=statistics.median(r.p50_ms for r in runs),
        p95_ms=statistics.median(r.p95_ms for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
        errors=sum(r.errors for r in runs),
        requests=sum(r.requests for r in runs),
        seconds=sum(r.seconds for r in runs),
        statuses={s: sum(r.statuses.get(s, 0) for r in runs) for r in runs for s in r.statuses},
        submissions=sum(r.submissions for r in runs),
        submit_rate=statistics.median(r.submit_rate for r in runs),
        cpu_ms=statistics.median(r.cpu_ms for r in runs),
        socket={k: sum(r.socket.get(k, 0) for r in runs) for r in runs for k in r.socket},
    )


def row(name: str, r: Run, ref: Run | None, submissions: bool = False) -> str:
    rate = r.submit_rate if submissions else r.requests_per_s
    ref_rate = (ref.submit_rate if submissions else ref.requests_per_s) if ref else 0
    ratio = f"{rate / ref_rate:6.2f}" if ref_rate else "     -"
    statuses = " ".join(f"{s}:{n}" for s, n in sorted(r.statuses.items()))
    statuses += "".join(f" {kind} errors:{n}" for kind, n in r.socket.items())
    return (
        f"{name:28} {rate:8.1f} {ratio} {r.p50_ms:8.1f} {r.p95_ms:8.1f} {r.p99_ms:8.1f} "
        f"{r.errors:7d} {r.cpu_ms:7.1f}  {statuses}"
    )


HEADER = (
    f"{'':28} {'per s':>8} {'ratio':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
    f" {'cpu ms':>7}"
)


def capacity(p: Run, r: Run, what: str) -> str:
    """What the CPU cost per request allows on the machine's cores if nothing else ran: the
    figure a loaded machine cannot show directly (the database server's CPU not counted)."""
    cores = os.cpu_count() or 1
    if not p.cpu_ms or not r.cpu_ms:
        return ""
    return (
        f"workers' CPU per {what.split()[0][:-1]}: {p.cpu_ms:.1f} ms (reference {r.cpu_ms:.1f} ms, "
        f"ratio {r.cpu_ms / p.cpu_ms:.2f}); {cores} idle cores would allow at most "
        f"{cores * 1000 / p.cpu_ms:.0f} {what}/s (reference {cores * 1000 / r.cpu_ms:.0f})"
    )


def bench_b1(args: argparse.Namespace, cookie: str, patient: Any, scripts: Path) -> list[str]:
    product = web.Target("B1 patient page", f"/patients/{patient.pk}/", headers={"Cookie": cookie})
    reference = web.Target(
        "B1 reference", f"/ref/patients/{patient.pk}/", headers={"Cookie": cookie}
    )
    web.check_status(product, args.port)
    web.check_status(reference, args.port + 1)
    runs: dict[str, list[Run]] = {"product": [], "reference": []}
    loads = []
    for round_ in range(args.rounds):
        order = [("product", product, args.port), ("reference", reference, args.port + 1)]
        for which, target, port in order if round_ % 2 == 0 else order[::-1]:
            loads.append(load_average())
            cpu = cpu_seconds(args.masters[port])
            result = web.drive(target, port, args.seconds, args.connections, scripts)
            run = from_web(result, args.seconds)
            run.cpu_ms = (cpu_seconds(args.masters[port]) - cpu) * 1000 / max(run.requests, 1)
            runs[which].append(run)
    p, r = median_run(runs["product"]), median_run(runs["reference"])
    met = p.requests_per_s >= 600 and p.p95_ms <= 50 and p.errors == 0
    return [
        f"B1, wrk {args.connections} connections, {args.seconds} s x {args.rounds} rounds "
        f"(medians); load average {loads[0]} .. {loads[-1]}",
        HEADER,
        row("patient page (req/s)", p, r),
        row("reference (req/s)", r, None),
        capacity(p, r, "requests"),
        f"target >= 600 req/s, p95 <= 50 ms: {'met' if met else 'NOT met'}",
    ]


def bench_b2(args: argparse.Namespace, cookies: list[str], scripts: Path) -> list[str]:
    from django.db import connections
    from django.utils import timezone

    csrf = secrets.token_hex(16)
    threads = min(2, args.b2_connections)
    started = timezone.now()
    runs: dict[str, list[Run]] = {"product": [], "reference": []}
    loads = []
    pool = list(cookies)
    first = submissions(pool[:1], "/f/check", csrf, 1)[0]
    check(args.port, first, (302,))  # the page answers a submission with its redirect
    check(args.port, first, (302,))  # and a duplicate with the same redirect
    pool = pool[1:]
    short = False
    share = len(pool) // (2 * args.rounds)
    for round_ in range(args.rounds):
        order = [("product", "/f/check", args.port), ("reference", "/ref/f/check", args.port + 1)]
        for which, path, port in order if round_ % 2 == 0 else order[::-1]:
            batch, pool = pool[:share], pool[share:]
            steps = submissions(batch, path, csrf, threads)
            connections.close_all()
            before = timezone.now()
            loads.append(load_average())
            cpu = cpu_seconds(args.masters[port])
            run = run_program(steps, port, args.seconds, args.b2_connections, scripts, "b2")
            run.submissions = completed_since(before)
            run.submit_rate = run.submissions / run.seconds
            used = cpu_seconds(args.masters[port]) - cpu
            run.cpu_ms = used * 1000 / max(run.submissions, 1)
            if run.submissions >= len(batch) - 2 * args.b2_connections:
                short = True
            runs[which].append(run)
    stored = duplicates_stored(since=started)
    p, r = median_run(runs["product"]), median_run(runs["reference"])
    server_errors = sum(n for s, n in p.statuses.items() if int(s) >= 500)
    met = p.submit_rate >= 300 and p.errors == 0 and server_errors == 0 and not any(stored.values())
    lines = [
        f"B2, wrk {args.b2_connections} connections, {args.seconds} s x {args.rounds} rounds "
        f"(medians), 1 POST in {DUPLICATE_EVERY} a duplicate; load average {loads[0]} .. "
        f"{loads[-1]}",
        HEADER,
        row("submissions (submits/s)", p, r, submissions=True),
        row("reference (submits/s)", r, None, submissions=True),
        capacity(p, r, "submissions (duplicates' CPU included)"),
        f"duplicates stored (time points completed twice: timeline, audit; answers twice): "
        f"{stored}",
        f"target >= 300 submissions/s, 0 duplicates, 0 errors: {'met' if met else 'NOT met'}",
    ]
    if short:
        lines.append("the links ran out in a round: raise --b2-links for a true rate")
    return lines


def soak_steps(args: argparse.Namespace, csrf: str, links: list[str]) -> list[Step]:
    """70 users (SOAK_MIX): each staff user goes round their role's pages; each patient works
    through their links (question page, answer, check page, submit, thank-you page)."""
    from django.urls import reverse

    from spinepath.aftercare.models import Programme
    from spinepath.patients.models import Episode

    steps: list[Step] = []
    user = 0
    pages: dict[str, dict[str, list[tuple[str, str, str]]]] = {}
    for clinic in ("a", "b"):
        patient = longest_record(clinic)
        episode = Episode.objects.filter(patient=patient).order_by("pk").first()
        programme = Programme.objects.filter(episode__patient__clinic__code=clinic).first()
        search = f"csrfmiddlewaretoken={csrf}&q={patient.family_name[:4]}"
        clinical = [
            ("GET", reverse("dashboard"), ""),
            ("GET", reverse("patient_detail", args=[patient.pk]), ""),
            ("GET", reverse("episode_detail", args=[episode.pk]), ""),
            ("POST", reverse("patient_search"), search),
            ("GET", reverse("followup_worklist"), ""),
            ("GET", reverse("waiting_list"), ""),
        ]
        physio = [
            ("GET", reverse("dashboard"), ""),
            ("GET", reverse("patient_detail", args=[patient.pk]), ""),
            ("GET", reverse("followup_worklist"), ""),
            ("GET", reverse("references"), ""),
        ]
        if programme is not None:
            physio.append(("GET", reverse("programme_detail", args=[programme.pk]), ""))
        pages[clinic] = {
            "clinician": clinical,
            "physiotherapist": physio,
            "admin": [
                ("GET", reverse("audit_log"), ""),
                ("GET", reverse("followup_messages"), ""),
                ("GET", reverse("sessions"), ""),
                ("GET", reverse("dashboard"), ""),
            ],
            # The outcomes dashboard is the heaviest page by far (seconds on a loaded machine):
            # one visit in five of an analyst's, as someone reading it, not reloading it.
            "analyst": [
                ("GET", reverse("dashboard"), ""),
                ("GET", reverse("prediction_models"), ""),
                ("GET", reverse("references"), ""),
                ("GET", reverse("dashboard"), ""),
                ("GET", reverse("outcomes"), ""),
            ],
        }
    per_patient = max(1, len(links) // SOAK_MIX["patient"])
    for role, count in SOAK_MIX.items():
        for n in range(count):
            clinic = "ab"[n % 2]
            if role == "patient":
                mine = links[n * per_patient : (n + 1) * per_patient]
                for i, link in enumerate(mine):
                    cookie = f"{link}; csrftoken={csrf}"
                    token = f"csrfmiddlewaretoken={csrf}"
                    steps += [
                        Step(user, "GET", "/f/questions/1", cookie, loop=i == len(mine) - 1),
                        Step(user, "POST", "/f/questions/1", cookie, f"{token}&score=4"),
                        Step(user, "GET", "/f/check", cookie),
                        Step(user, "POST", "/f/check", cookie, token),
                        Step(user, "GET", "/f/done", cookie),
                    ]
            else:
                who = f"{role}-{clinic}"
                cookie = staff_cookie(who, csrf)
                for i, (method, path, body) in enumerate(pages[clinic][role]):
                    steps.append(Step(user, method, path, cookie, body, loop=i == 0, who=who))
            user += 1
    return steps


def bench_soak(args: argparse.Namespace, links: list[str], master: int, scripts: Path) -> list[str]:
    from django.db import connections

    csrf = secrets.token_hex(16)
    steps = soak_steps(args, csrf, links)
    first: dict[str, int] = {}
    for step in steps:  # each account's pages answer 200 before the soak counts anything
        if step.who and first.setdefault(step.who, step.user) == step.user:
            check(args.port, step, (200,))
    connections.close_all()
    users = len({s.user for s in steps})
    # 70 users queue for 2 workers: a slow page waits its turn behind up to 69 others, so a
    # request counts as failed (timeout) after 30 s, not 10.
    warm = run_program(steps, args.port, args.soak_warmup, users, scripts, "warmup", 30)
    start_rss = workers_rss(master)
    samples: list[tuple[float, str, int]] = []
    stop = threading.Event()

    def sample() -> None:
        began = time.monotonic()
        while not stop.wait(30):
            samples.append(
                (time.monotonic() - began, load_average(), sum(workers_rss(master).values()))
            )

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    load_start = load_average()
    run = run_program(steps, args.port, args.soak_minutes * 60, users, scripts, "soak", 30)
    stop.set()
    end_rss = workers_rss(master)
    growth = {pid: (end_rss.get(pid, 0) - kib) / kib * 100 for pid, kib in start_rss.items() if kib}
    total_start, total_end = sum(start_rss.values()), sum(end_rss.values())
    restarted = set(start_rss) != set(end_rss)
    server_errors = sum(n for s, n in run.statuses.items() if int(s) >= 500)
    total_growth = (total_end - total_start) / total_start * 100 if total_start else 0.0
    met = run.errors == 0 and server_errors == 0 and total_growth < 10 and not restarted
    lines = [
        f"Soak, {users} users ({', '.join(f'{n} {r}' for r, n in SOAK_MIX.items())}), "
        f"{args.soak_minutes} min after a {args.soak_warmup} s warm-up "
        f"({warm.requests} requests, {warm.errors} errors); load average {load_start} .. "
        f"{load_average()}",
        HEADER,
        row("mixed (req/s)", run, None),
        f"worker RSS after warm-up {total_start / 1024:.1f} MiB, at the end "
        f"{total_end / 1024:.1f} MiB ({total_growth:+.1f} %); per worker "
        + ", ".join(f"{g:+.1f} %" for g in growth.values())
        + (" (a worker was restarted)" if restarted else ""),
        "RSS every 30 s (MiB): "
        + " ".join(
            f"{t / 60:.1f}m:{kib / 1024:.0f}"
            for t, _, kib in samples[:: max(1, len(samples) // 12)]
        ),
        f"target 0 errors, memory growth < 10 %: {'met' if met else 'NOT met'}",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", f"sqlite:///{web.BENCH_VAR / 'load.sqlite3'}"),
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8, help="B1's wrk connections.")
    parser.add_argument("--b2-connections", type=int, default=8)
    parser.add_argument("--b2-links", type=int, default=2400, help="Links made for B2 in all.")
    parser.add_argument("--seconds", type=int, default=10, help="Each B1/B2 round.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--soak-minutes", type=float, default=30)
    parser.add_argument("--soak-warmup", type=int, default=30, help="Seconds before sampling.")
    parser.add_argument("--soak-links", type=int, default=900, help="Links for the soak.")
    parser.add_argument("--port", type=int, default=8775, help="And the next one: reference.")
    parser.add_argument("--reuse", action="store_true", help="Keep the seeded database.")
    parser.add_argument("--only", default="b1,b2,soak", help="Comma-separated: b1, b2, soak.")
    parser.add_argument("--today", default="", help="The demo's today (YYYY-MM-DD).")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: `make bench-load` installs it (apt-get install wrk).")
    wanted = {name.strip() for name in args.only.split(",")}

    env = web.environment(args.database_url)
    # The bench's link sessions are made before the run; a patient page keeps its session for
    # this many minutes of quiet, so those waiting their turn must outlive the longest run.
    env["SPINEPATH_FOLLOWUP_SESSION_MINUTES"] = str(int(args.soak_minutes) + 120)
    os.environ.update(env)
    if args.reuse:
        web.manage(env, "collectstatic", "--no-input", "-v0")
        web.manage(env, "migrate", "--no-input", "-v0")
    else:
        seeded = web.seed(env, args.database_url, args.patients, args.today)
        print(f"seeded {args.patients} patients in {seeded:.0f} s", flush=True)
    setup_django()
    web.analyze()
    started = time.perf_counter()
    b2_links = make_links(args.b2_links) if "b2" in wanted else []
    soak_links = make_links(args.soak_links) if "soak" in wanted else []
    print(
        f"made {len(b2_links) + len(soak_links)} patient links in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    csrf = secrets.token_hex(16)
    cookie = staff_cookie("clinician-a", csrf)
    patient = longest_record("a")
    web.analyze()
    from django.db import connections

    connections.close_all()
    database = "SQLite" if args.database_url.startswith("sqlite") else "PostgreSQL"
    lines = [
        f"gunicorn, {args.workers} workers, {database}, {args.patients} patients, "
        f"{os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    ]
    product = serve(env, args.port, args.workers, "spinepath.settings")
    reference = None
    try:
        reference = serve(env, args.port + 1, args.workers, "bench.load_settings")
        args.masters = {args.port: product.pid, args.port + 1: reference.pid}
        with tempfile.TemporaryDirectory() as scripts:
            if "b1" in wanted:
                lines += bench_b1(args, cookie, patient, Path(scripts))
                print("\n".join(lines), flush=True)
            if "b2" in wanted:
                lines += bench_b2(args, b2_links, Path(scripts))
                print("\n".join(lines[-7:]), flush=True)
            if "soak" in wanted:
                web.stop(reference)
                reference = None
                lines += bench_soak(args, soak_links, product.pid, Path(scripts))
    finally:
        if reference is not None:
            web.stop(reference)
        web.stop(product)
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
