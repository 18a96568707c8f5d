"""Load figures for issue 17: B1 patient page, B2 patient questionnaire submissions, a mixed soak.

Run with ``make bench-load`` (or ``.venv/bin/python bench/load.py --soak-minutes 5``). Loopback
only, bounded in time: every wrk run has a duration, the soak ``--soak-minutes``.

It seeds a demo (``bench/serving.py``, shared with ``bench/web.py``: SQLite under
``var/bench/``, or the PostgreSQL database ``--database-url`` names, dropped and recreated),
serves it with the production server as ``make serve-prod`` does (gunicorn, DEBUG off, collected
static files, ``spinepath.settings`` unchanged) and, for B1 and B2, beside it a reference server
on the next port running the same code and database with ``bench/load_settings.py``: only the
reference views (``bench/reference_views.py``) and no middleware. Each B1/B2 figure is printed
with the reference's, measured in the same run, in alternating rounds (medians), and the load
average.

- **B1**: a clinician's patient page (the clinic's patient with the longest record), its read
  audited; reference: the same reads and the audit row, no template or middleware.
- **B2**: patients submitting their questionnaire through their link (``POST /f/check`` in a
  date-of-birth-verified link session, the answer saved screen by screen beforehand, as the
  pages do), one link per submission, 10 % of the POSTs duplicates of an earlier one: half
  sent at once beside the first (concurrently), half a little later. Afterwards the database
  is checked: one completion, one timeline event and one completion audit row per time point.
- **Soak** (``--soak-mode users``, the default): 70 people at once, each a thread of this
  process with a role, an account and a path through that role's pages (SOAK_MIX: 20
  clinicians, 10 physiotherapists, 5 admins, 5 analysts, half in each clinic, and 30 patients
  answering through their links), thinking 1-5 s between two requests (uniform, seeded per
  user: the same pauses every run). A patient opens a new link (issued as they start, as the
  follow-up messages go out), gives their date of birth, answers, checks and submits, reads
  the thank-you page, then starts on the next. ``--soak-warmup`` seconds first, not counted;
  then ``--soak-minutes``: per request kind the count, p50/p95/p99 and errors (time-outs at
  30 s, socket errors, any status outside 2xx/3xx), each minute's offered and served rates,
  the workers' CPU and resident memory, and the load average. Memory growth is measured
  against the workers' own memory after the warm-up and after the first minute, in the same
  run. ``--soak-mode stress`` sends the same users' requests flat out through wrk instead
  (70 connections, no think time): a stress test, not 70 people.

B1 and B2's link sessions are made in the seed step through the workflow functions the pages
call (``links.issue``, ``links.find_usable``, ``links.check_date_of_birth``, ``patient_session``,
``answering.save_screen``) on pain-diary time points of the demo's treated episodes (a diary
point may repeat hourly, so one procedure can carry many).

Targets on the 2-core machine: B1 >= 600 req/s with p95 <= 50 ms; B2 >= 300 submissions/s, 0
duplicates stored, 0 errors; soak 0 errors and worker memory growth < 10 %.
"""

from __future__ import annotations

import argparse
import dataclasses
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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ heads the path, and its fhir.py would hide the fhir.resources package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench import serving, web  # noqa: E402  (seeding and serving; the web bench's wrk helpers)

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


def _diary_points(count: int, at: datetime, first: int = 0) -> list[Any]:
    """``count`` pain-diary time points, an hour old (their links work for a day), spread over
    every treated procedure so the patients' locks are not one queue; distinct minutes per
    procedure. ``first`` goes on where an earlier call stopped (the next procedure in turn)."""
    from django.db import transaction
    from django.utils import timezone

    from spinepath.followup.models import Label, TimePoint

    procedures = _procedures(at)
    points = []
    for n in range(first, first + count):
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
    return list(
        TimePoint.objects.filter(pk__in=[p.pk for p in points])
        .select_related("episode__patient__clinic")
        .order_by("due_at", "pk")
    )


def make_links(count: int, *, at: datetime | None = None) -> list[str]:
    """``count`` patient link sessions, each for a time point of its own, the date of birth
    checked and the answer saved, ready to submit: the ``Cookie`` header value of each.

    Made through the workflow functions the pages call, so each one is what a patient holds
    after opening their link, typing their date of birth and answering the one question."""
    from django.db import transaction
    from django.utils import timezone

    at = at or timezone.now()
    made = _diary_points(count, at)
    cookies = []
    for start in range(0, len(made), 200):  # a commit per 200 links, not one per write
        with transaction.atomic():
            cookies += [_ready(point, at) for point in made[start : start + 200]]
    return cookies


