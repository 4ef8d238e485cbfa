"""The fallback dependency audit (tools/audit_latest.py) against a local stand-in for PyPI's per-project JSON API."""

import importlib.util
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("audit_latest", Path(__file__).parents[2] / "tools" / "audit_latest.py")
audit_latest = importlib.util.module_from_spec(_spec)
sys.modules["audit_latest"] = audit_latest  # dataclasses look their module up while the class is made
_spec.loader.exec_module(audit_latest)

# Shapes as PyPI serves them (pycrypto's entry copied from https://pypi.org/pypi/pycrypto/json).
PROJECTS = {
    "safe-lib": {"info": {"version": "2.0.0"}, "vulnerabilities": []},
    "pycrypto": {
        "info": {"version": "2.6.1"},
        "vulnerabilities": [
            {"id": "PYSEC-2017-94", "aliases": ["CVE-2013-7459"], "fixed_in": [], "withdrawn": None},
        ],
    },
    "old-lib": {"info": {"version": "3.0"}, "vulnerabilities": []},
    "withdrawn-lib": {
        "info": {"version": "1.0"},
        "vulnerabilities": [{"id": "GHSA-x", "aliases": [], "fixed_in": [], "withdrawn": "2024-01-01T00:00:00Z"}],
    },
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        parts = self.path.strip("/").split("/")  # pypi/<name>/json
        doc = PROJECTS.get(parts[1]) if len(parts) == 3 and parts[2] == "json" else None
        body = json.dumps(doc).encode() if doc else b"Not Found"
        self.send_response(200 if doc else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def index():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/pypi"
    server.shutdown()


def _by_name(verdicts):
    return {v.name: v for v in verdicts}


def test_latest_release_with_a_known_vulnerability_fails_the_audit(index):
    verdicts = audit_latest.audit([("pycrypto", "2.6.1"), ("safe-lib", "2.0")], base=index, timeout=5)
    found = _by_name(verdicts)
    assert found["pycrypto"].status == "vulnerable"
    assert found["pycrypto"].vulnerabilities[0]["aliases"] == ["CVE-2013-7459"]
    assert found["safe-lib"].status == "ok"  # 2.0 and 2.0.0 are the same release
    assert audit_latest.exit_status(verdicts) == 1


def test_older_release_and_silent_index_are_unchecked_never_safe(index):
    verdicts = audit_latest.audit(
        [("old-lib", "2.9"), ("not-on-pypi", "1.0"), ("safe-lib", "2.0.0")], base=index, timeout=5
    )
    found = _by_name(verdicts)
    assert found["old-lib"].status == "not-latest" and found["old-lib"].latest == "3.0"
    assert found["not-on-pypi"].status == "unreachable"
    assert audit_latest.exit_status(verdicts) == 3


def test_withdrawn_advisory_does_not_count(index):
    verdicts = audit_latest.audit([("withdrawn-lib", "1.0")], base=index, timeout=5)
    assert verdicts[0].status == "ok"
    assert audit_latest.exit_status(verdicts) == 0


def test_nothing_answering_is_its_own_status():
    verdicts = audit_latest.audit([("safe-lib", "2.0.0")], base="http://127.0.0.1:9/pypi", timeout=2)
    assert verdicts[0].status == "unreachable"
    assert audit_latest.exit_status(verdicts) == 2


def test_report_names_every_unchecked_and_vulnerable_package(index, capsys):
    verdicts = audit_latest.audit([("pycrypto", "2.6.1"), ("old-lib", "2.9")], base=index, timeout=5)
    audit_latest.report(verdicts)
    out = capsys.readouterr().out
    assert "VULNERABLE pycrypto 2.6.1: PYSEC-2017-94, CVE-2013-7459" in out
    assert "unchecked  old-lib 2.9 (latest is 3.0)" in out
    assert "1 with known vulnerabilities" in out


def test_the_project_itself_installed_editable_is_not_audited():
    names = {audit_latest.canonicalize_name(name) for name, _ in audit_latest.installed(set())}
    assert "relocation-guide" not in names
    assert "flask" in names


ROOT = Path(__file__).parents[2]


def _accepted(tmp_path, text: str):
    path = tmp_path / "audit-unchecked.toml"
    path.write_text(text)
    return audit_latest.load_accepted(path)


def test_an_unchecked_package_listed_with_its_reason_is_accepted_and_only_within_its_versions(index, tmp_path):
    accepted = _accepted(tmp_path, '[Old_Lib]\nversions = "<3"\nreason = "held below 3 by other-lib"\n')
    verdicts = audit_latest.audit([("old-lib", "2.9"), ("safe-lib", "2.0.0")], base=index, timeout=5)
    assert audit_latest.accept(verdicts, accepted) == []
    assert _by_name(verdicts)["old-lib"].accepted == "held below 3 by other-lib"
    assert audit_latest.exit_status(verdicts) == 0, "every unchecked package is accepted"
    outside = _accepted(tmp_path, '[old-lib]\nversions = "<2.5"\nreason = "held below 2.5"\n')
    verdicts = audit_latest.audit([("old-lib", "2.9")], base=index, timeout=5)
    audit_latest.accept(verdicts, outside)
    assert audit_latest.exit_status(verdicts) == 3, "2.9 is outside the versions the entry covers: it fails"


def test_a_new_unchecked_package_fails_even_with_others_accepted(index, tmp_path):
    accepted = _accepted(tmp_path, '[old-lib]\nversions = "<3"\nreason = "held back"\n')
    verdicts = audit_latest.audit([("old-lib", "2.9"), ("not-on-pypi", "1.0")], base=index, timeout=5)
    audit_latest.accept(verdicts, accepted)
    assert audit_latest.exit_status(verdicts) == 3


def test_an_entry_needs_a_reason_and_a_stale_one_is_reported(index, tmp_path):
    with pytest.raises(SystemExit, match="needs a reason"):
        _accepted(tmp_path, '[old-lib]\nversions = "<3"\n')
    accepted = _accepted(tmp_path, '[safe-lib]\nversions = "<3"\nreason = "was held back"\n')
    verdicts = audit_latest.audit([("safe-lib", "2.0.0")], base=index, timeout=5)
    assert audit_latest.accept(verdicts, accepted) == ["safe-lib"], "checked now: the entry is stale"
    assert audit_latest.exit_status(verdicts) == 0


def test_vulnerabilities_are_never_accepted(index, tmp_path):
    accepted = _accepted(tmp_path, '[pycrypto]\nversions = "<3"\nreason = "no"\n')
    verdicts = audit_latest.audit([("pycrypto", "2.6.1")], base=index, timeout=5)
    audit_latest.accept(verdicts, accepted)
    assert audit_latest.exit_status(verdicts) == 1


def test_the_reviewed_file_parses_and_ci_no_longer_skips_an_incomplete_audit():
    entries = audit_latest.load_accepted(ROOT / "audit-unchecked.toml")
    assert {"redis", "python-dateutil", "deprecated"} <= set(entries), "the three packages held back, with reasons"
    ci = (ROOT / ".ci" / "run").read_text()
    assert "GUIDE_TEST_SKIP_AUDIT=" not in ci.replace("# ", ""), "CI must not accept an incomplete audit"
