"""The production app (guide.wsgi:app) as gunicorn serves it, plus two response headers for
tests/app/test_multiprocess.py: which worker process answered, and the scheme gunicorn handed to the app
(read before the app's ProxyFix, so it shows gunicorn's own forwarded-header handling)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from guide.wsgi import app as guide_app


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    scheme = environ["wsgi.url_scheme"]

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        return start_response(status, [*headers, ("X-Test-Worker", str(os.getpid())),
                                       ("X-Test-Scheme", scheme)], exc_info)

    return guide_app(environ, start)
