"""The locked dependencies against known vulnerabilities: `python .ci/audit.py`, which
`.ci/run` runs before the tests (it asks pip-audit's vulnerability service, and no test may
reach beyond this machine). Exit 1 on a known vulnerability that `.ci/audit-ignore` does not
accept with a reason; the dependencies that could not be audited are named, loudly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "deploy" / "requirements.lock"
IGNORED = ROOT / ".ci" / "audit-ignore"


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


def main() -> int:
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
        tail = result.stderr.strip().splitlines()[-1:]
        print(f"audit: NOT AUDITED, pip-audit could not run (its service unreachable?): {tail}")
        return 0
    vulnerable, unaudited = findings(report, ignored_ids())
    for line in vulnerable:
        print(f"audit: VULNERABLE {line}")
    if unaudited:
        print(
            f"audit: NOT AUDITED ({len(unaudited)} of {len(report['dependencies'])}, the "
            f"vulnerability service knew nothing of them): {', '.join(unaudited)}"
        )
    if vulnerable:
        print("audit: upgrade, or accept one in .ci/audit-ignore with a reason")
        return 1
    print(
        f"audit: no known vulnerability in {len(report['dependencies']) - len(unaudited)} audited"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