@dataclass(frozen=True)
class PatientLink:
    """A link as its patient receives it: the address (path only) and what they will type."""

    path: str
    date_of_birth: date


def issue_links(count: int, *, at: datetime | None = None, first: int = 0) -> list[PatientLink]:
    """``count`` new links, unopened, each to a diary time point of its own (``links.issue``, as
    the follow-up messages do): the soak's patients open them and go through every page."""
    from urllib.parse import urlsplit

    from django.db import transaction
    from django.utils import timezone

    from spinepath.followup import links

    at = at or timezone.now()
    issued = []
    made = _diary_points(count, at, first)
    for start in range(0, len(made), 200):
        with transaction.atomic():
            for point in made[start : start + 200]:
                _, url = links.issue(point, at=at)
                issued.append(PatientLink(urlsplit(url).path, point.episode.patient.date_of_birth))
    return issued


class LinkSource:
    """The soak's new links, one each time a patient starts answering, as the follow-up messages
    go out through the day: made in advance, thousands of waiting diary points would sit in the
    staff's follow-up lists (the session-8 soak's first try, 2,670 made in advance, served a
    fifth to a third of the rate with links made on demand). One at a time (one writer is
    enough at this rate)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.issued = 0

    def __call__(self) -> PatientLink:
        from django.db import OperationalError

        with self.lock:
            for attempt in range(3):  # SQLite may be busy with the server's writes
                try:
                    (link,) = issue_links(1, first=self.issued)
                    break
                except OperationalError:
                    if attempt == 2:
                        raise
                    time.sleep(1)
            self.issued += 1
        return link


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


# --- Checking a step --------------------------------------------------------------------------


def check(port: int, step: Step, allowed: tuple[int, ...] = (200,)) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{step.path}",
        data=step.body.encode() if step.method == "POST" else None,
        headers={"Cookie": step.cookie}
        | ({"Content-Type": "application/x-www-form-urlencoded"} if step.body else {}),
        method=step.method,
    )
    opener = urllib.request.build_opener(serving.NoRedirect)
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
            loads.append(serving.load_average())
            cpu = serving.cpu_seconds(args.masters[port])
            result = web.drive(target, port, args.seconds, args.connections, scripts)
            run = from_web(result, args.seconds)
            run.cpu_ms = (
                (serving.cpu_seconds(args.masters[port]) - cpu) * 1000 / max(run.requests, 1)
            )
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
            loads.append(serving.load_average())
            cpu = serving.cpu_seconds(args.masters[port])
            run = run_program(steps, port, args.seconds, args.b2_connections, scripts, "b2")
            run.submissions = completed_since(before)
            run.submit_rate = run.submissions / run.seconds
            used = serving.cpu_seconds(args.masters[port]) - cpu
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


# --- The soak: 70 users -------------------------------------------------------------------------
#
# Each user is a thread of this process with a keep-alive connection of its own (gunicorn's sync
# workers close it after each answer; it reopens), a role and a path through that role's pages.
# Between two requests the user thinks: a pause drawn uniformly from THINK_SECONDS, from a random
# generator seeded with the user's number, so every run makes the same pauses. A closed loop, as
# people are: a user sends their next request only after the last one was answered and read.
# wrk cannot model this: its request() is not tied to a connection (a "user" would hop between
# connections) and its response() cannot say which request it answers (no figures per page).

THINK_SECONDS = (1.0, 5.0)
SOAK_SEED = 17  # issue 17: the think times are the same every run
SOAK_TIMEOUT = 30  # seconds before a request counts as timed out


@dataclass(frozen=True)
class Visit:
    """One request of a user's path: ``kind`` names it in the figures ("clinician patient
    page"); ``expect`` is the answer the page gives when all is well (a form's POST redirects)."""

    kind: str
    method: str
    path: str
    body: str = ""
    expect: int = 200


