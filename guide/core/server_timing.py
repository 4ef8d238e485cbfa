"""Server-Timing measured around the whole WSGI call: routing, hooks, the view, rendering, compression, security
headers and the session cookie — everything the app does before the first byte leaves, even a page served from
the page cache. (Request hooks would miss what runs after them: 40-50 % of a guide page's cost.)

Off by default (GUIDE_SERVER_TIMING=true for benchmarks): it tells every visitor how long each page took, which can
hint at what the server found (a known number, a valid code)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class ServerTiming:
    """WSGI middleware adding `Server-Timing: app;dur=<ms>` (time from the call to the response's headers)."""

    def __init__(self, wsgi_app: WSGIApplication, enabled: Callable[[], bool]) -> None:
        self.wsgi_app = wsgi_app
        self.enabled = enabled  # read on each request (the setting can be switched in a running app's config)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if not self.enabled():
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()

        def timed(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            headers.append(("Server-Timing", f"app;dur={(time.perf_counter() - started) * 1000:.2f}"))
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return self.wsgi_app(environ, timed)
