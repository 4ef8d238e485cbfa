"""The minimal-Flask floor for bench/floor.py: one Flask app that returns stored bytes, nothing else.

It serves the exact responses the product gave (gzipped HTML, same Content-Type), read once from FLOOR_DIR at
import: the difference to the product is the product's own work (routing is the same Flask, the server is the
same gunicorn with gunicorn.conf.py). FLOOR_DIR/index.tsv lists "path<TAB>file<TAB>content-type" per line.

    FLOOR_DIR=/tmp/x gunicorn -c gunicorn.conf.py bench._floor_app:app
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, abort, request

app = Flask(__name__)
_DIR = Path(os.environ.get("FLOOR_DIR", "."))
_PAGES: dict[str, tuple[bytes, str]] = {}
for line in (_DIR / "index.tsv").read_text().splitlines() if (_DIR / "index.tsv").exists() else []:
    path, name, content_type = line.split("\t")
    _PAGES[path] = ((_DIR / name).read_bytes(), content_type)


@app.get("/<path:_any>")
@app.get("/")
def page(_any: str = "") -> Response:
    found = _PAGES.get(request.path)
    if found is None:
        abort(404)
    body, content_type = found
    return Response(body, content_type=content_type, headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
