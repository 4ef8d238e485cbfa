"""Bytes over the wire (compressed, headers included) for guide pages, served by gunicorn.

First load = the HTML page + every stylesheet and script it references; a later page = its HTML alone
(static files carry a week-long Cache-Control and are already in the phone's cache).
Targets: first load ≤ 35 KB (a stage page ≤ 12 KB), later page ≤ 12 KB.
Usage: .venv/bin/python bench/page_weight.py [--root /tmp/before]   (--root: another checkout of the code)
"""

from __future__ import annotations

import argparse
import http.client
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import gunicorn_process  # noqa: E402
from guide.core.content import load_flow_structures, load_journey, load_language  # noqa: E402

ACCEPT = {"Accept-Encoding": "gzip, deflate, br", "User-Agent": "bench"}


def fetch(base: str, path: str, lang: str) -> tuple[int, str, dict[str, str]]:
    """(bytes on the wire, decoded body for HTML, headers)."""
    parsed = urlparse(base)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    conn.request("GET", path, headers={**ACCEPT, "Cookie": f"lang={lang}"})
    response = conn.getresponse()
    body = response.read()
    status_line = f"HTTP/1.1 {response.status} {response.reason}\r\n"
    header_bytes = len(status_line) + sum(len(f"{k}: {v}\r\n") for k, v in response.getheaders()) + 2
    headers = {k.lower(): v for k, v in response.getheaders()}
    conn.close()
    text = ""
    if headers.get("content-type", "").startswith("text/html"):
        text = _decode(body, headers.get("content-encoding"))
    return header_bytes + len(body), text, headers


def _decode(body: bytes, encoding: str | None) -> str:
    if encoding == "br":
        import brotli

        body = brotli.decompress(body)
    elif encoding == "gzip":
        import gzip

        body = gzip.decompress(body)
    return body.decode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", type=Path, default=None, help="measure another checkout of the code")
    args = parser.parse_args()
    stages = [s["slug"] for s in load_journey()]
    pages = sorted(load_language("fr").pages)
    urls = (["/", "/journey", "/glossary", "/flows"] + [f"/journey/{s}" for s in stages]
            + [f"/pages/{p}" for p in pages] + [f"/flows/{f}" for f in sorted(load_flow_structures())]
            + ["/flows/proposal?rank=2&visited=yes&visit_date=2026-11-20"])
    worst_first = worst_later = worst_stage = (0, "")
    root = args.root.resolve() if args.root else Path(__file__).resolve().parent.parent
    with gunicorn_process(workers=2, root=root) as (base, _process):
        print(f"{'lang':4} {'page':58} {'html':>7} {'assets':>7} {'first':>7}")
        for lang in ("fr", "ar", "en", "tr", "pt"):
            for url in urls:
                html_bytes, text, _ = fetch(base, url, lang)
                assets = re.findall(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"', text)
                asset_bytes = sum(fetch(base, a, lang)[0] for a in assets)
                first = html_bytes + asset_bytes
                worst_first = max(worst_first, (first, f"{lang} {url}"))
                worst_later = max(worst_later, (html_bytes, f"{lang} {url}"))
                if url.startswith("/journey/"):
                    worst_stage = max(worst_stage, (first, f"{lang} {url}"))
                print(f"{lang:4} {url[:58]:58} {html_bytes:7} {asset_bytes:7} {first:7}")
    print()
    print(f"largest first load: {worst_first[0] / 1024:.1f} KB ({worst_first[1]})  target ≤ 35 KB")
    print(f"largest stage page, first load: {worst_stage[0] / 1024:.1f} KB ({worst_stage[1]})  target ≤ 12 KB")
    print(f"largest later page: {worst_later[0] / 1024:.1f} KB ({worst_later[1]})  target ≤ 12 KB")


if __name__ == "__main__":
    main()
