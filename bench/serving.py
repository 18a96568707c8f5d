"""What the wrk benches share: the bench's environment, seeding a throwaway demo, serving it with
the production server, and reading the served workers' memory and CPU from ``/proc``.

``bench/web.py`` (pages under load) and ``bench/load.py`` (B1, B2, the soak) both use it, so the
two serve and seed the demo the same way: the production settings with DEBUG off, collected static
files, gunicorn (or granian) on loopback, a throwaway database (SQLite under ``var/bench/``, or
the PostgreSQL database the URL names, dropped and recreated).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BENCH_VAR = ROOT / "var" / "bench"


def environment(database_url: str) -> dict[str, str]:
    """The production settings as ``make serve-prod`` needs them, on loopback without TLS."""
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY="bench-only-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SPINEPATH_VAR_DIR=str(BENCH_VAR),
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="spinepath.settings",
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def fresh_database(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        path = Path(database_url.split("sqlite:///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg

    name = database_url.rsplit("/", 1)[1].split("?", 1)[0]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def seed(env: dict[str, str], database_url: str, patients: int, today: str) -> float:
    """A new database with the demo of ``patients`` patients; the seeding's wall time (s)."""
    fresh_database(database_url)
    manage(env, "collectstatic", "--no-input", "-v0")  # DEBUG off refuses to start without it
    manage(env, "migrate", "--no-input", "-v0")
    started = time.perf_counter()
    manage(
        env,
        "seed_demo",
        "--patients",
        str(patients),
        "--force",
        *(["--today", today] * bool(today)),
    )
    return time.perf_counter() - started


def bring_along(env: dict[str, str]) -> None:
    """A reused database: the code may have moved on since the seeding, so the schema and the
    static files follow it."""
    manage(env, "collectstatic", "--no-input", "-v0")
    manage(env, "migrate", "--no-input", "-v0")


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def serve(
    env: dict[str, str],
    port: int,
    workers: int,
    *,
    server: str = "gunicorn",
    settings_module: str | None = None,
) -> subprocess.Popen[bytes]:
    """The production server on ``127.0.0.1:port``, once it answers. Any HTTP status will do
    (the load bench's reference server has no login page); a port someone else already serves
    is refused, or their server would be measured instead."""
    if server == "gunicorn":
        command = [
            str(Path(PYTHON).parent / "gunicorn"),
            "spinepath.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--access-logfile=-" if env.get("BENCH_ACCESS_LOG") else "--error-logfile=-",
        ]
    else:
        command = [
            str(Path(PYTHON).parent / "granian"),
            "--interface=wsgi",
            "--host=127.0.0.1",
            f"--port={port}",
            f"--workers={workers}",
            "--no-ws",
            "--log-level=warning",
            "spinepath.wsgi:application",
        ]
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is in use: choose another with --port")
    # The environment's own settings unless the caller names others (the load bench's reference).
    env = {**env, "DJANGO_SETTINGS_MODULE": settings_module or env["DJANGO_SETTINGS_MODULE"]}
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 120  # a loaded machine boots slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{server} stopped before answering (exit {process.returncode})")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)
            return process
        except urllib.error.HTTPError:
            return process
        except OSError:
            time.sleep(0.3)
    stop(process)
    settings = env["DJANGO_SETTINGS_MODULE"]
    raise RuntimeError(f"{server} ({settings}) did not answer on port {port} within 120 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """The server and its workers (its own process group), at once, or killed after 10 s."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to check, not one to follow (a login redirect benches nothing)."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


# --- The served workers, from /proc ---------------------------------------------------------------


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
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:  # the worker has just gone
        return 0
    for line in lines:
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def workers_rss(master: int) -> dict[int, int]:
    """Each worker's resident memory (KiB), by process id."""
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
