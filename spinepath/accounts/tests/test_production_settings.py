"""With DEBUG off the one settings module is production-safe: `check --deploy` is silent."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

# Nothing from the developer's or the test runner's environment leaks in (conftest sets
# DJANGO_ALLOW_ASYNC_UNSAFE, which --deploy rightly reports).
PRODUCTION_ENV_NAMES = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "SECURE_SSL_REDIRECT",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def _manage(*args, tmp_path, **env):
    base = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV_NAMES}
    base |= {"DJANGO_SETTINGS_MODULE": "spinepath.settings", "SPINEPATH_VAR_DIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    production = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "spinepath.example.org",
    }
    # With DEBUG off the static files must be collected first (start-up says so otherwise).
    collected = _manage("collectstatic", "--no-input", "-v0", tmp_path=tmp_path, **production)
    assert collected.returncode == 0, collected.stderr
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        tmp_path=tmp_path,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="spinepath.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_notices_a_weak_production_setting(tmp_path):
    # The test above proves nothing if --deploy were silent anyway: a weak key must be reported.
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        tmp_path=tmp_path,
        DEBUG="0",
        SECRET_KEY="short",
        ALLOWED_HOSTS="spinepath.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout


def test_start_up_fails_clearly_without_a_secret_key_when_debug_is_off(tmp_path):
    result = _manage(
        "check",
        tmp_path=tmp_path,
        DEBUG="0",
        ALLOWED_HOSTS="spinepath.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
