"""The project's yardstick: each page against what this machine can serve, side by side in one run.

Three servers run at once on the same machine:
  product   gunicorn with gunicorn.conf.py and the app (SQLite or --db PostgreSQL, --households seeded);
  flask     a minimal Flask app (bench/_floor_app.py) returning the very bytes the product answered (gzipped
            HTML), under the same gunicorn and gunicorn.conf.py: the floor for a Python page;
  nginx     nginx (Debian's nginx-light, `apt-get install nginx-light`) serving the same gzipped bytes from files,
            one worker per core: the floor of the machine.
For each page — a guide stage page (anonymous), `/my` (a signed-in household: its session cookie) and the staff
caseload (a signed-in officer, 50 rows) — wrk (Debian's `wrk`) runs at 20 and 50 connections against each
server, in interleaved rounds (round 1 product, flask, nginx, round 2 ..., so a noisy neighbour hits all three),
and the table gives req/s and p50/p95/p99 (the median of the rounds) and the product's share of each floor.

Workers are not recycled during the run (`--max-requests 0` for every gunicorn here, product, baseline and floor
alike): gunicorn.conf.py renews a worker after about 5,000 requests, which in production is hours, but at these rates
is every few seconds, and each renewal (a new process, its connections and kept pages empty) then weighs on the
tail more than the page does. `--recycle` keeps the production setting, to see that effect.

Usage: .venv/bin/python bench/floor.py [--recycle] [--duration 5] [--rounds 3] [--connections 20,50] [--households 1000]
       [--db postgresql://postgres@127.0.0.1:5432/bench_floor] [--pages guide,my,staff]
About (rounds × connections × pages × 3 servers × duration) seconds: 3×2×3×3×5 s ≈ 5 min by default.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.client
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import free_port, gunicorn_process, reset_database  # noqa: E402
from bench.household_home import open_session, seed  # noqa: E402
from guide.core.content import load_journey  # noqa: E402

SERVERS = ("product", "flask", "nginx")  # "baseline" first when --baseline is given
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("FLOOR requests=%d duration_us=%d non2xx=%d errors=%d p50=%d p95=%d p99=%d\\n",
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""
RESULT = re.compile(r"FLOOR requests=(\d+) duration_us=(\d+) non2xx=(\d+) errors=(\d+) p50=(\d+) p95=(\d+) "
                    r"p99=(\d+)")


def get(base: str, path: str, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
    parsed = urlparse(base)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body, {k.lower(): v for k, v in response.getheaders()}


def staff_session(base: str) -> str:
    """Log the seeded officer in; return the session cookie."""
    _, body, headers = get(base, "/staff/login", {})
    cookie = headers["set-cookie"].split(";")[0]
    token = re.search(rb'name="csrf_token" value="([^"]+)"', body).group(1).decode()
    parsed = urlparse(base)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    form = urlencode({"csrf_token": token, "email": "bench@example.org", "password": "bench-password-123"})
    conn.request("POST", "/staff/login", body=form,
                 headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    if response.status != 303:
        raise SystemExit(f"staff login failed: {response.status}")
    return response.getheader("Set-Cookie").split(";")[0]


def nginx(directory: Path, pages: dict[str, tuple[str, str]]) -> tuple[str, subprocess.Popen]:
    """Start nginx on a free port serving each page's stored gzipped bytes as they are."""
    port = free_port()
    locations = "\n".join(
        f"    location = {path} {{ default_type \"{ctype}\"; root {directory}; try_files /{name} =404; }}"
        for path, (name, ctype) in pages.items())
    user = "user root;" if os.geteuid() == 0 else ""
    conf = directory / "nginx.conf"
    conf.write_text(f"""{user}
worker_processes {os.cpu_count() or 2};
daemon off;
pid {directory}/nginx.pid;
error_log {directory}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path {directory}/body;
  proxy_temp_path {directory}/proxy;
  fastcgi_temp_path {directory}/fastcgi;
  uwsgi_temp_path {directory}/uwsgi;
  scgi_temp_path {directory}/scgi;
  server {{
    listen 127.0.0.1:{port};
    add_header Content-Encoding gzip;
    add_header Vary Accept-Encoding;
{locations}
  }}
}}
""")
    process = subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(conf), "-p", str(directory)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return f"http://127.0.0.1:{port}", process