def role_pages(csrf: str) -> dict[str, dict[str, list[Visit]]]:
    """Each clinic's staff paths, by role: what a person of that role opens in a working session,
    in order, going round. Every role's own pages (the worklists, the patient and episode pages,
    a search, the follow-up and waiting lists, references, a physiotherapy programme, the audit
    log, messages and sessions, the outcomes dashboard and prediction models)."""
    from django.urls import reverse

    from spinepath.aftercare.models import Programme
    from spinepath.patients.models import Episode

    pages: dict[str, dict[str, list[Visit]]] = {}
    for clinic in ("a", "b"):
        patient = longest_record(clinic)
        episode = Episode.objects.filter(patient=patient).order_by("pk").first()
        assert episode is not None
        programme = (
            Programme.objects.filter(episode__patient__clinic__code=clinic).order_by("pk").first()
        )
        search = f"csrfmiddlewaretoken={csrf}&q={patient.family_name[:4]}"
        patient_page = reverse("patient_detail", args=[patient.pk])
        physio = [
            Visit("physiotherapist worklists", "GET", reverse("dashboard")),
            Visit("physiotherapist patient page", "GET", patient_page),
            Visit("physiotherapist follow-up worklist", "GET", reverse("followup_worklist")),
            Visit("physiotherapist references", "GET", reverse("references")),
        ]
        if programme is not None:
            path = reverse("programme_detail", args=[programme.pk])
            physio.append(Visit("physiotherapist programme", "GET", path))
        pages[clinic] = {
            "clinician": [
                Visit("clinician worklists", "GET", reverse("dashboard")),
                Visit("clinician patient page", "GET", patient_page),
                Visit(
                    "clinician episode page", "GET", reverse("episode_detail", args=[episode.pk])
                ),
                Visit("clinician search", "POST", reverse("patient_search"), search),
                Visit("clinician follow-up worklist", "GET", reverse("followup_worklist")),
                Visit("clinician waiting list", "GET", reverse("waiting_list")),
            ],
            "physiotherapist": physio,
            "admin": [
                Visit("admin audit log", "GET", reverse("audit_log")),
                Visit("admin follow-up messages", "GET", reverse("followup_messages")),
                Visit("admin sessions", "GET", reverse("sessions")),
                Visit("admin worklists", "GET", reverse("dashboard")),
            ],
            # The outcomes dashboard is the heaviest page by far: one visit in five of an
            # analyst's, as someone reading it, not reloading it.
            "analyst": [
                Visit("analyst worklists", "GET", reverse("dashboard")),
                Visit("analyst prediction models", "GET", reverse("prediction_models")),
                Visit("analyst references", "GET", reverse("references")),
                Visit("analyst worklists", "GET", reverse("dashboard")),
                Visit("analyst outcomes dashboard", "GET", reverse("outcomes")),
            ],
        }
    return pages


def patient_visits(link: PatientLink, csrf: str) -> list[Visit]:
    """Answering through a link, page by page: open it (a session starts, 302 to the date of
    birth), the date-of-birth page and its answer, the question and its answer, the check page,
    the submission and the thank-you page. The link's session lives in a cookie the pages set."""
    from django.urls import reverse

    token = f"csrfmiddlewaretoken={csrf}"
    born = link.date_of_birth
    dob = f"{token}&dob_day={born.day}&dob_month={born.month}&dob_year={born.year}"
    question = reverse("followup_patient_question", args=[1])
    check = reverse("followup_patient_check")
    return [
        Visit("patient opens link", "GET", link.path, expect=302),
        Visit("patient date-of-birth page", "GET", reverse("followup_patient_dob")),
        Visit("patient gives date of birth", "POST", reverse("followup_patient_dob"), dob, 302),
        Visit("patient question page", "GET", question),
        Visit("patient answers", "POST", question, f"{token}&score=4", 302),
        Visit("patient check page", "GET", check),
        Visit("patient submits", "POST", check, token, 302),
        Visit("patient thank-you page", "GET", reverse("followup_patient_done")),
    ]


@dataclass
class SoakUser:
    """A user of the soak: who, the cookies they start with and the path they follow. A staff
    user goes round ``visits``; a patient answers one new link after another (from ``links``),
    and gives up on a link after an error (``abandon``), as a person would: the next request
    is then a new link's, not four more errors from a session that has moved on."""

    number: int
    role: str
    account: str  # "clinician-a", or "patient"
    cookies: dict[str, str]
    visits: list[Visit] = field(default_factory=list)
    links: Callable[[], PatientLink] | None = None
    abandon: bool = False

    def path(self, csrf: str) -> Iterator[Visit]:
        """Every request in order, for as long as the soak asks."""
        if self.links is None:
            while True:
                yield from self.visits
        while True:
            for visit in patient_visits(self.links(), csrf):
                if self.abandon:
                    break
                yield visit
            self.abandon = False


