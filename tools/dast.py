"""DAST: wapiti against a production-like spinepath on 127.0.0.1 (issue 17, item 7).

``make dast`` runs this with the project's virtualenv (``.ci/run`` runs it after the SQLite
tests); wapiti itself lives in ``.venv-dast`` (its pins clash with the project's). The script

1. builds a throwaway database in ``var/dast/`` (migrate, a small seeded demo) and collects the
   static files;
2. makes, in-process, the sessions the scans use: ``clinician-a`` signed in with the second step
   done (as a real second step leaves the session), a patient's follow-up link and booking link
   opened with the date of birth given, and two fresh links for the anonymous scan to open;
3. serves the app with gunicorn, ``DEBUG`` off, over TLS (a throwaway certificate) on 127.0.0.1;
4. runs five bounded wapiti scans at once (``SCANS``): the staff pages signed in, the staff forms
   (two scans), the patient pages behind a verified link, and the anonymous entry points
   (sign-in page, opening a link, the date-of-birth forms). Each writes
   ``var/dast/<scan>/report.json`` and ``wapiti.log``;
5. judges each report (``judge``) and exits 1 when any scan found something of medium severity or
   above, or when a report is missing, a module never started, the scan reached too few pages or
   not the pages it exists to cover, or the staff session was signed out: a broken login,
   session or server must not pass as a clean scan.

Everything it starts is stopped before it exits. The JSON API is left to schemathesis
(``spinepath/tests/test_api_never_fails.py``).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess  # nosec B404 - runs our own server and the scanner, fixed argument lists
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
WAPITI = ROOT / ".venv-dast" / "bin" / "wapiti"
OUT = ROOT / "var" / "dast"
# Wapiti's levels (wapitiCore/language/vulnerability.py); medium and above fail.
LEVELS = {0: "info", 1: "low", 2: "medium", 3: "high", 4: "critical"}
FAIL_AT = 2

# The attack modules, chosen for a server-rendered Django site with forms:
# - injection and reflection: xss, permanentxss (stored), sql (error and boolean based), exec,
#   file (path traversal), crlf (header injection), redirect (open redirect), upload;
# - what the pages answer with: csrf (forms without a working token), http_headers, csp,
#   cookieflags, and methods (patient and entry scans only: every page of the staff scan would
#   cost its whole cap for an info-level note that Django's views answer OPTIONS).
# Left out: timesql (seconds per parameter by design), ssrf and log4shell (need wapiti's
# internet endpoint), ssl (needs sslscan), nikto, buster and backup (file brute force, not this
# app's risk), xxe (no XML input outside the API), the CMS and fingerprint modules.
COMMON = "csrf,http_headers,csp,cookieflags,crlf,redirect,upload,file,exec,sql,xss,permanentxss"
# A request slower than this is reported by wapiti as a medium "resource consumption" finding.
# A loaded CI machine can be slow; a page that takes this long is a finding worth failing on.
REQUEST_TIMEOUT = 30

UUID = "[0-9a-f-]{36}"
# Signing out or the second-step pages would end or change the staff scans' session; the API is
# covered by schemathesis; the patient pages by the patient and entry scans.
STAFF_EXCLUDE = ("/logout/*", "/mfa/*", "/api/*", "/admin/*", "/static/*", "/f/*", "/b/*")


@dataclass(frozen=True)
class Scan:
    """One wapiti run: where it starts, what it must not touch, what it must reach, how long.

    wapiti 3.2.3's ``--max-scan-time`` bounds the crawl only and ``--max-attack-time`` each
    module, so a scan lasts at most ``crawl + modules x attack`` seconds (and start-up); the
    light modules finish in seconds, the injection ones use their cap on this machine."""

    name: str
    start: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    # Fewer crawled pages than this means the session or the server failed.
    min_pages: int = 1
    # Path patterns (regular expressions, matched in full) the crawl must have fetched with a
    # 200: the pages this scan is for. Missing one means the scan ran signed out or locked out.
    must_reach: tuple[str, ...] = ()
    # Cookies given to wapiti: names of the sessions made in-process (``make_sessions``).
    sessions: tuple[str, ...] = ()
    modules: str = COMMON
    crawl_seconds: float = 30
    attack_seconds: float = 20
    depth: int = 4


# The five run at once. Their bounds (crawl + modules x cap): staff 60 + 12 x 20 = 300 s, forms
# and records 30 + 3 x 80 = 270 s, patient and entry 30 + 13 x 20 = 290 s; so about 5 minutes at
# most, plus the demo's set-up (1.5 to 3 minutes on a loaded machine).
SCANS = (
    Scan(
        name="staff",
        # A patient's and an episode's page as well as the dashboard: within its cap on a slow
        # machine the crawl may not get that deep, and these pages say the session works.
        start=("/", "/patients/{patient}/", "/episodes/{episode}/"),
        exclude=STAFF_EXCLUDE,
        min_pages=60,
        must_reach=(
            "/",
            f"/patients/{UUID}/",
            f"/episodes/{UUID}/",
            "/patients/new/",
            "/patients/search/",
            "/waiting-list/",
        ),
        sessions=("staff",),
        crawl_seconds=60,
    ),
    Scan(
        # wapiti attacks the pages it stored in order of address, links before forms, so within
        # its caps the staff scan seldom reaches a form. These two start at the forms and go one
        # link further: the forms come first. Apart, so that the small forms here are not left
        # waiting behind the records' long ones (each text field an input refills is tried with
        # every payload) when the machine is slow.
        name="forms",
        start=(
            "/patients/search/",
            "/emergency-access/",
            "/sessions/new/",
            "/rulesets/propose/",
            "/password/change/",
        ),
        exclude=STAFF_EXCLUDE,
        min_pages=5,
        must_reach=("/patients/search/", "/emergency-access/", "/sessions/new/"),
        sessions=("staff",),
        modules="sql,xss,permanentxss",
        depth=1,
        attack_seconds=80,
    ),
    Scan(
        # A patient and an open episode of clinician-a's clinic (a referred one can be assessed).
        name="records",
        start=(
            "/patients/new/",
            "/patients/{patient}/edit/",
            "/patients/{patient}/episodes/new/",
            "/episodes/{episode}/assess/",
            "/episodes/{episode}/edit/",
            "/episodes/{episode}/baseline/",
        ),
        exclude=STAFF_EXCLUDE,
        min_pages=6,
        must_reach=(
            "/patients/new/",
            f"/patients/{UUID}/edit/",
            f"/episodes/{UUID}/assess/",
            f"/episodes/{UUID}/baseline/",
        ),
        sessions=("staff",),
        modules="sql,xss,permanentxss",
        depth=1,
        attack_seconds=80,
    ),
    Scan(
        name="patient",
        start=("/f/questions/1", "/b/appointment"),
        exclude=("/logout/*", "/api/*", "/admin/*", "/static/*"),
        min_pages=4,
        must_reach=("/f/questions/1", "/f/questions/2", "/b/appointment"),
        sessions=("followup", "booking"),
        modules=COMMON + ",methods",
    ),
    Scan(
        name="entry",
        # Opening the links is part of the scan: the crawl follows them to the date of birth.
        start=("/login/", "{followup_link}", "{booking_link}"),
        exclude=("/api/*", "/admin/*", "/static/*"),
        min_pages=3,
        must_reach=("/login/", "/f/date-of-birth", "/b/date-of-birth"),
        modules=COMMON + ",methods",
    ),
)


# --- Judging a report ----------------------------------------------------------------------------


@dataclass
class Verdict:
    """What a report says: every finding as a line, and why the scan fails (empty: it passes)."""

    scan: str
    findings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS.values(), 0))
    pages: int = 0
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.failures


def _crawled(infos: dict[str, Any]) -> list[tuple[str, int | None]]:
    """(path, status) of every page the crawl fetched (``-dr 1`` puts them in the report)."""
    pages = []
    for entry in infos.get("crawled_pages") or []:
        request = entry.get("request", {})
        pages.append((urlsplit(request.get("url", "")).path, request.get("status_code")))
    return pages


def judge(report: Path, scan: Scan, log: str | None = None) -> Verdict:
    """Read wapiti's JSON report of ``scan``: fail on any finding of medium or above, and on a
    report that is missing, empty or shows that the scan did not reach what it was for; with
    wapiti's ``log``, also when one of the scan's modules never started."""
    verdict = Verdict(scan.name)
    if log is not None:
        started = set(re.findall(r"\[\*\] Launching module (\w+)", log))
        for module in scan.modules.split(","):
            if module not in started:
                verdict.failures.append(f"wapiti's module {module} never started")
    try:
        data = json.loads(report.read_text())
    except FileNotFoundError:
        verdict.failures.append(f"no report at {report}: wapiti did not finish")
        return verdict
    except json.JSONDecodeError as error:
        verdict.failures.append(f"the report {report} is not JSON ({error})")
        return verdict
    infos = data.get("infos") if isinstance(data, dict) else None
    if not infos:
        verdict.failures.append(f"the report {report} is empty")
        return verdict
    for section in ("vulnerabilities", "anomalies", "additionals"):
        for category, findings in (data.get(section) or {}).items():
            for finding in findings:
                level = int(finding.get("level", 1))
                name = LEVELS.get(level, "critical" if level > 4 else "info")
                verdict.counts[name] += 1
                where = f"{finding.get('method')} {finding.get('path')}"
                parameter = finding.get("parameter")
                line = f"[{name}] {category}: {where}" + (f" ({parameter})" if parameter else "")
                line += f": {finding.get('info')}"
                verdict.findings.append(line)
                if level >= FAIL_AT:
                    verdict.failures.append(line)
    verdict.pages = int(infos.get("crawled_pages_nbr") or 0)
    if verdict.pages < scan.min_pages:
        verdict.failures.append(
            f"the crawl reached {verdict.pages} pages, fewer than {scan.min_pages}: "
            "the session, the links or the server did not work"
        )
    reached = {path for path, status in _crawled(infos) if status == 200}
    for pattern in scan.must_reach:
        if not any(re.fullmatch(pattern, path) for path in reached):
            verdict.failures.append(f"the crawl never had a 200 from {pattern}")
    return verdict


def summary(verdict: Verdict) -> str:
    counts = ", ".join(f"{n} {name}" for name, n in verdict.counts.items())
    state = "passed" if verdict.passed else "FAILED"
    return (
        f"DAST {verdict.scan}: {state}; {verdict.pages} pages crawled in {verdict.seconds:.0f} s; "
        f"findings: {counts}"
    )


# --- The sessions (run in a child process with the scan's settings: --make-sessions) ------------


def make_sessions() -> dict[str, Any]:
    """Cookies for the scans and two fresh links, made through the same functions the pages use.

    - ``staff``: clinician-a signed in, a confirmed TOTP device marked as used this session;
    - ``followup``: a follow-up link opened and its date of birth given (its questions next);
    - ``booking``: a booking link opened and its date of birth given (its appointment page);
    - ``followup_link`` and ``booking_link``: unopened links, for the entry scan to open.
    """
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse
    from django.test import Client
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from spinepath.accounts.models import User
    from spinepath.followup import links, patient_session
    from spinepath.followup.models import TimePoint
    from spinepath.scheduling import messages, patient_views
    from spinepath.scheduling.models import Booking

    at = timezone.now()
    user = User.objects.get(username="clinician-a")
    client = Client()
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="dast", defaults={"confirmed": True}
    )
    staff = client.session
    staff[DEVICE_ID_SESSION_KEY] = device.persistent_id
    staff.save()

    # The open time point with the most questionnaires: the most screens to scan.
    points = TimePoint.objects.filter(completed_at__isnull=True, cancelled_at__isnull=True)
    open_points = [p for p in points.select_related("episode") if p.episode.is_open]
    if not open_points:
        raise SystemExit("the demo has no open follow-up time point to scan")
    point = max(open_points, key=lambda p: (len(p.instruments), -p.pk))
    link, _ = links.issue(point, at=at)
    response = HttpResponse()
    followup = patient_session.start(response, link)
    followup.mark_verified(at)
    patient_session.write_cookie(response, followup)
    followup_cookie = response.cookies[patient_session.COOKIE].value
    _, followup_link = links.issue(point, at=at)

    booking = (
        Booking.objects.filter(status=Booking.Status.BOOKED, session__date__gte=at.date())
        .order_by("session__date", "pk")
        .first()
    )
    if booking is None:
        raise SystemExit("the demo has no future booking to scan")
    token = messages.issue_link(booking, at=at).rsplit("/", 1)[1]
    booked = SessionStore()
    booked[patient_views.TOKEN_KEY] = token
    booked[patient_views.VERIFIED_KEY] = messages.token_hash(token)
    booked.create()
    # A second booking for the entry scan: a new link would stop this one working.
    other = (
        Booking.objects.filter(status=Booking.Status.BOOKED, session__date__gte=at.date())
        .exclude(pk=booking.pk)
        .order_by("session__date", "pk")
        .first()
    )
    if other is None:
        raise SystemExit("the demo has only one future booking; the scans need two")
    booking_link = messages.issue_link(other, at=at)

    # A record of clinician-a's clinic for the forms scan: a referred episode can be assessed.
    from spinepath.patients.models import Episode

    episodes = Episode.objects.filter(patient__clinic=user.clinic).exclude(
        stage=Episode.Stage.DISCHARGED
    )
    episode = (
        episodes.filter(stage=Episode.Stage.REFERRED).order_by("pk").first()
        or episodes.order_by("pk").first()
    )
    if episode is None:
        raise SystemExit("the demo has no open episode in clinician-a's clinic")

    session_cookie = settings.SESSION_COOKIE_NAME
    return {
        "patient": str(episode.patient_id),
        "episode": str(episode.pk),
        "staff": [[session_cookie, staff.session_key, "/"]],
        "followup": [[patient_session.COOKIE, followup_cookie, patient_session.PATH]],
        "booking": [[session_cookie, booked.session_key, "/"]],
        "followup_link": urlsplit(followup_link).path,
        "booking_link": urlsplit(booking_link).path,
    }


# --- The run -------------------------------------------------------------------------------------


def environment(port: int) -> dict[str, str]:
    """Production settings (DEBUG off, Secure cookies, HSTS) with throwaway secrets and data."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    env.update(
        DEBUG="0",
        SPINEPATH_VAR_DIR=str(OUT / "var"),
        SECRET_KEY=secrets.token_urlsafe(50),
        RESEARCH_PSEUDONYM_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL=f"https://127.0.0.1:{port}",
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="spinepath.settings",
        # The sign-in lockout would answer every payload after the 20th failure with the
        # lockout page, leaving the form's handling of the rest untried. The lockout has its
        # own tests (spinepath/accounts/tests).
        AXES_FAILURE_LIMIT="100000",
        SPINEPATH_ADDRESS_FAILURE_LIMIT="100000",
    )
    return env


