"""Forwarded headers: believed only from the reverse proxies GUIDE_PROXY_HOPS counts, and only through ProxyFix.

Whatever ProxyFix does not take is removed before the app sees the request: flask-talisman would otherwise read a
client's own `X-Forwarded-Proto: https` as proof of TLS (no redirect to https, an HSTS header over plain HTTP).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# every header a library might read the client's scheme, address, host or prefix from
FORWARDED = ("HTTP_FORWARDED", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
             "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX", "HTTP_X_FORWARDED_SSL", "HTTP_X_FORWARDED_PROTOCOL",
             "HTTP_X_FORWARDED_SCHEME", "HTTP_X_URL_SCHEME", "HTTP_FRONT_END_HTTPS", "HTTP_X_REAL_IP")


def trust_proxies(wsgi_app: WSGIApplication, hops: int) -> WSGIApplication:
    """The app behind `hops` trusted proxies: ProxyFix takes the values they added (the rightmost ones), then the
    forwarded headers are dropped, so nothing further down can believe a value a client wrote. With 0 hops they are
    dropped at once: the app faces clients and the connection alone says what the scheme and address are."""

    def without_forwarded_headers(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        for key in FORWARDED:
            environ.pop(key, None)
        return wsgi_app(environ, start_response)

    if hops > 0:
        return ProxyFix(without_forwarded_headers, x_for=hops, x_proto=hops, x_host=hops)
    return without_forwarded_headers
