"""Keep patient identifiers out of logs.

Search forms post their terms, but a mistyped URL or an old bookmark can still carry a query
string; request log lines therefore drop everything after ``?``.
"""

import logging
import re
from collections.abc import Mapping

_QUERY = re.compile(r"\?[^\s\"]*")


def _redact(value: object) -> object:
    return _QUERY.sub("?[redacted]", value) if isinstance(value, str) else value


class RedactQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "?" in record.msg:
            record.msg = _QUERY.sub("?[redacted]", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact(a) for a in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {key: _redact(value) for key, value in record.args.items()}
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "get_full_path"):
            record.request = None  # the default formatter would print the full URL
            record.path = request.path
        return True
