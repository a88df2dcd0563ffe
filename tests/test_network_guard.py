"""The guard of `tests/network_guard/`: a test that reaches beyond this machine fails, in this
process and in the Python processes it starts; this machine stays reachable."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.network_guard.plugin import NETWORK_LOG


def _logged_since(start: int) -> str:
    with NETWORK_LOG.open(encoding="utf-8") as log:
        log.seek(start)
        return log.read()


def _forget(start: int) -> None:
    """Cut what this test provoked on purpose, so `no_real_hosts` does not fail it."""
    with NETWORK_LOG.open("r+", encoding="utf-8") as log:
        log.truncate(start)


def test_a_connection_to_another_host_is_refused_and_named():
    start = NETWORK_LOG.stat().st_size if NETWORK_LOG.exists() else 0
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError, match="not this machine"):
        probe.connect(("192.0.2.10", 80))  # TEST-NET-1: nobody's host
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("www.flextender.nl", 443)
    logged = _logged_since(start)
    _forget(start)
    assert "connection to 192.0.2.10" in logged and "lookup of www.flextender.nl" in logged


def test_a_child_process_is_guarded_too():
    start = NETWORK_LOG.stat().st_size if NETWORK_LOG.exists() else 0
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "import urllib.request as r; r.urlopen('http://api.freep.nl/', timeout=5)",
        ],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=60,
        check=False,
    )
    logged = _logged_since(start)
    _forget(start)
    assert child.returncode != 0 and "not this machine" in child.stderr
    assert "lookup of api.freep.nl" in logged


def test_this_machine_stays_reachable():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(("localhost", server.getsockname()[1]), timeout=5):
            pass


def test_a_test_that_reaches_a_real_host_fails_naming_itself_and_the_host(tmp_path):
    (tmp_path / "test_reaching.py").write_text(
        "import subprocess, sys\n\n"
        "def test_crawls_the_real_striive():\n"
        "    subprocess.run([sys.executable, '-c', \"import socket; "
        "socket.getaddrinfo('striive-cms.codebridge.nl', 443)\"])\n",
        encoding="utf-8",
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("TENDERWATCH_TEST_NETWORK_LOG", "PYTHONPATH")
    }
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-n",
            "0",
            "-p",
            "tests.network_guard.plugin",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            str(tmp_path / "test_reaching.py"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        timeout=120,
        check=False,
    )
    assert run.returncode == 1, run.stdout[-2000:]
    assert (
        "test_reaching.py::test_crawls_the_real_striive reached beyond this machine" in run.stdout
    )
    assert "lookup of striive-cms.codebridge.nl" in run.stdout
