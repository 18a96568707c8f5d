"""DAST: wapiti against a production-like spinepath on 127.0.0.1 (issue 17, item 7).

``make dast`` runs this with the project's virtualenv; wapiti itself lives in ``.venv-dast`` (its
pins clash with the project's). The script

1. builds a throwaway database in ``var/dast/`` (migrate, a small seeded demo), collects static
   files, and signs ``clinician-a`` in in-process, marking the session MFA-verified exactly as a
   real second step would (as ``bench/web.py`` does);
2. serves the app with gunicorn, ``DEBUG`` off, on 127.0.0.1;
3. runs wapiti with that session cookie, bounded by ``--max-scan-time``, writing
   ``var/dast/report.json`` (and ``report.html``);
4. prints the findings by severity and exits 1 if any is medium or above.

Everything it starts is stopped before it exits. Options: ``--seconds`` (scan time), ``--port``,
``--modules`` (wapiti's ``-m``).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import ssl
import subprocess  # nosec B404 - runs our own server and the scanner, fixed argument lists
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
WAPITI = ROOT / ".venv-dast" / "bin" / "wapiti"
OUT = ROOT / "var" / "dast"
# Wapiti's levels: 1 low, 2 medium, 3 high, 4 critical.
LEVELS = {1: "low", 2: "medium", 3: "high", 4: "critical"}
FAIL_AT = 2


def environment(port: int) -> dict[str, str]:
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
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)  # nosec B603


SESSION_SCRIPT = """
from django.conf import settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from spinepath.accounts.models import User

user = User.objects.get(username="clinician-a")
client = Client()
client.force_login(user)
device, _ = TOTPDevice.objects.get_or_create(user=user, name="dast", defaults={"confirmed": True})
session = client.session
session[DEVICE_ID_SESSION_KEY] = device.persistent_id
session.save()
print(settings.SESSION_COOKIE_NAME + "=" + client.cookies[settings.SESSION_COOKIE_NAME].value)
"""


def staff_session(env: dict[str, str]) -> str:
    done = subprocess.run(  # nosec B603
        [PYTHON, "manage.py", "shell", "-c", SESSION_SCRIPT],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1]


def certificate() -> None:
    """A self-signed certificate for 127.0.0.1, made with openssl, for this run only."""
    subprocess.run(  # nosec B603 B607
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(OUT / "key.pem"),
            "-out",
            str(OUT / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )


def serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [
        str(Path(PYTHON).parent / "gunicorn"),
        "spinepath.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        "--workers=2",
        "--timeout=60",
        f"--error-logfile={OUT / 'gunicorn.log'}",
        # TLS as in production (a throwaway self-signed certificate): Secure cookies, HSTS.
        f"--certfile={OUT / 'cert.pem'}",
        f"--keyfile={OUT / 'key.pem'}",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # nosec B603
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            # Loopback URL built from an int port, our own throwaway certificate (B310, B323).
            insecure = ssl._create_unverified_context()  # nosec B323
            urllib.request.urlopen(  # nosec B310
                f"https://127.0.0.1:{port}/login/", timeout=1, context=insecure
            )
            return process
        except OSError:
            time.sleep(0.5)
    stop(process)
    raise SystemExit(f"the server did not answer on port {port} within 120 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def cookie_file(cookie: str) -> Path:
    name, value = cookie.split("=", 1)
    attrs = {"expires": None, "secure": True, "port": None, "version": 0}
    jar = {
        "127.0.0.1": {
            "/": {
                name: {"value": value, **attrs},
                "csrftoken": {"value": secrets.token_hex(16), **attrs},
            }
        }
    }
    path = OUT / "cookies.json"
    path.write_text(json.dumps(jar))
    return path


def scan(port: int, cookie: str, seconds: int, modules: str | None, fmt: str) -> Path:
    base = f"https://127.0.0.1:{port}/"
    report = OUT / f"report.{fmt}"
    command = [
        str(WAPITI),
        "-u",
        base,
        "--scope",
        "folder",
        # The signed-in session and a CSRF secret of our own (Django accepts an unmasked one).
        # Not --drop-set-cookie: in wapiti 3.2.3 it strips every cookie from the requests.
        "-c",
        str(cookie_file(cookie)),
        "--verify-ssl",
        "0",
        # Signing out would end the scan's session; the MFA pages would re-enrol the user.
        "-x",
        f"{base}logout/*",
        "-x",
        f"{base}accounts/mfa/*",
        "-x",
        f"{base}mfa/*",
        "--max-scan-time",
        str(seconds),
        "--max-attack-time",
        str(max(10, seconds // 10)),
        "--max-links-per-page",
        "40",
        "--max-files-per-dir",
        "40",
        "-d",
        "3",
        "--flush-session",
        "--store-session",
        str(OUT / "session"),
        "--store-config",
        str(OUT / "config"),
        "-f",
        fmt,
        "-o",
        str(report),
        "--no-bugreport",
        "-v",
        "1",
    ]
    if modules:
        command += ["-m", modules]
    subprocess.run(command, cwd=ROOT, check=True)  # nosec B603
    return report


def summarise(report: Path) -> int:
    data = json.loads(report.read_text())
    counts: dict[str, int] = {name: 0 for name in LEVELS.values()}
    serious: list[str] = []
    for section in ("vulnerabilities", "anomalies"):
        for category, findings in data.get(section, {}).items():
            for finding in findings:
                level = int(finding.get("level", 1))
                counts[LEVELS.get(level, "low")] += 1
                where = f"{finding.get('method')} {finding.get('path')}"
                line = f"[{LEVELS.get(level, level)}] {category}: {where} {finding.get('info')}"
                print(line)
                if level >= FAIL_AT:
                    serious.append(line)
    info = data.get("infos", {})
    print(
        f"DAST: {json.dumps(counts)}; scan {info.get('scope')} of {info.get('target')}, "
        f"crawled {info.get('crawled_pages_nbr', '?')} pages"
    )
    if serious:
        print(f"DAST FAILED: {len(serious)} finding(s) of medium severity or above")
        return 1
    print("DAST passed: nothing of medium severity or above")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=240, help="wapiti --max-scan-time")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--patients", type=int, default=12)
    parser.add_argument("--modules", default=None, help="wapiti -m (default: its common set)")
    args = parser.parse_args()
    if not WAPITI.exists():
        raise SystemExit(f"{WAPITI} is missing: run `make dast`, which installs it")
    if OUT.exists():
        subprocess.run(["rm", "-rf", str(OUT)], check=True)  # nosec B603 B607
    (OUT / "var").mkdir(parents=True)
    env = environment(args.port)
    started = time.monotonic()
    manage(env, "collectstatic", "--no-input", "-v0")
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "seed_demo", "--patients", str(args.patients), "--force", "-v0")
    cookie = staff_session(env)
    certificate()
    server = serve(env, args.port)
    try:
        report = scan(args.port, cookie, args.seconds, args.modules, "json")
    finally:
        stop(server)
    status = summarise(report)
    print(f"DAST took {time.monotonic() - started:.0f} s (report: {report})")
    return status


if __name__ == "__main__":
    sys.exit(main())
