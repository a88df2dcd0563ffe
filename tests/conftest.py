from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.sources.flextender.normalize import normalise
from crawler.sources.flextender.pages import FlextenderDetailPage
from crawler.sources.flextender.replica.server import bundled_pages

FIXTURES = Path(__file__).parent / "fixtures"
GUARD = Path(__file__).parent / "network_guard"
# `tenderwatch run` crawls every source; tests that serve only Flextender's replica must not
# reach for the real Striive and Inhuurdesk hosts. Tests of many sources set it themselves.
os.environ.setdefault("TENDERWATCH_SOURCES", "flextender")
# The seeds were open around this moment; their deadlines fall between April and July 2026.
SEED_CLOCK = datetime(2026, 3, 1, 11, 0, tzinfo=UTC)


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


def pytest_sessionfinish(session, exitstatus):
    if not hasattr(
        session.config, "workerinput"
    ):  # the controller, or a run without workers: last out
        from tests.engines import stop_engines_started_by_tests

        stop_engines_started_by_tests()


@pytest.fixture(scope="session")
def engines():
    """Apache Kafka and OpenSearch, real (tests/engines.py), or a skip saying why not."""
    from tests.engines import engines as running_engines

    return running_engines()


@pytest.fixture(scope="session")
def broker(tmp_path_factory):
    """A real Tansu broker process, shared by every test that talks Kafka."""
    from consumers.broker import EmbeddedBroker

    with EmbeddedBroker(tmp_path_factory.mktemp("broker") / "broker.log") as running:
        yield running


@pytest.fixture(scope="session")
def replica_pages() -> dict[str, str]:
    return bundled_pages()


@pytest.fixture(scope="session")
def seed_tenders(replica_pages):
    """Request number → Tender, parsed from the replica detail pages with the clock at
    SEED_CLOCK."""
    return {
        number: normalise(FlextenderDetailPage(page).raw(), fetched_at=SEED_CLOCK, now=SEED_CLOCK)
        for number, page in replica_pages.items()
    }


@pytest.fixture
def replicas():
    """Every registered source's replica, served the way `tenderwatch demo` serves them; its
    `environment()` points every source's hosts at them (a new source comes with its own)."""
    from crawler.replicas import serve_replicas

    with serve_replicas() as served:
        yield served
