from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.sources.flextender.normalize import normalise
from crawler.sources.flextender.pages import FlextenderDetailPage
from crawler.sources.flextender.replica.server import bundled_pages

# Every test process refuses hosts other than this machine; the fixture fails a test that tried.
from tests.network_guard.plugin import no_real_hosts  # noqa: F401

FIXTURES = Path(__file__).parent / "fixtures"
# `tenderwatch run` crawls every source; tests that serve only Flextender's replica must not
# reach for the real Striive and Inhuurdesk hosts. Tests of many sources set it themselves.
os.environ.setdefault("TENDERWATCH_SOURCES", "flextender")
# The seeds were open around this moment; their deadlines fall between April and July 2026.
SEED_CLOCK = datetime(2026, 3, 1, 11, 0, tzinfo=UTC)


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