def soak_users(csrf: str, links: Callable[[], PatientLink]) -> list[SoakUser]:
    """The mix (SOAK_MIX), each clinic's half of every role; the patients take their links from
    ``links`` as they go."""
    pages = role_pages(csrf)
    users: list[SoakUser] = []
    for role, count in SOAK_MIX.items():
        for n in range(count):
            clinic = "ab"[n % 2]
            number = len(users)
            if role == "patient":
                cookies = {"csrftoken": csrf}
                users.append(SoakUser(number, role, "patient", cookies, links=links))
            else:
                account = f"{role}-{clinic}"
                cookies = dict(
                    part.split("=", 1) for part in staff_cookie(account, csrf).split("; ")
                )
                users.append(SoakUser(number, role, account, cookies, pages[clinic][role]))
    return users


@dataclass
class Answer:
    """One request as the user saw it: when it was sent (s since the soak began), its kind, the
    status (0 when none came), the error ("timeout", "socket") and the time to the answer."""

    at: float
    kind: str
    status: int
    error: str
    seconds: float
    expected: bool


def _store_cookies(jar: dict[str, str], headers: list[str]) -> None:
    from http.cookies import SimpleCookie

    for header in headers:
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            if morsel["max-age"] == "0" or not morsel.value:
                jar.pop(name, None)
            else:
                jar[name] = morsel.value


def run_user(
    user: SoakUser, port: int, csrf: str, began: float, stop: threading.Event, out: list[Answer]
) -> None:
    """The user's loop: think, send the next request, read the answer, until ``stop``."""
    import http.client
    import random

    from django.db import DatabaseError
    from django.db import connection as database

    rng = random.Random(SOAK_SEED * 1000 + user.number)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=SOAK_TIMEOUT)
    visits = user.path(csrf)
    try:
        while not stop.wait(rng.uniform(*THINK_SECONDS)):
            try:
                visit = next(visits)
            except DatabaseError:  # no new link this time: counted, and the patient goes on
                out.append(Answer(time.monotonic() - began, "new link", 0, "driver", 0, False))
                visits = user.path(csrf)
                continue
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in user.cookies.items())}
            if visit.body:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            sent = time.monotonic()
            status, error = 0, ""
            try:
                connection.request(visit.method, visit.path, visit.body or None, headers)
                response = connection.getresponse()
                response.read()
                status = response.status
                _store_cookies(user.cookies, response.headers.get_all("Set-Cookie") or [])
            except TimeoutError:
                error = "timeout"
            except (OSError, http.client.HTTPException):
                error = "socket"
            if error:
                connection.close()  # a fresh connection for the next request
            if error or not 200 <= status < 400:
                user.abandon = True
            out.append(
                Answer(
                    sent - began,
                    visit.kind,
                    status,
                    error,
                    time.monotonic() - sent,
                    status == visit.expect,
                )
            )
    finally:
        connection.close()
        database.close()  # the thread's own, if its patient issued links


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least ``q`` % of the values at or below it."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, -(-len(ordered) * q // 100) - 1))]


def failed(answer: Answer) -> bool:
    """An error as issue 17 counts them: no answer (time-out, socket) or not 2xx/3xx."""
    return bool(answer.error) or not 200 <= answer.status < 400


def soak_table(answers: list[Answer], seconds: float) -> list[str]:
    """Per request kind: count, rate, p50/p95/p99, errors, and answers other than expected."""
    kinds: dict[str, list[Answer]] = {}
    for answer in answers:
        kinds.setdefault(answer.kind, []).append(answer)
    lines = [
        f"{'':36} {'requests':>8} {'per s':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'errors':>6} {'unexpected':>10}"
    ]
    for kind, group in [*sorted(kinds.items()), ("all", answers)]:
        times = [a.seconds * 1000 for a in group if not a.error]
        lines.append(
            f"{kind:36} {len(group):8d} {len(group) / seconds:6.2f} "
            f"{percentile(times, 50):8.0f} {percentile(times, 95):8.0f} "
            f"{percentile(times, 99):8.0f} {sum(failed(a) for a in group):6d} "
            f"{sum(not a.expected for a in group):10d}"
        )
    return lines


