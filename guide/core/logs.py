"""Structured logs (GUIDE_LOG_JSON=true): one JSON object per line for the `guide` loggers and the warnings of
the libraries listed in LIBRARY_LOGGERS.

Only what the code logs goes out (time, level, logger, message, the proxy's request id): no request bodies, and
the SMS code masks phone numbers (`mask_number`) and never logs message texts outside the `log` backend.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from flask import has_request_context, request

REQUEST_ID_HEADERS = ("X-Request-ID", "X-Correlation-ID")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def mask_number(number: str | None) -> str:
    """+33612345678 -> +33******78: enough to tell messages apart, not to call anyone (nor its length)."""
    if not number:
        return ""
    if len(number) <= 6:
        return "******"
    return number[:3] + "******" + number[-2:]


def request_id() -> str | None:
    """The id the reverse proxy gave this request (nginx `$request_id`), if it looks like one."""
    if not has_request_context():
        return None
    for header in REQUEST_ID_HEADERS:
        value = request.headers.get(header, "")
        if _REQUEST_ID.match(value):
            return value
    return None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = request_id()
        if rid:
            entry["request_id"] = rid
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class JsonHandler(logging.StreamHandler[TextIO]):
    """Marks the handler this module installed, so a second app in the same process does not add another."""


#: Libraries whose operational warnings belong in the same stream, and the least level taken from each.
#: Flask-Limiter: "storage unreachable, falling back to in-memory" and errors it swallowed are WARNING and above;
#: its INFO line on each refused request carries the limit's key (an IP address or a phone number): left out.
LIBRARY_LOGGERS = {"flask-limiter": logging.WARNING}


def configure_json_logging(level: int = logging.INFO) -> logging.Handler:
    handler = JsonHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name, least in {"guide": level, **LIBRARY_LOGGERS}.items():
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            if isinstance(old, JsonHandler):
                logger.removeHandler(old)
        logger.addHandler(handler)
        logger.setLevel(max(level, least))
        logger.propagate = False  # no second, plain-text copy through the root logger
    return handler
