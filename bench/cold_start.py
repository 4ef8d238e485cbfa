"""Cold start and memory: time from launching gunicorn (gunicorn.conf.py) to the first 200 of a guide page, and the
memory of each worker once the server has settled (the housing benefit model loaded wherever the settings load it)
and has served every guide page in every language and simulator pages with an estimate.

Memory per process: RSS counts every page the process maps, shared or not; USS only the pages no other process
has (what stopping it would give back); PSS shares each shared page among the processes that map it (the sum of
the PSS of the master and its workers is the server's real footprint). Read with psutil's memory_full_info.

Compared with the minimal Flask app of bench/floor.py (bench/_floor_app.py: the same gunicorn and settings, a page
from memory, no housing benefit model) and, with --baseline, another checkout of the code (e.g. the commit before a
change: `git archive <commit> | tar -x -C /tmp/before` and `pybabel compile -d /tmp/before/translations`). The
schema is brought up to date and each checkout's bytecode compiled before the clock starts (a migration is not part
of a start; the image compiles its bytecode: Dockerfile). Each server is started --runs times in turn; the table
gives the median and the spread.

Usage: .venv/bin/python bench/cold_start.py [--runs 5] [--baseline /tmp/before] [--no-model]
Targets: first response ≤ 1 s; ≤ 80 MB per worker.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from bench._server import free_port, settle  # noqa: E402
from guide.core.content import load_flow_structures, load_journey, load_language  # noqa: E402

BIN = Path(sys.executable).parent


def first_200(port: int, path: str, deadline: float) -> None:
    while time.perf_counter() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status == 200:
                return
        except OSError:
            pass
        time.sleep(0.005)
    raise RuntimeError(f"no 200 on {path} in time")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (robust to other work on a shared machine, unlike wall time)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(process: psutil.Process) -> tuple[float, float, float]:
    """RSS, USS and PSS of one process, in MB."""
    info = process.memory_full_info()
    return info.rss / 2**20, info.uss / 2**20, info.pss / 2**20


def get(port: int, path: str, headers: dict[str, str] | None = None) -> bytes:
    """A new connection per request, so that every worker gets its share (a kept-alive one stays with one)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers or {})
    body = conn.getresponse().read()
    conn.close()
    return body


SIMULATOR = {"people": "4", "resources": "1800", "adults": "2", "children": "2", "rent_now": "550",
             "commune_now": "Lille", "rent_new": "600", "commune_new": "Roubaix", "hlm_new": "1"}


IMPORT = ("import gc, sys, time\n"
          "if sys.argv[1] == 'off': gc.disable()\n"
          "started = time.process_time()\n"
          "import guide.wsgi\n"
          "print(time.process_time() - started)\n")


def import_cpu(root: Path, env: dict[str, str], collector: str) -> float:
    """CPU seconds a fresh interpreter spends importing guide.wsgi (the app built, a first page served in the
    newest code): the master's part of a start, without gunicorn, the forks or the exit."""
    done = subprocess.run([sys.executable, "-c", IMPORT, collector], cwd=root, env=env, check=True,
                          capture_output=True, text=True)
    return float(done.stdout.split()[-1])


class Run:
    def __init__(self, cold: float, cpu: float, settled: float, workers: list[tuple[float, float, float]],
                 master: tuple[float, float, float], estimates: int) -> None:
        self.cold, self.cpu, self.settled, self.workers, self.master = cold, cpu, settled, workers, master
        self.estimates = estimates


