"""The deployment's processes as the image runs them (bin/entrypoint migrate|web|dispatcher|worker|healthcheck):
no Docker engine here, so the entry point is run directly; the Dockerfile and compose.yaml are read for what the
issue requires of them. And the SMS route: two-way from a French mobile number refuses to start."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from guide.messaging.route import is_french_mobile, route_problem

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = str(ROOT / "bin" / "entrypoint")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GUIDE_", "PROMETHEUS_"))}
    env.update({"GUIDE_DATABASE_URL": f"sqlite:///{tmp_path / 'guide.sqlite3'}", "GUIDE_SECRET_KEY": "entrypoint",
                **extra})
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_without_a_command_it_says_how_to_use_it(tmp_path) -> None:
    done = subprocess.run([ENTRYPOINT], env=_env(tmp_path), capture_output=True, text=True, timeout=30)
    assert done.returncode == 64 and "migrate|web|dispatcher|worker" in done.stderr


def test_migrate_then_web_serves_and_is_healthy_then_stops_on_sigterm(tmp_path) -> None:
    env = _env(tmp_path)
    done = subprocess.run([ENTRYPOINT, "migrate"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    engine = sa.create_engine(env["GUIDE_DATABASE_URL"])
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar(), "schema migrated"
    engine.dispose()

    port, metrics_dir = _free_port(), tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_99999.db").write_bytes(b"stale")  # a previous run's counters
    web_env = {**env, "GUIDE_BIND": f"127.0.0.1:{port}", "GUIDE_WORKERS": "1",
               "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "GUIDE_HEALTH_URL": f"http://127.0.0.1:{port}/healthz"}
    web = subprocess.Popen([ENTRYPOINT, "web"], env=web_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and web.poll() is None:
            try:
                urllib.request.urlopen(web_env["GUIDE_HEALTH_URL"], timeout=2).read()
                break
            except OSError:
                time.sleep(0.3)
        assert web.poll() is None, web.communicate()[0]
        health = subprocess.run([ENTRYPOINT, "healthcheck"], env=web_env, capture_output=True, text=True, timeout=30)
        assert health.returncode == 0, health.stderr
        assert not (metrics_dir / "counter_99999.db").exists(), "the previous run's counters are cleared at start"
    finally:
        web.send_signal(signal.SIGTERM)
        output = web.communicate(timeout=60)[0]
    assert web.returncode == 0, f"gunicorn stops cleanly on SIGTERM (exec: the signal reaches it)\n{output}"
    down = subprocess.run([ENTRYPOINT, "healthcheck"], env=web_env, capture_output=True, text=True, timeout=30)
    assert down.returncode == 1 and "unhealthy" in down.stderr


def test_the_worker_runs_the_local_scheduler_on_sqlite_and_stops_on_sigterm(tmp_path) -> None:
    env = _env(tmp_path)
    subprocess.run([ENTRYPOINT, "migrate"], env=env, check=True, capture_output=True, timeout=120)
    worker = subprocess.Popen([ENTRYPOINT, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    first = worker.stdout.readline()  # printed once the scheduler runs
    worker.send_signal(signal.SIGTERM)
    output = first + worker.communicate(timeout=60)[0]
    assert "local scheduler" in first, output
    assert worker.returncode == 0 and "stopped" in output, output


@pytest.mark.parametrize("command", ["web", "dispatcher"])
def test_two_way_sms_from_a_french_mobile_number_refuses_to_start(tmp_path, command: str) -> None:
    env = _env(tmp_path, GUIDE_SMS_BACKEND="twilio", GUIDE_SMS_TWO_WAY="true", GUIDE_TWILIO_FROM="+33612345678",
               GUIDE_TWILIO_ACCOUNT_SID="AC" + "0" * 32, GUIDE_TWILIO_AUTH_TOKEN="x", GUIDE_BIND="127.0.0.1:1")
    done = subprocess.run([ENTRYPOINT, command], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0, f"{command} started with a 06 number as two-way sender"
    assert "French mobile number" in done.stderr and "09 3x" in done.stderr, done.stderr


@pytest.mark.parametrize(("sender", "mobile"), [("+33612345678", True), ("+33712345678", True),
                                                ("06 12 34 56 78", True), ("0033 7 12 34 56 78", True),
                                                ("+33939012345", False), ("38100", False), ("METROPOLE", False),
                                                ("+33320000000", False)])
def test_french_mobile_numbers_are_recognised(sender: str, mobile: bool) -> None:
    assert is_french_mobile(sender) is mobile


def test_the_sms_routes_allowed_and_refused() -> None:
    twilio = {"SMS_BACKEND": "twilio"}
    assert route_problem({**twilio, "SMS_TWO_WAY": False, "TWILIO_FROM": "METROPOLE"}) is None, "one-way default"
    assert route_problem({**twilio, "SMS_TWO_WAY": True, "TWILIO_FROM": "+33939012345"}) is None, "09 3x number"
    assert route_problem({**twilio, "SMS_TWO_WAY": True, "TWILIO_FROM": "38100"}) is None, "a short code"
    assert route_problem({**twilio, "SMS_TWO_WAY": True, "TWILIO_MESSAGING_SERVICE_SID": "MG1"}) is None
    assert "nobody can reply" in route_problem({**twilio, "SMS_TWO_WAY": True, "TWILIO_FROM": "METROPOLE"})
    assert "barred" in route_problem({**twilio, "SMS_TWO_WAY": False, "TWILIO_FROM": "+33712345678"})
    assert route_problem({"SMS_BACKEND": "log", "SMS_TWO_WAY": True, "TWILIO_FROM": "+33612345678"}) is None


def test_the_image_and_compose_file_hold_what_a_deployment_needs() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim-bookworm" in dockerfile, "Debian-based"
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-noto-core", "postgresql-client", "espeak-ng",
                    "opus-tools"):
        assert package in dockerfile, f"{package} missing from the image"
    assert "flask --app guide audio build" in dockerfile, "the spoken pages are made when the image is built"
    assert "\nUSER guide\n" in dockerfile and "babel.messages.frontend compile" in dockerfile
    assert 'ENTRYPOINT ["/usr/bin/tini", "--", "bin/entrypoint"]' in dockerfile
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "web", "dispatcher", "worker"} <= set(services)
    for name in ("postgres", "redis", "web"):
        assert "healthcheck" in services[name], f"{name} has no health check"
    for name in ("web", "dispatcher", "worker"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
        assert services[name]["command"] == [name]
    assert services["migrate"]["command"] == ["migrate"]
    assert services["web"]["environment"]["GUIDE_SMS_TWO_WAY"].endswith("false}"), "one-way SMS by default"
