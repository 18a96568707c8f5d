"""Set-up: DEBUG is off unless asked for, start-up without collected static files stops with a
clear message, the API docs are served from our own files behind the staff login, and the
packaging metadata is current."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

ROOT = Path(settings.BASE_DIR)
LEAKY = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")


def _run(code_or_args: list[str], tmp: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in LEAKY}
    base |= {"DJANGO_SETTINGS_MODULE": "spinepath.settings", "SPINEPATH_VAR_DIR": str(tmp)}
    return subprocess.run(
        [sys.executable, *code_or_args],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def _production(tmp: Path) -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "spinepath.example.org",
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
    }


def test_debug_is_off_unless_asked_for(tmp_path):
    show = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    assert _run(["-c", show], tmp_path, **_production(tmp_path)).stdout.strip() == "False"
    on = _run(["-c", show], tmp_path, DEBUG="1")
    assert on.stdout.strip() == "True", on.stderr


def test_make_run_turns_debug_on_for_development():
    makefile = (ROOT / "Makefile").read_text()
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "DEBUG=1" in run
    assert "make run PORT=8001" in (ROOT / "README.md").read_text()


@pytest.fixture(scope="module")
def uncollected(tmp_path_factory):
    return tmp_path_factory.mktemp("uncollected")


def test_start_up_without_collected_static_files_stops_with_the_reason(uncollected):
    env = _production(uncollected)
    check = _run(["manage.py", "check"], uncollected, **env)
    assert check.returncode != 0
    assert "spinepath.E002" in check.stderr
    assert "collectstatic" in check.stderr
    # A production server (WSGI) runs no system checks, so the app itself refuses to load.
    served = _run(["-c", "import spinepath.wsgi"], uncollected, **env)
    assert served.returncode != 0
    assert "ImproperlyConfigured" in served.stderr and "collectstatic" in served.stderr


def test_after_collectstatic_pages_are_served_with_debug_off(tmp_path):
    env = _production(tmp_path)
    collect = _run(["manage.py", "collectstatic", "--no-input", "-v0"], tmp_path, **env)
    assert collect.returncode == 0, collect.stderr
    assert (tmp_path / "static" / "staticfiles.json").is_file()
    assert _run(["manage.py", "check"], tmp_path, **env).returncode == 0
    assert _run(["manage.py", "migrate", "-v0"], tmp_path, **env).returncode == 0
    fetch = (
        "from spinepath.wsgi import application\n"
        "from django.test import Client\n"
        "r = Client().get('/login/', secure=True, HTTP_HOST='spinepath.example.org')\n"
        "print(r.status_code, '/static/css/spinepath.' in r.content.decode())\n"
    )
    served = _run(["-c", fetch], tmp_path, **env)
    assert served.stdout.strip() == "200 True", served.stderr


def test_the_api_docs_need_a_staff_login(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=/api/v1/docs")


def test_the_api_docs_load_swagger_ui_from_our_own_static_files(client, clinician_a):
    client.force_login(clinician_a)
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "/static/vendor/swagger-ui/swagger-ui.css" in page
    assert "cdn" not in page.lower() and "https://" not in page
    for name in ("vendor/swagger-ui/swagger-ui-bundle.js", "vendor/swagger-ui/swagger-ui.css"):
        assert finders.find(name), name
    # The OpenAPI document stays public: it is the contract, and holds no patient data.
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_no_template_or_static_file_loads_anything_from_a_cdn():
    for folder in (ROOT / "templates", ROOT / "static"):
        for path in folder.rglob("*"):
            if "vendor" in path.parts:
                continue
            if path.is_file() and path.suffix in {".html", ".css", ".js"}:
                text = path.read_text(encoding="utf-8")
                assert "cdn." not in text and "//unpkg" not in text, path


def test_the_licence_is_an_spdx_string_for_current_setuptools():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "AGPL-3.0-or-later"
    assert "setuptools>=77" in project["build-system"]["requires"]
