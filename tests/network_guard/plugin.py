"""The test session's side of the network guard: installs it in this process and in the
Python children (`sitecustomize.py` beside this file, first on PYTHONPATH) and fails the test
that reached beyond this machine, naming the host. Loaded by `tests/conftest.py`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

GUARD = Path(__file__).parent


def _install_network_guard() -> Path:
    """This process and every Python child it starts refuse any host but this machine
    (`tests/network_guard/sitecustomize.py`), logging each attempt for `no_real_hosts`."""
    import importlib.util
    import tempfile

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    log = Path(tempfile.gettempdir()) / f"tenderwatch-network-{os.getpid()}-{worker}.log"
    os.environ["TENDERWATCH_TEST_NETWORK_LOG"] = str(log)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(GUARD), os.environ.get("PYTHONPATH")])
    )
    spec = importlib.util.spec_from_file_location(
        "tenderwatch_network_guard", GUARD / "sitecustomize.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return log


NETWORK_LOG = _install_network_guard()


@pytest.fixture(autouse=True)
def no_real_hosts(request):
    """Fails the test that reached (or looked up) a host other than this machine, naming it."""
    start = NETWORK_LOG.stat().st_size if NETWORK_LOG.exists() else 0
    yield
    if NETWORK_LOG.exists() and NETWORK_LOG.stat().st_size > start:
        with NETWORK_LOG.open(encoding="utf-8") as log:
            log.seek(start)
            reached = sorted({line.rsplit(" (pid", 1)[0] for line in log.read().splitlines()})
        pytest.fail(
            f"{request.node.nodeid} reached beyond this machine: {'; '.join(reached)}",
            pytrace=False,
        )
