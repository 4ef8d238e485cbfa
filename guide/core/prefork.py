"""What gunicorn's master does around forking its workers, called by gunicorn.conf.py's hooks: one copy in memory of
what every worker needs, the housing benefit model included.

The workers are forks of the master after it imported and built the app (preload_app): the imported code is one
copy, shared copy-on-write as long as no process writes to its pages. Python's cyclic garbage collector writes into
every object it visits, so a worker's first full collection would copy most of the master's pages into the worker.
As the gc module's documentation recommends, gunicorn.conf.py keeps the collector off while the master imports (so
freed objects leave no holes a worker would fill), freezes what the master holds before it forks (gc.freeze: no
collection visits those objects again), and each worker turns the collector back on.

The OpenFisca model (~110 MB and seconds of CPU, core/housing_benefit.py) is shared the same way: loaded once, in the
master, instead of once in each worker and again in each worker gunicorn recycles (max_requests). Not before the
first workers are forked, so that the first page does not wait for it: the master forks them, loads the model in a
thread while they serve pages (their estimate says "loading", as during any warm-up; they never load it themselves),
then asks gunicorn for new workers (SIGHUP: with preload_app, gunicorn forks new workers from the master as it now
is, model included, and stops the old ones once they have answered). No fork happens while the thread loads (the
fork gate below): a child forked in the middle of an import would inherit locks no thread of its own holds.
bench/cold_start.py measures the start and each worker's memory (RSS, and USS/PSS, which count shared pages once).
"""

from __future__ import annotations

import gc
import os
import signal
import threading
import time
from typing import Any

from flask import Flask

from guide.core import housing_benefit
from guide.core.extensions import db

_fork_gate = threading.Lock()
_gate_installed = False
_model_from_master = False  # the master loads the model: workers forked before it is loaded wait to be replaced


def _install_fork_gate() -> None:
    """Every os.fork() in this process waits while the gate is held (by the thread loading the model)."""
    global _gate_installed
    if not _gate_installed:
        os.register_at_fork(before=_fork_gate.acquire, after_in_parent=_fork_gate.release,
                            after_in_child=_fork_gate.release)
        _gate_installed = True


def load_model_for_workers(server: Any) -> None:
    """In the master, once the app is built and before the first fork (gunicorn's when_ready)."""
    global _model_from_master
    if housing_benefit.ready():
        gc.enable()
        return
    _install_fork_gate()
    _model_from_master = True
    threading.Thread(target=_load_then_renew_workers, args=(server,), name="openfisca-master", daemon=True).start()


def _load_then_renew_workers(server: Any) -> None:
    global _model_from_master
    while len(server.WORKERS) < server.num_workers:  # the first workers are forked first: they serve pages meanwhile
        time.sleep(0.05)
    started = time.monotonic()
    try:
        with _fork_gate:
            housing_benefit.load()
            gc.freeze()  # the model too
    except Exception:  # noqa: BLE001 - the new workers then load it themselves, as without a master copy
        _model_from_master = False
        server.log.exception("the housing benefit model could not be loaded in the master")
    else:
        server.log.info("housing benefit model %s in the master in %.1f s; new workers share it",
                        "loaded" if housing_benefit.ready() else "not available", time.monotonic() - started)
    finally:
        gc.enable()
    os.kill(os.getpid(), signal.SIGHUP)  # new workers forked from the master as it is now; the old ones stop


def serve_a_first_page(app: Flask) -> None:
    """Serve the guide's home page once, in the process that imports the app (gunicorn's master, before the forks).

    A process's first page builds what every later page reuses: the compiled templates of the layout, the French
    catalogue and locale data, the site's version for the page cache. Built here, it is one copy shared by every
    worker instead of one in each (~14 MB a worker, bench/cold_start.py), and a worker's first page is no slower
    than its others; the start takes the same time, as a first page was on its way anyway. The guide's pages read no
    database; whatever pool a page opened is closed, so that no worker inherits another's connection."""
    try:
        with app.test_client() as client:
            client.get("/", headers={"Accept-Encoding": "br, gzip"})
    except Exception:  # noqa: BLE001 - a warm-up is worth no failed start: the workers build it themselves
        app.logger.exception("the first page could not be served before the workers start")
    finally:
        with app.app_context():
            db.engine.dispose()


def worker_forked() -> None:
    """In each worker, just after the fork (gunicorn's post_fork)."""
    if _model_from_master:
        housing_benefit.leave_to_parent()  # no-op once the master holds the model