def run(env: dict[str, str], *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*args], cwd=ROOT, env=env, check=True, text=True, **kwargs)  # nosec B603


def certificate() -> None:
    """A self-signed certificate for 127.0.0.1, for this run only (TLS as in production)."""
    run(
        dict(os.environ),
        *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
        *("-subj", "/CN=127.0.0.1", "-keyout", str(OUT / "key.pem"), "-out", str(OUT / "cert.pem")),
        capture_output=True,
    )


def serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """gunicorn over TLS, returned once the sign-in page answers.

    Threaded workers (2 x 4 threads), where production runs 2 sync workers: a scanner keeps
    connections open between requests, and a sync worker waits on such an idle connection until
    its timeout, so the scans starved (a worker killed every 20 s, requests queued behind it).
    What wapiti judges, the pages, headers and cookies, does not depend on the worker class."""
    with socket.socket() as probe:  # someone else's server there would be scanned instead
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is in use: choose another with --port")
    command = [
        *(str(Path(PYTHON).parent / "gunicorn"), "spinepath.wsgi:application"),
        *(f"--bind=127.0.0.1:{port}", "--workers=2", "--worker-class=gthread", "--threads=4"),
        # Longer than wapiti's request timeout, so a slow page reaches the scanner as slow.
        f"--timeout={REQUEST_TIMEOUT * 2}",
        "--error-logfile=-",
        *(f"--certfile={OUT / 'cert.pem'}", f"--keyfile={OUT / 'key.pem'}"),
    ]
    # The app's own log lines (each 403 and 409 the attacks provoke) go to the same file: in CI
    # they were 800 lines around the five verdicts that matter.
    with (OUT / "gunicorn.log").open("ab") as log:
        process = subprocess.Popen(  # nosec B603
            command, cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=log
        )
    # Our own throwaway certificate, a loopback URL built from an int port (B323, B310).
    insecure = ssl._create_unverified_context()  # nosec B323
    deadline = time.monotonic() + 120  # a loaded machine starts slowly
    while time.monotonic() < deadline and process.poll() is None:
        try:
            urllib.request.urlopen(f"https://127.0.0.1:{port}/login/", timeout=2, context=insecure)  # nosec B310
            return process
        except OSError:
            time.sleep(0.5)
    stop(process)
    raise SystemExit(f"gunicorn did not answer on port {port} (see {OUT / 'gunicorn.log'})")


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def cookie_file(path: Path, cookies: list[list[str]]) -> Path:
    """wapiti's JSON cookie jar: the sessions, and a CSRF secret of our own (Django accepts an
    unmasked one), all Secure as the server's own are."""
    attrs = {"expires": None, "secure": True, "port": None, "version": 0}
    jar: dict[str, dict[str, Any]] = {}
    for name, value, cookie_path in [*cookies, ["csrftoken", secrets.token_hex(16), "/"]]:
        jar.setdefault(cookie_path, {})[name] = {"value": value, **attrs}
    path.write_text(json.dumps({"127.0.0.1": jar}))
    return path