def bench_soak(args: argparse.Namespace, master: int) -> list[str]:
    """70 users with think time for ``--soak-minutes`` after ``--soak-warmup`` seconds: the
    figures per request kind, every minute's rates, errors, workers' memory and CPU, and the
    load average. Memory growth is measured against the workers' own memory after the warm-up
    (and after the first minute), in the same run."""
    import resource

    from django.db import connections

    csrf = secrets.token_hex(16)
    links = LinkSource()
    users = soak_users(csrf, links)
    connections.close_all()
    for user in users:  # each account's first page answers as expected before anything counts
        if user.role != "patient" and user.visits:
            first = user.visits[0]
            step = Step(0, first.method, first.path, _cookie_header(user.cookies), first.body)
            check(args.port, step, (first.expect,))
    mean_think = sum(THINK_SECONDS) / 2
    warmup, measured = float(args.soak_warmup), args.soak_minutes * 60
    out: list[Answer] = []
    stop = threading.Event()
    began = time.monotonic()
    driver_cpu = resource.getrusage(resource.RUSAGE_SELF)
    threads = [
        threading.Thread(target=run_user, args=(u, args.port, csrf, began, stop, out), daemon=True)
        for u in users
    ]
    for thread in threads:
        thread.start()
    cold_rss = serving.workers_rss(master)
    # Sampled on the minute from the warm-up's end: (minute, load average, RSS by worker, CPU s).
    samples: list[tuple[float, str, dict[int, int], float]] = []
    minute = 0
    while True:
        wake = began + warmup + minute * 60
        if minute * 60 > measured:
            wake = began + warmup + measured
        time.sleep(max(0.0, wake - time.monotonic()))
        samples.append(
            (
                (time.monotonic() - began - warmup) / 60,
                serving.load_average(),
                serving.workers_rss(master),
                serving.cpu_seconds(master),
            )
        )
        done = [a for a in out if a.at >= warmup]
        print(
            f"soak {samples[-1][0]:5.1f} min: {len(done)} requests, "
            f"{sum(failed(a) for a in done)} errors, RSS "
            f"{sum(samples[-1][2].values()) / 1024:.1f} MiB, load {samples[-1][1]}",
            flush=True,
        )
        if minute * 60 >= measured:
            break
        minute += 1
    stop.set()
    for thread in threads:
        thread.join(SOAK_TIMEOUT + 5)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    driver_s = usage.ru_utime + usage.ru_stime - driver_cpu.ru_utime - driver_cpu.ru_stime
    end = warmup + measured
    counted = [a for a in out if warmup <= a.at < end]
    warm = [a for a in out if a.at < warmup]
    served = sum(1 for a in counted if not failed(a))
    errors = [a for a in counted if failed(a)]
    statuses: dict[str, int] = {}
    for answer in counted:
        key = answer.error or str(answer.status)
        statuses[key] = statuses.get(key, 0) + 1
    by_minute = []
    for (t0, load, rss, cpu), (t1, _, _, cpu1) in zip(samples, samples[1:], strict=False):
        window = [a for a in counted if warmup + t0 * 60 <= a.at < warmup + t1 * 60]
        seconds = (t1 - t0) * 60
        times = [a.seconds * 1000 for a in window if not a.error]
        by_minute.append(
            f"{t0:5.1f} {len(window) / seconds:7.2f} "
            f"{sum(not failed(a) for a in window) / seconds:7.2f} "
            f"{sum(failed(a) for a in window):6d} {percentile(times, 95):8.0f} "
            f"{(cpu1 - cpu) * 1000 / max(len(window), 1):7.1f} "
            f"{sum(rss.values()) / 1024:8.1f}  {load}"
        )
    last = samples[-1]
    by_minute.append(
        f"{last[0]:5.1f} {'':7} {'':7} {'':6} {'':8} {'':7} {sum(last[2].values()) / 1024:8.1f}  "
        f"{last[1]}"
    )
    first_rss, end_rss = sum(samples[0][2].values()), sum(last[2].values())
    minute_rss = sum(samples[1][2].values()) if len(samples) > 2 else first_rss
    restarted = set(samples[0][2]) != set(last[2]) or set(cold_rss) != set(last[2])

    def growth(start: int) -> float:
        return (end_rss - start) / start * 100 if start else 0.0

    per_worker = ", ".join(
        f"{(last[2].get(pid, 0) - kib) / kib * 100:+.1f} %"
        for pid, kib in samples[0][2].items()
        if kib
    )
    cpu_used = last[3] - samples[0][3]
    loads = [float(s[1].split()[0]) for s in samples]
    unexpected = sorted({f"{a.kind} {a.status or a.error}" for a in counted if not a.expected})
    met = (
        not errors
        and not unexpected
        and growth(first_rss) < 10
        and growth(minute_rss) < 10
        and not restarted
    )
    mix = ", ".join(f"{n} {role}s" for role, n in SOAK_MIX.items())
    lines = [
        f"Soak, {len(users)} users ({mix}), think time {THINK_SECONDS[0]:g}-{THINK_SECONDS[1]:g} s"
        f" (uniform, seeded), {args.soak_minutes:g} min measured after a {warmup:g} s warm-up "
        f"({len(warm)} requests, {sum(failed(a) for a in warm)} errors); {links.issued} links "
        "issued as the patients went",
        f"offered: {len(users) / mean_think:.1f} req/s if every answer were instant (users / "
        f"mean think); sent {len(counted) / measured:.2f} req/s; served (2xx/3xx) "
        f"{served / measured:.2f} req/s; errors {len(errors)} ("
        + ", ".join(f"{k}: {n}" for k, n in sorted(statuses.items()))
        + ")",
        f"workers' CPU {cpu_used:.0f} s in {measured / 60:g} min "
        f"({cpu_used / measured * 100:.0f} % "
        f"of a core, {cpu_used * 1000 / max(len(counted), 1):.1f} ms per request); the driver's "
        f"own CPU {driver_s:.0f} s; load average (1 min) {min(loads):.2f}-{max(loads):.2f}, "
        f"mean {statistics.mean(loads):.2f}",
        *soak_table(counted, measured),
        "minute  sent/s served/s errors  p95 ms  cpu ms  RSS MiB  load average",
        *by_minute,
        f"worker RSS before the warm-up {sum(cold_rss.values()) / 1024:.1f} MiB, after it "
        f"{first_rss / 1024:.1f}, after the first minute {minute_rss / 1024:.1f}, at the end "
        f"{end_rss / 1024:.1f} MiB: growth after the warm-up {growth(first_rss):+.1f} % (per "
        f"worker {per_worker}), first minute to end {growth(minute_rss):+.1f} %"
        + (" (a worker was restarted)" if restarted else ""),
        f"target 0 errors (and every page answering as expected), memory growth < 10 %: "
        f"{'met' if met else 'NOT met'}",
    ]
    if args.soak_dump:
        rows = [dataclasses.asdict(a) for a in out]
        Path(args.soak_dump).write_text(json.dumps({"samples": samples, "answers": rows}))
    if unexpected:
        lines.append("answers other than expected: " + "; ".join(unexpected[:12]))
    return lines


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


