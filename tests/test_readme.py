"""The README's commands, run as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.sources import SOURCES
from tests.kafka.conftest import wait_for

README = Path(__file__).parent.parent / "README.md"


def free_ports_in_a_row(count: int) -> int:
    """The first of `count` consecutive free ports (the replicas take the ports from --port on);
    other test workers take free ports too, so one free port is not enough."""
    import random
    import socket

    for _ in range(200):
        first = random.randint(20000, 60000)
        sockets = []
        try:
            for port in range(first, first + count):
                probe = socket.socket()
                sockets.append(probe)
                probe.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for probe in sockets:
                probe.close()
    raise AssertionError(f"no {count} free ports in a row")


def replica_example() -> str:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- replica-example:[^>]*-->\s*```bash\n(.*?)```", text, re.DOTALL)
    assert block, "the README lost its replica example"
    return block.group(1)


def test_the_first_two_lines_are_the_install_and_test_commands():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert lines[2] == "```bash" and "tenderwatch demo" in lines[3] and "pytest" in lines[4]


def test_the_readme_does_not_call_what_exists_a_plan():
    text = README.read_text(encoding="utf-8")
    assert "on the roadmap" not in text and "## Alerts" in text


@pytest.mark.timeout(240)
def test_the_replica_example_works_as_written_after_every_replica_deadline(tmp_path):
    """Today is after every deadline of the replica's listings: the example freezes the clock."""
    port = free_ports_in_a_row(len(SOURCES))
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "TENDERWATCH_AUTOTHROTTLE_START_DELAY": "0",
    }
    for variable in (
        "TENDERWATCH_NOW",
        "TENDERWATCH_SOURCES",
    ):  # as a newcomer's shell: every source
        env.pop(variable, None)
    replica = subprocess.Popen(
        ["tenderwatch", "replica", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        import socket

        def listening() -> bool:
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", port)) == 0

        assert wait_for(listening, timeout_s=30)
        script = "set -euo pipefail\n" + replica_example()
        for offset in reversed(range(len(SOURCES))):  # the sources take the ports from --port on
            script = script.replace(str(8808 + offset), str(port + offset))
        result = subprocess.run(
            ["bash", "-c", script],
            check=False,
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=200,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        first, keyword, striive = result.stdout.split("deadline ")[1:]
        assert sorted(re.findall(r"flextender:\d+", first)) == [
            "flextender:28671",
            "flextender:30922",
            "flextender:31050",
        ], result.stdout
        # 29 listings, one hit per assignment: Striive's second DICTU listing, the DJI listing on
        # Freep, the SAP listings of Striive and Inhuurdesk (the copy closes first) and the copy of
        # Flextender's 31050 are shown as "also on" of another hit.
        assert (
            len(re.findall(r"striive:", first)) == 8 and len(re.findall(r"inhuurdesk:", first)) == 5
        )
        found = re.findall(r"\w+:[\w-]+$", keyword.strip(), flags=re.MULTILINE)
        assert "flextender:30922" in found and len(found) <= 3  # later sources may list one too
        assert len(re.findall(r"freep:", first)) == 4
        assert len(re.findall(r"opdrachtoverheid:", first)) == 4
        assert first.count("also on: ") == 4
        shown, total = map(int, re.search(r"(\d+) of (\d+) tenders", result.stderr).groups())
        assert shown == total >= 24  # every open assignment, one hit each
        hits = re.findall(r"^(\d+) of (\d+) tenders?$", result.stderr, flags=re.MULTILINE)
        assert hits[1][0] == hits[1][1] == str(len(found))  # the keyword search shows all it found
        assert (
            striive.count("striive:") == 5
            and "Zuid-Holland" in striive
            and "Overijssel" not in striive
        )

        unfrozen = script.replace("export TENDERWATCH_NOW", "# export TENDERWATCH_NOW").replace(
            "./replica-data", "./unfrozen-data"
        )
        result = subprocess.run(
            ["bash", "-c", unfrozen],
            check=False,
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=200,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert re.findall(r"flextender:\d+", result.stdout) == []  # as the README warns
    finally:
        replica.terminate()
        replica.wait(timeout=10)