def scan(scan: Scan, port: int, sessions: dict[str, Any], scale: float) -> Verdict:
    """Run wapiti for ``scan`` (its caps times ``scale``) and judge its report."""
    base = f"https://127.0.0.1:{port}"
    out = OUT / scan.name
    out.mkdir()
    cookies = [cookie for name in scan.sessions for cookie in sessions[name]]
    crawl, attack = scan.crawl_seconds * scale, scan.attack_seconds * scale
    command = [
        *(str(WAPITI), "-u", f"{base}/", "--scope", "folder", "--verify-ssl", "0"),
        # Not --drop-set-cookie: in wapiti 3.2.3 it strips every cookie from the requests.
        *("-c", str(cookie_file(out / "cookies.json", cookies))),
        *("--max-scan-time", f"{crawl:g}", "--max-attack-time", f"{attack:g}"),
        *("-t", str(REQUEST_TIMEOUT), "--tasks", "4", "-d", str(scan.depth), "-m", scan.modules),
        *("--max-links-per-page", "60", "--max-files-per-dir", "40"),
        # The fewest variants of one address with other query strings (filters of the outcome
        # pages): each would be attacked again, taking the time of other pages and forms.
        *("-S", "paranoid"),
        *("--flush-session", "--store-session", str(out / "session")),
        *("--store-config", str(out / "config"), "--no-bugreport", "-v", "1"),
        # -dr 1 lists the crawled pages in the report: judge() checks what was reached.
        *("-f", "json", "-o", str(out / "report.json"), "-dr", "1"),
    ]
    for start in scan.start:
        command += ["-s", base + start.format(**sessions)]
    for exclude in scan.exclude:
        command += ["-x", base + exclude]
    began = time.monotonic()
    with (out / "wapiti.log").open("w") as log:
        # Its exit status says nothing about findings; the report is judged instead.
        subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False)  # nosec B603
    verdict = judge(out / "report.json", scan, (out / "wapiti.log").read_text(errors="replace"))
    if "staff" in scan.sessions and (problem := signed_out(port, sessions["staff"])):
        # The crawl reached its pages, but an attack signed the session out: what came after
        # was tried against the sign-in page only.
        verdict.failures.append(f"after the scan the staff session {problem}")
    verdict.seconds = time.monotonic() - began
    return verdict


