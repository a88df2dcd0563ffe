"""The fault-injection suite: real processes, each test bounded in time and cleaning up after
itself, each reporting events in / events out / lost / duplicated. The table is printed at the
end of the run; with TENDERWATCH_FAULT_REPORT=path it is also written there as JSON (the
figures in RELIABILITY.md come from such a run)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

import pytest

from tests.alerts.conftest import settings  # noqa: F401  (alert settings in a temporary data directory)
from tests.kafka.conftest import kafka_settings  # noqa: F401  (a topic set of its own on the shared broker)

RESULTS: list[FaultResult] = []


@dataclass(frozen=True)
class FaultResult:
    fault: str
    events_in: int
    events_out: int
    lost: int
    duplicated: int
    note: str = ""


@pytest.fixture
def fault_report(request):
    """`fault_report(events_in=..., events_out=..., lost=..., duplicated=..., note=...)`; the test
    still asserts the figures it promises (zero lost, zero duplicate effects)."""

    def record(**figures) -> FaultResult:
        result = FaultResult(fault=request.node.name.removeprefix("test_"), **figures)
        RESULTS.append(result)
        return result

    return record


def pytest_terminal_summary(terminalreporter) -> None:
    if not RESULTS:
        return
    terminalreporter.section("fault injection: events in / out / lost / duplicated")
    for result in RESULTS:
        terminalreporter.line(
            f"{result.fault:<64} {result.events_in:>7} {result.events_out:>7} "
            f"{result.lost:>5} {result.duplicated:>5}  {result.note}"
        )
    path = os.environ.get("TENDERWATCH_FAULT_REPORT")
    if path:
        with open(path, "w", encoding="utf-8") as report:
            json.dump([asdict(result) for result in RESULTS], report, indent=2)


def pytest_collection_modifyitems(config, items) -> None:
    """The fault suite starts and kills real processes: all of it is `slow` (`pytest -m 'not slow'`
    skips it)."""
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.slow)