def floor_flask(directory: Path) -> tuple[str, subprocess.Popen]:
    """The minimal Flask app under gunicorn with the product's gunicorn.conf.py (same workers and threads)."""
    port = free_port()
    env = {**os.environ, "FLOOR_DIR": str(directory), "GUIDE_BIND": f"127.0.0.1:{port}"}
    env.pop("GUIDE_WORKERS", None)
    env.pop("GUIDE_THREADS", None)
    process = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
                                "bench._floor_app:app"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return f"http://127.0.0.1:{port}", process


def wait_for(base: str, path: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(base + path, timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{base} did not start")


def wrk(base: str, path: str, headers: dict[str, str], connections: int, duration: int,
        script: Path) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, base + path], capture_output=True, text=True, check=True).stdout
    found = RESULT.search(output)
    if found is None:
        raise RuntimeError(f"wrk said: {output}")
    requests, duration_us, non2xx, errors, p50, p95, p99 = (int(v) for v in found.groups())
    return {"rps": requests / (duration_us / 1e6), "p50": p50 / 1000, "p95": p95 / 1000, "p99": p99 / 1000,
            "bad": non2xx + errors}


def main() -> None:  # noqa: C901 (one script, read top to bottom)
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", default="20,50")
    parser.add_argument("--households", type=int, default=1000)
    parser.add_argument("--pages", default="guide,my,staff")
    parser.add_argument("--db", default=None, help="a PostgreSQL URL (emptied); SQLite in a temporary file if unset")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another checkout of the code (e.g. `git worktree add /tmp/before HEAD~3`), measured "
                             "in the same rounds as 'baseline', on the same database")
    parser.add_argument("--recycle", action="store_true",
                        help="renew workers every ~5,000 requests, as gunicorn.conf.py does in production")
    args = parser.parse_args()
    if not args.recycle:  # read by every gunicorn started below (they inherit this environment)
        os.environ["GUNICORN_CMD_ARGS"] = f"{os.environ.get('GUNICORN_CMD_ARGS', '')} --max-requests 0".strip()
    if shutil.which("wrk") is None or shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        raise SystemExit("needs wrk and nginx: apt-get install wrk nginx-light")
    work = Path(tempfile.mkdtemp(prefix="guide-floor-"))
    work.chmod(0o755)
    url = args.db or f"sqlite:///{work}/floor.sqlite3"
    if args.db:
        reset_database(args.db)
    started = time.perf_counter()
    tokens = seed(url, args.households)
    print(f"seeded {args.households} households in {time.perf_counter() - started:.1f} s ({url.split(':')[0]}); "
          f"workers {'renewed every ~5,000 requests' if args.recycle else 'not renewed during the run'}")
    script = work / "report.lua"
    script.write_text(WRK_SCRIPT)
    wanted = args.pages.split(",")
    stage = load_journey()[0]["slug"]
    env = {"GUIDE_RATELIMIT_ENABLED": "false"}
    with contextlib.ExitStack() as servers:
        product, product_master = servers.enter_context(gunicorn_process(None, None, database_url=url, extra_env=env))
        masters = [product_master]
        bases = {"product": product}
        if args.baseline:
            baseline, baseline_master = servers.enter_context(
                gunicorn_process(None, None, database_url=url, extra_env=env, root=args.baseline.resolve(),
                                 upgrade=False))  # the product's schema: a later one, with what the baseline reads
            masters.append(baseline_master)
            bases["baseline"] = baseline
        # the requests: what a phone sends (gzip accepted, French), with the session cookie when signed in
        plain = {"Accept-Encoding": "gzip", "Accept-Language": "fr-FR,fr;q=0.9"}
        pages: dict[str, tuple[str, dict[str, str]]] = {}
        if "guide" in wanted:
            pages["guide"] = (f"/journey/{stage}", plain)
        if "my" in wanted:
            pages["my"] = ("/my", {**plain, "Cookie": open_session(product, tokens[0])})
        if "staff" in wanted:
            pages["staff"] = ("/staff/", {**plain, "Cookie": staff_session(product)})
        stored: dict[str, tuple[str, str]] = {}
        index = []
        for kind, (path, headers) in pages.items():
            status, body, answer = get(product, path, headers)
            if status != 200 or answer.get("content-encoding") != "gzip":
                raise SystemExit(f"{kind} {path}: {status} {answer.get('content-encoding')}")
            (work / f"{kind}.gz").write_bytes(body)
            (work / f"{kind}.gz").chmod(0o644)
            stored[path] = (f"{kind}.gz", answer["content-type"])
            index.append(f"{path}\t{kind}.gz\t{answer['content-type']}")
            print(f"{kind:6} {path:28} {len(body):6} bytes gzipped, {len(gzip.decompress(body)):6} bytes of HTML")
        (work / "index.tsv").write_text("\n".join(index) + "\n")
        flask_base, flask_process = floor_flask(work)
        nginx_base, nginx_process = nginx(work, stored)
        try:
            first = next(iter(pages.values()))[0]
            wait_for(flask_base, first)
            wait_for(nginx_base, first)
            bases.update(flask=flask_base, nginx=nginx_base)
            names = [name for name in ("baseline", *SERVERS) if name in bases]
            results: dict[tuple[str, int, str], list[dict[str, float]]] = defaultdict(list)
            connections = [int(c) for c in args.connections.split(",")]
            for round_number in range(1, args.rounds + 1):
                for conns in connections:
                    for kind, (path, headers) in pages.items():
                        for server in names:
                            results[(kind, conns, server)].append(
                                wrk(bases[server], path, headers, conns, args.duration, script))
                print(f"round {round_number}/{args.rounds} done", flush=True)
            report(pages, connections, names, results)
        finally:
            for process in (flask_process, nginx_process):
                process.terminate()
            for process in (flask_process, nginx_process):  # a loaded machine may take more than 10 s to stop
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            for master in masters:  # quick shutdown (SIGINT): wrk's keep-alive connections are gone anyway
                master.send_signal(signal.SIGINT)
            for master in masters:
                try:
                    master.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    master.kill()
                    master.wait()
    shutil.rmtree(work, ignore_errors=True)