def signed_out(port: int, cookies: list[list[str]]) -> str:
    """Why these cookies no longer open the dashboard ("" when they do)."""
    header = "; ".join(f"{name}={value}" for name, value, _ in cookies)
    request = urllib.request.Request(f"https://127.0.0.1:{port}/", headers={"Cookie": header})
    insecure = ssl._create_unverified_context()  # nosec B323 - our own throwaway certificate
    try:
        with urllib.request.urlopen(request, timeout=60, context=insecure) as answer:  # nosec B310
            if answer.status == 200 and urlsplit(answer.url).path == "/":
                return ""
            return f"was sent to {urlsplit(answer.url).path} (signed out)"
    except OSError as error:
        return f"could not open the dashboard ({error})"


def prepare(env: dict[str, str], patients: int) -> dict[str, Any]:
    """The demo, its static files and the scans' sessions (static files collected meanwhile)."""
    collect = subprocess.Popen(  # nosec B603
        [PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env
    )
    # migrate's system checks want the static files (spinepath.E002); the scan's own server
    # checks them when it starts.
    run(env, PYTHON, "manage.py", "migrate", "--no-input", "-v0", "--skip-checks")
    seed = ("seed_demo", "--patients", str(patients), "--force", "-v0", "--skip-checks")
    run(env, PYTHON, "manage.py", *seed)
    made = run(env, PYTHON, __file__, "--make-sessions", capture_output=True)
    if collect.wait() != 0:
        raise SystemExit("collectstatic failed")
    certificate()
    return dict(json.loads(made.stdout.strip().splitlines()[-1]))


def stop_on_sigterm() -> None:
    """CI's timeout sends SIGTERM: leave through ``finally`` so the server is stopped too."""

    def leave(signum: int, frame: object) -> None:
        raise SystemExit(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, leave)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--time-scale", type=float, default=1.0, help="multiply every crawl and attack cap"
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--patients", type=int, default=12)
    parser.add_argument("--scans", default=",".join(s.name for s in SCANS))
    parser.add_argument("--make-sessions", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_sessions:
        print(json.dumps(make_sessions()))
        return 0
    if not WAPITI.exists():
        raise SystemExit(f"{WAPITI} is missing: `make dast-tools` installs it")
    stop_on_sigterm()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with (OUT.parent / "dast.lock").open("w") as lock:
        try:  # two runs would share var/dast/ and its database
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit("another DAST run is using var/dast/") from None
        return run_scans(args)


def run_scans(args: argparse.Namespace) -> int:
    shutil.rmtree(OUT, ignore_errors=True)
    (OUT / "var").mkdir(parents=True)
    env = environment(args.port)
    started = time.monotonic()
    sessions = prepare(env, args.patients)
    print(f"DAST: demo ready in {time.monotonic() - started:.0f} s", flush=True)
    chosen = [s for s in SCANS if s.name in args.scans.split(",")]
    server = serve(env, args.port)
    try:
        # At once: the scans wait on the server more than they work, and each is bounded.
        with ThreadPoolExecutor(len(chosen)) as pool:
            verdicts = list(
                pool.map(lambda s: scan(s, args.port, sessions, args.time_scale), chosen)
            )
    finally:
        stop(server)
    for verdict in verdicts:
        for line in verdict.findings:
            print(f"  {line}")
        print(summary(verdict))
        for line in verdict.failures:
            print(f"  FAIL: {line}")
    print(f"DAST took {time.monotonic() - started:.0f} s; reports: {OUT}/<scan>/report.json")
    if all(v.passed for v in verdicts):
        print("DAST passed: nothing of medium severity or above, every scan reached its pages")
        return 0
    print(f"DAST FAILED (wapiti's logs: {OUT}/<scan>/wapiti.log)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
