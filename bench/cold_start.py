"""Cold start and memory: time from launching gunicorn (gunicorn.conf.py) to the first 200 of a guide page, and the
resident memory of each worker once it has served every guide page in every language.

Compared with the minimal Flask app of bench/floor.py (bench/_floor_app.py: the same gunicorn and settings, a page
from memory) and, with --baseline, another checkout of the code (e.g. the commit before a change). The schema is
brought up to date before the clock starts (a migration is not part of a start). Each server is started --runs
times in turn; the table gives the median and the spread.

Usage: .venv/bin/python bench/cold_start.py [--runs 5] [--baseline /tmp/before]
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import free_port  # noqa: E402
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


def workers_rss_mb(master: int) -> list[float]:
    """VmRSS of each child of the gunicorn master, in MB."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def start(kind: str, root: Path, env: dict[str, str], path: str,
          urls: list[str]) -> tuple[float, float, list[float]]:
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
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for _ in range(2):  # every page in every language, twice: each worker gets its share
            for url in urls:
                for lang in ("fr", "ar", "en", "tr", "pt"):
                    conn.request("GET", url, headers={"Cookie": f"lang={lang}", "Accept-Encoding": "br, gzip"})
                    conn.getresponse().read()
        conn.close()
        return cold, cpu, workers_rss_mb(process.pid)
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
    args = parser.parse_args()
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
    results: dict[str, list[tuple[float, float, list[float]]]] = {name: [] for name in servers}
    for _ in range(args.runs):
        for name, root in servers.items():
            if name == "flask":
                results[name].append(start("flask", root, {**env, "FLOOR_DIR": str(work)}, stage, [stage]))
            else:
                results[name].append(start(name, root, env, stage, urls))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall times grow with it; CPU times less)")
    print(f"cold start: launch → first 200 of {stage}; memory: VmRSS of each worker after "
          f"{len(urls) * 10} guide pages (gunicorn.conf.py: {os.cpu_count()} workers)")
    print(f"{'server':9} {'median s':>9} {'min':>6} {'max':>6} {'master CPU s':>13}   "
          f"{'RSS per worker, MB (median of runs)':>36}")
    for name, runs in results.items():
        colds = [cold for cold, _, _ in runs]
        cpus = [cpu for _, cpu, _ in runs]
        rss = [statistics.median(sizes) if sizes else 0.0 for _, _, sizes in runs]
        worst = max((max(sizes) for _, _, sizes in runs if sizes), default=0.0)
        print(f"{name:9} {statistics.median(colds):9.2f} {min(colds):6.2f} {max(colds):6.2f} "
              f"{statistics.median(cpus):13.2f}   {statistics.median(rss):20.1f} (largest {worst:.1f})")
    print("targets: first response ≤ 1 s; ≤ 80 MB per worker")


if __name__ == "__main__":
    main()