# --- Stress: the soak's pages flat out (wrk, no think time) ------------------------------------


def stress_steps(csrf: str, links: list[str]) -> list[Step]:
    """The soak's users without think time: each staff user goes round their role's pages;
    each patient works through link sessions made ready beforehand (question page, answer,
    check page, submit, thank-you page)."""
    steps: list[Step] = []
    pages = role_pages(csrf)
    per_patient = max(1, len(links) // SOAK_MIX["patient"])
    user = 0
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
                for i, visit in enumerate(pages[clinic][role]):
                    steps.append(
                        Step(user, visit.method, visit.path, cookie, visit.body, i == 0, who)
                    )
            user += 1
    return steps


def bench_stress(
    args: argparse.Namespace, links: list[str], master: int, scripts: Path
) -> list[str]:
    """The soak's 70 users' requests sent flat out by wrk (70 connections, no think time): a
    stress test, each request queueing behind up to 69 others."""
    from django.db import connections

    csrf = secrets.token_hex(16)
    steps = stress_steps(csrf, links)
    first: dict[str, int] = {}
    for step in steps:  # each account's pages answer before the run counts anything
        if step.who and first.setdefault(step.who, step.user) == step.user:
            check(args.port, step, (200, 302))
    connections.close_all()
    users = len({s.user for s in steps})
    warm = run_program(steps, args.port, args.soak_warmup, users, scripts, "warmup", SOAK_TIMEOUT)
    start_rss = serving.workers_rss(master)
    load_start = serving.load_average()
    run = run_program(
        steps, args.port, args.soak_minutes * 60, users, scripts, "stress", SOAK_TIMEOUT
    )
    end_rss = serving.workers_rss(master)
    total_start, total_end = sum(start_rss.values()), sum(end_rss.values())
    total_growth = (total_end - total_start) / total_start * 100 if total_start else 0.0
    server_errors = sum(n for s, n in run.statuses.items() if int(s) >= 500)
    return [
        f"Stress, {users} wrk connections flat out, {args.soak_minutes:g} min after a "
        f"{args.soak_warmup} s warm-up ({warm.requests} requests, {warm.errors} errors); load "
        f"average {load_start} .. {serving.load_average()}",
        HEADER,
        row("mixed (req/s)", run, None),
        f"5xx: {server_errors}; worker RSS after the warm-up {total_start / 1024:.1f} MiB, at the "
        f"end {total_end / 1024:.1f} MiB ({total_growth:+.1f} %)",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", f"sqlite:///{serving.BENCH_VAR / 'load.sqlite3'}"),
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8, help="B1's wrk connections.")
    parser.add_argument("--b2-connections", type=int, default=8)
    parser.add_argument("--b2-links", type=int, default=2400, help="Links made for B2 in all.")
    parser.add_argument("--seconds", type=int, default=10, help="Each B1/B2 round.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--soak-minutes", type=float, default=30)
    parser.add_argument("--soak-warmup", type=int, default=120, help="Seconds before counting.")
    parser.add_argument(
        "--soak-links", type=int, default=900, help="Link sessions for --soak-mode stress."
    )
    parser.add_argument("--soak-dump", default="", help="A JSON file for every soak answer.")
    parser.add_argument(
        "--soak-mode",
        choices=["users", "stress"],
        default="users",
        help="users: 70 people with think time; stress: their requests flat out through wrk.",
    )
    parser.add_argument("--port", type=int, default=8775, help="And the next one: reference.")
    parser.add_argument("--reuse", action="store_true", help="Keep the seeded database.")
    parser.add_argument("--only", default="b1,b2,soak", help="Comma-separated: b1, b2, soak.")
    parser.add_argument("--today", default="", help="The demo's today (YYYY-MM-DD).")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: `make bench-load` installs it (apt-get install wrk).")
    wanted = {name.strip() for name in args.only.split(",")}

    env = serving.environment(args.database_url)
    # The bench's link sessions are made before the run; a patient page keeps its session for
    # this many minutes of quiet, so those waiting their turn must outlive the longest run.
    env["SPINEPATH_FOLLOWUP_SESSION_MINUTES"] = str(int(args.soak_minutes) + 120)
    os.environ.update(env)
    if args.reuse:
        serving.bring_along(env)
    else:
        seeded = serving.seed(env, args.database_url, args.patients, args.today)
        print(f"seeded {args.patients} patients in {seeded:.0f} s", flush=True)
    setup_django()
    serving.analyze()
    started = time.perf_counter()
    b2_links = make_links(args.b2_links) if "b2" in wanted else []
    stress = "soak" in wanted and args.soak_mode == "stress"
    soak_links = make_links(args.soak_links) if stress else []
    print(
        f"made {len(b2_links) + len(soak_links)} patient links in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    csrf = secrets.token_hex(16)
    cookie = staff_cookie("clinician-a", csrf)
    patient = longest_record("a")
    serving.analyze()
    from django.db import connections

    connections.close_all()
    database = "SQLite" if args.database_url.startswith("sqlite") else "PostgreSQL"
    lines = [
        f"gunicorn, {args.workers} workers, {database}, {args.patients} patients, "
        f"{os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    ]
    product = serving.serve(env, args.port, args.workers)
    reference = None
    try:
        if wanted & {"b1", "b2"}:  # the soak has no reference server: its own start is that
            reference = serving.serve(
                env, args.port + 1, args.workers, settings_module="bench.load_settings"
            )
            args.masters = {args.port: product.pid, args.port + 1: reference.pid}
        with tempfile.TemporaryDirectory() as scripts:
            if "b1" in wanted:
                lines += bench_b1(args, cookie, patient, Path(scripts))
                print("\n".join(lines), flush=True)
            if "b2" in wanted:
                lines += bench_b2(args, b2_links, Path(scripts))
                print("\n".join(lines[-7:]), flush=True)
            if "soak" in wanted:
                if reference is not None:
                    serving.stop(reference)
                    reference = None
                if args.soak_mode == "stress":
                    lines += bench_stress(args, soak_links, product.pid, Path(scripts))
                else:
                    lines += bench_soak(args, product.pid)
    finally:
        if reference is not None:
            serving.stop(reference)
        serving.stop(product)
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
