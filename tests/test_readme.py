"""The README's commands, run as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from consumers.broker import free_port
from tests.kafka.conftest import wait_for

README = Path(__file__).parent.parent / "README.md"


def replica_example() -> str:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- replica-example:[^>]*-->\s*```bash\n(.*?)```", text, re.DOTALL)
    assert block, "the README lost its replica example"
    return block.group(1)


def test_the_first_two_lines_are_the_install_and_test_commands():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert lines[2] == "```bash" and "tenderwatch demo" in lines[3] and "pytest" in lines[4]


@pytest.mark.timeout(240)
def test_the_replica_example_works_as_written_after_every_replica_deadline(tmp_path):
    """Today is after every deadline of the replica's listings: the example freezes the clock."""
    port = free_port()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "TENDERWATCH_AUTOTHROTTLE_START_DELAY": "0"}
    env.pop("TENDERWATCH_NOW", None)
    replica = subprocess.Popen(["tenderwatch", "replica", "--port", str(port)], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        import socket

        def listening() -> bool:
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", port)) == 0

        assert wait_for(listening, timeout_s=30)
        script = "set -euo pipefail\n" + replica_example().replace("8808", str(port))
        result = subprocess.run(["bash", "-c", script], check=False, env=env, cwd=tmp_path, capture_output=True, text=True,
                                timeout=200)
        assert result.returncode == 0, result.stderr[-3000:]
        ids = re.findall(r"flextender:\d+", result.stdout)
        assert sorted(ids[:3]) == ["flextender:28671", "flextender:30922", "flextender:31050"], result.stdout
        assert ids[3:] == ["flextender:30922"], result.stdout
        assert "3 of 3 tenders" in result.stderr and "1 of 1 tender" in result.stderr

        unfrozen = script.replace("export TENDERWATCH_NOW", "# export TENDERWATCH_NOW").replace(
            "./replica-data", "./unfrozen-data")
        result = subprocess.run(["bash", "-c", unfrozen], check=False, env=env, cwd=tmp_path, capture_output=True, text=True,
                                timeout=200)
        assert result.returncode == 0, result.stderr[-3000:]
        assert re.findall(r"flextender:\d+", result.stdout) == []  # as the README warns
    finally:
        replica.terminate()
        replica.wait(timeout=10)
