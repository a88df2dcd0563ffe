"""The code's form, as `ruff` checks it: no line over the configured 100 characters (E501),
imports sorted, no syntax error, no unused or undefined name. What lines are exempt is in
pyproject.toml (`per-file-ignores`), with the reason."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is in the test extra: pip install -e '.[test]'"
    files = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    result = subprocess.run(
        [ruff, "check", "--select", "E501,E9,F,I", "--output-format", "concise", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
