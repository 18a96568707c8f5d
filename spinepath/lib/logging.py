"""Keep patient identifiers out of logs.

Search forms post their terms, but a mistyped URL or an old bookmark can still carry a query
string; request log lines therefore drop everything after ``?``.
"""

import logging
import re

_QUERY = re.compile(r"\?[^\s\"]*")


class RedactQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "?" in record.msg:
            record.msg = _QUERY.sub("?[redacted]", record.msg)
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(
                _QUERY.sub("?[redacted]", a) if isinstance(a, str) else a for a in record.args
            )
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "get_full_path"):
            record.request = None  # the default formatter would print the full URL
            record.path = request.path
        return True