def report(pages: dict[str, tuple[str, dict[str, str]]], connections: list[int], names: list[str],
           results: dict[tuple[str, int, str], list[dict[str, float]]]) -> None:
    print()
    print("median of the rounds; latency in ms as wrk measures it; ×flask and ×nginx: product req/s over the floor's")
    print(f"{'page':6} {'conns':>5} {'server':8} {'req/s':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'bad':>4}   "
          f"{'×flask':>7} {'×nginx':>7}  rounds req/s")
    for kind in pages:
        for conns in connections:
            medians = {}
            for server in names:
                runs = results[(kind, conns, server)]
                medians[server] = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            for server in names:
                m = medians[server]
                if server in ("product", "baseline"):
                    ratios = (f"{m['rps'] / medians['flask']['rps']:7.2f} {m['rps'] / medians['nginx']['rps']:7.2f}")
                else:
                    ratios = " " * 15
                rounds = " ".join(f"{r['rps']:.0f}" for r in results[(kind, conns, server)])
                print(f"{kind:6} {conns:5} {server:8} {m['rps']:8.0f} {m['p50']:7.1f} {m['p95']:7.1f} "
                      f"{m['p99']:7.1f} {int(m['bad']):4}   {ratios}  {rounds}")
        print()


if __name__ == "__main__":
    main()
