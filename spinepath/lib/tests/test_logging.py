"""Request log lines never carry a query string, where a name or NHS number could hide."""

import io
import logging
from collections.abc import Iterator

import pytest

from spinepath.lib.logging import RedactQueryStrings


def _record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return record


def _formatted(record: logging.LogRecord) -> str:
    assert RedactQueryStrings().filter(record) is True
    return record.getMessage()


def test_it_strips_the_query_string_from_a_request_line() -> None:
    # The shape of django.server's lines: '"%s" %s %s' % (request line, status, size).
    record = _record('"%s" %s %s', "GET /patients/?q=Mary+Jones&nhs=9434765919 HTTP/1.1", 200, 5)
    assert _formatted(record) == '"GET /patients/?[redacted] HTTP/1.1" 200 5'


def test_it_strips_a_query_string_written_into_the_message() -> None:
    record = _record("Not Found: /patients/?dob=17/05/1970 from 192.0.2.1")
    assert _formatted(record) == "Not Found: /patients/?[redacted] from 192.0.2.1"


def test_it_strips_query_strings_from_named_arguments() -> None:
    record = _record("%(url)s took %(ms)d ms", {"url": "/search/?q=Jones", "ms": 12})
    assert _formatted(record) == "/search/?[redacted] took 12 ms"


def test_it_leaves_lines_without_a_query_string_alone() -> None:
    record = _record('"%s" %s %s', "GET /patients/ HTTP/1.1", 200, 5)
    assert _formatted(record) == '"GET /patients/ HTTP/1.1" 200 5'


class FakeRequest:
    path = "/patients/"

    def get_full_path(self) -> str:
        return "/patients/?q=Mary+Jones"


def test_it_replaces_an_attached_request_with_its_path() -> None:
    record = _record("Bad request", request=FakeRequest())
    _formatted(record)
    assert record.__dict__["request"] is None
    assert record.__dict__["path"] == "/patients/"


@pytest.fixture
def server_log() -> Iterator[io.StringIO]:
    """What the configured django.server handler writes, captured."""
    handlers = [h for h in logging.getLogger("django.server").handlers if h.filters]
    assert handlers, "django.server has no filtered handler: is LOGGING applied?"
    handler = handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_the_configured_server_log_is_redacted(server_log: io.StringIO) -> None:
    logging.getLogger("django.server").info(
        '"%s" %s %s', "GET /api/v1/patients?q=9434765919 HTTP/1.1", "200", "512"
    )
    assert server_log.getvalue() == '"GET /api/v1/patients?[redacted] HTTP/1.1" 200 512\n'
