"""Fallback dependency audit for networks where pip-audit cannot reach its vulnerability service.

pip-audit asks PyPI's per-version JSON API (``/pypi/<name>/<version>/json``) or OSV. Some networks (this project's
CI among them) answer 404 to the first and cannot resolve the second, so pip-audit checks nothing. PyPI's
per-project JSON API (``/pypi/<name>/json``) often still answers: it describes the project's latest release and
lists the known vulnerabilities *of that release* (PyPI fills the list from the same advisory database pip-audit
uses). Our dependencies are ranges, so a fresh install usually takes each package's latest release: for every
installed package at its latest release, that list is an exact audit. A package installed at an older release
cannot be checked this way and is reported as unchecked, never as safe.

    .venv/bin/python tools/audit_latest.py            # audits the packages of the running interpreter

The packages it cannot check may be accepted one by one in audit-unchecked.toml (a reviewed file: each entry a
reason and the versions it covers); any other unchecked package fails.

Exit status: 0 nothing known and every package checked or accepted; 1 a known vulnerability; 3 some packages
unchecked and not accepted (nothing known in the others); 2 PyPI did not answer at all.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PYPI = "https://pypi.org/pypi"
ACCEPTED_FILE = Path(__file__).resolve().parent.parent / "audit-unchecked.toml"


@dataclass
class Verdict:
    name: str
    version: str
    status: str  # "ok" | "vulnerable" | "not-latest" | "unreachable"
    latest: str | None = None
    vulnerabilities: list[dict] = field(default_factory=list)
    accepted: str | None = None  # unchecked, and accepted in audit-unchecked.toml for this reason


def load_accepted(path: Path) -> dict[str, dict]:
    """The entries of audit-unchecked.toml by canonical name; each must say why (`reason`) and for which versions."""
    if not path.exists():
        return {}
    entries = tomllib.loads(path.read_text(encoding="utf-8"))
    for name, entry in entries.items():
        if not str(entry.get("reason", "")).strip() or not entry.get("versions"):
            raise SystemExit(f"{path}: [{name}] needs a reason and the versions it covers")
    return {canonicalize_name(name): entry for name, entry in entries.items()}


def accept(verdicts: list[Verdict], accepted: dict[str, dict]) -> list[str]:
    """Mark the unchecked verdicts that an entry covers (its package, the installed version within `versions`);
    returns the stale entries (their package is checked now, or not installed)."""
    used = set()
    for v in verdicts:
        entry = accepted.get(canonicalize_name(v.name))
        if entry is None:
            continue
        if v.status in ("not-latest", "unreachable") and SpecifierSet(entry["versions"]).contains(
                v.version, prereleases=True):
            v.accepted = entry["reason"]
            used.add(canonicalize_name(v.name))
    return sorted(set(accepted) - used)


def same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def judge(name: str, version: str, project: dict | None) -> Verdict:
    """What the per-project JSON document says about one installed package (None: PyPI did not answer)."""
    if project is None:
        return Verdict(name, version, "unreachable")
    latest = (project.get("info") or {}).get("version")
    if not latest or not same_version(version, latest):
        return Verdict(name, version, "not-latest", latest=latest)
    known = [v for v in project.get("vulnerabilities") or [] if not v.get("withdrawn")]
    return Verdict(name, version, "vulnerable" if known else "ok", latest=latest, vulnerabilities=known)


def fetch(base: str, name: str, timeout: float) -> dict | None:
    url = f"{base.rstrip('/')}/{canonicalize_name(name)}/json"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (a fixed https base)
            return json.load(response)
    except (urllib.error.URLError, TimeoutError, OSError, ValueError):
        return None


def is_editable(dist: metadata.Distribution) -> bool:
    try:
        direct = json.loads(dist.read_text("direct_url.json") or "{}")
    except ValueError:
        return False
    return bool((direct.get("dir_info") or {}).get("editable"))


def installed(skip: set[str]) -> list[tuple[str, str]]:
    seen: dict[str, tuple[str, str]] = {}
    editable: set[str] = set()
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name or canonicalize_name(name) in skip:
            continue
        if is_editable(dist):
            editable.add(canonicalize_name(name))  # the project itself: not on PyPI (its egg-info may also show)
        seen[canonicalize_name(name)] = (name, dist.version)
    return sorted((v for k, v in seen.items() if k not in editable), key=lambda item: item[0].lower())


def audit(packages: list[tuple[str, str]], base: str = PYPI, timeout: float = 15.0) -> list[Verdict]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        documents = list(pool.map(lambda item: fetch(base, item[0], timeout), packages))
    return [judge(name, version, doc) for (name, version), doc in zip(packages, documents, strict=True)]


def exit_status(verdicts: list[Verdict]) -> int:
    statuses = {v.status for v in verdicts}
    if "vulnerable" in statuses:
        return 1
    if verdicts and statuses == {"unreachable"}:
        return 2
    if any(v.status != "ok" and not v.accepted for v in verdicts):
        return 3
    return 0


def report(verdicts: list[Verdict], out=None) -> None:
    out = out or sys.stdout
    counts = {s: sum(v.status == s for v in verdicts) for s in ("ok", "vulnerable", "not-latest", "unreachable")}
    print(
        f"Fallback audit (PyPI per-project JSON): {len(verdicts)} packages; {counts['ok']} checked, nothing known; "
        f"{counts['vulnerable']} with known vulnerabilities; {counts['not-latest']} not at their latest release "
        f"(unchecked); {counts['unreachable']} PyPI did not answer for (unchecked).",
        file=out,
    )
    for v in verdicts:
        if v.status == "vulnerable":
            for vuln in v.vulnerabilities:
                ids = ", ".join([vuln.get("id", "?"), *(vuln.get("aliases") or [])])
                fixed = ", ".join(vuln.get("fixed_in") or []) or "no fixed release listed"
                print(f"  VULNERABLE {v.name} {v.version}: {ids} (fixed in: {fixed})", file=out)
        elif v.accepted:
            print(f"  accepted   {v.name} {v.version} unchecked (latest is {v.latest}): {v.accepted}", file=out)
        elif v.status == "not-latest":
            print(f"  unchecked  {v.name} {v.version} (latest is {v.latest})", file=out)
        elif v.status == "unreachable":
            print(f"  unchecked  {v.name} {v.version} (PyPI did not answer)", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=PYPI, help="base of the per-project JSON API (default: %(default)s)")
    parser.add_argument("--skip", action="append", default=[],
                        help="a package name not to audit (repeatable)")
    parser.add_argument("--timeout", type=float, default=15.0)
    parser.add_argument("--accepted", type=Path, default=ACCEPTED_FILE,
                        help="the reviewed list of packages that may stay unchecked (default: %(default)s)")
    args = parser.parse_args(argv)
    verdicts = audit(installed({canonicalize_name(s) for s in args.skip}), base=args.index, timeout=args.timeout)
    stale = accept(verdicts, load_accepted(args.accepted))
    report(verdicts)
    accepted = sum(bool(v.accepted) for v in verdicts)
    if accepted:
        print(f"{accepted} unchecked package(s) accepted in {args.accepted.name} (reasons above)")
    for name in stale:
        print(f"  stale entry in {args.accepted.name}: [{name}] is checked now or not installed: remove it")
    status = exit_status(verdicts)
    if status == 3:
        print(f"Unchecked packages not listed in {args.accepted.name}: raise them to their latest release, or list "
              "them there with the reason they are held back (reviewed like code).")
    return status


if __name__ == "__main__":
    sys.exit(main())
