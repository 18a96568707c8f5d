"""A PostgreSQL restart between requests costs no request after it: the persistent connection is
health-checked when a request starts and reopened when the server has dropped it.

Restarting the server itself would cut every other test worker's connections too, so the test
does to this process's connection exactly what a restart does to it: the server ends it
(``pg_terminate_backend`` from a second connection), between two requests served by Django's
own WSGI handler in this thread, as a gunicorn worker serves them.
"""

from __future__ import annotations

import io

import psycopg
import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's connections"),
]


def _serve(handler: WSGIHandler, path: str, cookie: str) -> int:
    status: list[str] = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "HTTP_COOKIE": cookie,
        "wsgi.input": io.BytesIO(),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
    }
    body = handler(environ, lambda s, headers, exc_info=None: status.append(s))
    b"".join(body)
    body.close()
    return int(status[0].split()[0])


def _kill(pid: int) -> None:
    db = settings.DATABASES["default"]
    with psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        user=db["USER"],
        host=db["HOST"],
        port=db["PORT"] or 5432,
        password=db["PASSWORD"] or None,
        autocommit=True,
    ) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)


def test_every_request_after_the_server_drops_the_connection_succeeds(clinician_a, patient_a):
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    client = Client()
    client.force_login(clinician_a)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    handler = WSGIHandler()
    page = f"/patients/{patient_a.pk}/"
    assert _serve(handler, page, cookie) == 200
    connection.ensure_connection()
    before = connection.connection.info.backend_pid
    _kill(before)
    for _ in range(3):
        assert _serve(handler, page, cookie) == 200
    assert connection.connection.info.backend_pid != before