def start(kind: str, root: Path, env: dict[str, str], path: str, urls: list[str], estimates: int) -> Run:
    port = free_port()
    app = "bench._floor_app:app" if kind == "flask" else "guide.wsgi:app"
    began = time.perf_counter()
    process = subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", app], cwd=root,
                               env={**env, "GUIDE_BIND": f"127.0.0.1:{port}"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        first_200(port, path, began + 60)
        cold = time.perf_counter() - began
        cpu = cpu_seconds(process.pid)  # the master imported and built the app (preload_app), then forked
        master = psutil.Process(process.pid)
        settled = settle(master, began)
        for _ in range(2):  # every page in every language, twice
            for url in urls:
                for lang in ("fr", "ar", "en", "tr", "pt"):
                    get(port, url, {"Cookie": f"lang={lang}", "Accept-Encoding": "br, gzip"})
        answered = 0
        for n in range(estimates):  # new figures each time: never from a worker's cache
            body = get(port, "/simulator/all?" + urlencode({**SIMULATOR, "salary": f"{1800 + n / 100:.2f}"}))
            answered += "Aide au logement estimée" in body.decode()
        return Run(cold, cpu, settled, [memory_mb(child) for child in master.children()], memory_mb(master),
                   answered)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", type=Path, default=None, help="another checkout, measured the same way")
    parser.add_argument("--estimates", type=int, default=20, help="simulator pages with an estimate, after the pages")
    parser.add_argument("--no-model", action="store_true",
                        help="GUIDE_HOUSING_BENEFIT_WARMUP=0 and no estimate: the guide's pages alone")
    args = parser.parse_args()
    if args.no_model:
        os.environ["GUIDE_HOUSING_BENEFIT_WARMUP"] = "0"
        args.estimates = 0
    work = Path(tempfile.mkdtemp(prefix="guide-cold-"))
    env = {**os.environ, "GUIDE_DATABASE_URL": f"sqlite:///{work}/cold.sqlite3", "GUIDE_SECRET_KEY": "bench"}
    env.pop("GUIDE_WORKERS", None)
    env.pop("GUIDE_THREADS", None)
    subprocess.run([str(BIN / "flask"), "--app", "guide", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    stage = f"/journey/{load_journey()[0]['slug']}"
    urls = (["/", "/journey", "/glossary", "/flows"] + [f"/journey/{s['slug']}" for s in load_journey()]
            + [f"/pages/{p}" for p in sorted(load_language("fr").pages)]
            + [f"/flows/{f}" for f in sorted(load_flow_structures())])
    (work / "page.html").write_bytes(b"<!doctype html><title>floor</title>" + b"x" * 8000)
    (work / "index.tsv").write_text(f"{stage}\tpage.html\ttext/html; charset=utf-8\n")
    servers = {"product": ROOT, "flask": ROOT}
    if args.baseline:
        servers = {"baseline": args.baseline.resolve(), **servers}
    for root in {root for root in servers.values()}:
        subprocess.run([sys.executable, "-m", "compileall", "-q", "guide", "bench", "gunicorn.conf.py"], cwd=root,
                       check=True, capture_output=True)
    results: dict[str, list[Run]] = {name: [] for name in servers}
    imports: dict[str, list[tuple[float, float]]] = {name: [] for name in servers if name != "flask"}
    for _ in range(args.runs):
        for name in imports:
            imports[name].append((import_cpu(servers[name], env, "on"), import_cpu(servers[name], env, "off")))
        for name, root in servers.items():
            if name == "flask":
                results[name].append(start("flask", root, {**env, "FLOOR_DIR": str(work),
                                                           "GUIDE_HOUSING_BENEFIT_WARMUP": "0"}, stage, [stage], 0))
            else:
                results[name].append(start(name, root, env, stage, urls, args.estimates))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall times grow with it; CPU times less)")
    print(f"cold start: launch → first 200 of {stage}; settled: launch → server idle (model loaded where the settings "
          f"load it); memory after that, then {len(urls) * 10} guide pages and {args.estimates} simulator pages with "
          f"an estimate (gunicorn.conf.py: {os.cpu_count()} workers). Medians of {args.runs} runs; MB. Master CPU "
          "at the first 200 (with the model loaded in the master, it includes the start of that load).")
    print(f"{'server':9} {'first 200 s':>11} {'min':>5} {'max':>5} {'master CPU s':>12} {'settled s':>9} "
          f"{'estimated':>9} | {'worker RSS':>10} {'USS':>6} {'PSS':>6} | {'master RSS':>10} {'PSS':>6} "
          f"| {'total PSS':>9}")
    for name, runs in results.items():
        def median(values: list[float]) -> float:
            return statistics.median(values) if values else 0.0

        colds = [run.cold for run in runs]
        workers = [size for run in runs for size in run.workers]
        totals = [run.master[2] + sum(size[2] for size in run.workers) for run in runs]
        print(f"{name:9} {median(colds):11.2f} {min(colds):5.2f} {max(colds):5.2f} "
              f"{median([run.cpu for run in runs]):12.2f} {median([run.settled for run in runs]):9.1f} "
              f"{median([run.estimates for run in runs]):9.0f} | "
              f"{median([w[0] for w in workers]):10.1f} {median([w[1] for w in workers]):6.1f} "
              f"{median([w[2] for w in workers]):6.1f} | {median([run.master[0] for run in runs]):10.1f} "
              f"{median([run.master[2] for run in runs]):6.1f} | {median(totals):9.1f}")
    print("import guide.wsgi in a fresh interpreter, CPU s (median; the product's gunicorn.conf.py keeps the "
          "collector off meanwhile):")
    for name, pairs in imports.items():
        print(f"{name:9} collector on {statistics.median(p[0] for p in pairs):.2f}   "
              f"off {statistics.median(p[1] for p in pairs):.2f}")
    print("targets: first response ≤ 1 s; ≤ 80 MB per worker")


if __name__ == "__main__":
    main()
