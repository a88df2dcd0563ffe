"""The real engines (Apache Kafka, OpenSearch, Elasticsearch) for the tests, started once per
test run.

Given by the environment (`TENDERWATCH_TEST_OPENSEARCH_URL`, `TENDERWATCH_TEST_KAFKA`: the
lines `tools/engines/engines.sh start` prints, with TEST in the name), they are used as they
are. Otherwise the first test that needs them starts them with `tools/engines/engines.sh`
under `.engines/test` (the pytest-xdist workers share them: a file lock makes one worker
start them, the others wait and reuse them), and the run stops them at its end
(`stop_engines_started_by_tests`, called from the controller's `pytest_sessionfinish`). A
machine without Java or Maven skips these tests with that reason.

Elasticsearch is started apart (`elasticsearch_url`, `engines.sh start elasticsearch`), only by
the tests that use it, and only where a Java 21 or newer is found; `TENDERWATCH_TEST_ES_NODE_URL`
gives one instead. It is a node without the modules Maven Central does not have
(analysis-common, mapper-extras, aggregations, reindex): see tests/store/backends.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import pytest
from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]
ENGINES_SH = ROOT / "tools" / "engines" / "engines.sh"
ENGINES_DIR = Path(os.environ.get("TENDERWATCH_TEST_ENGINES_DIR", ROOT / ".engines" / "test"))
STARTED_MARK = "started-by-tests"
ELASTICSEARCH_STARTED_MARK = "elasticsearch-started-by-tests"


@dataclass(frozen=True)
class Engines:
    kafka_bootstrap_servers: str
    opensearch_url: str


def _given() -> Engines | None:
    opensearch, kafka = (
        os.environ.get("TENDERWATCH_TEST_OPENSEARCH_URL"),
        os.environ.get("TENDERWATCH_TEST_KAFKA"),
    )
    return Engines(kafka, opensearch) if opensearch and kafka else None


def engines() -> Engines:
    """The running engines (started if need be), or a skip that says why they cannot run here."""
    given = _given()
    if given is not None:
        return given
    for tool in ("java", "mvn", "python3"):
        if shutil.which(tool) is None:
            pytest.skip(
                f"the real engines need {tool}, which this machine does not have "
                "(tools/engines/engines.sh: Java 17 and Maven)"
            )
    result = _start(STARTED_MARK)
    if result.returncode != 0:
        pytest.fail(
            f"tools/engines/engines.sh start failed ({result.returncode}):\n{result.stderr[-3000:]}"
        )
    exported = _exported(result)
    return Engines(
        exported["TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS"], exported["TENDERWATCH_OPENSEARCH_URL"]
    )


def elasticsearch_url() -> str:
    """The URL of the tests' Elasticsearch node (started if need be), or a skip that says why it
    cannot run here."""
    given = os.environ.get("TENDERWATCH_TEST_ES_NODE_URL")
    if given:
        return given
    engines()  # Java and Maven are there (or this skipped), and the shared engines run
    result = _start(ELASTICSEARCH_STARTED_MARK, "elasticsearch")
    if result.returncode == 3:  # engines.sh: a tool it needs is missing (here: Java 21+)
        pytest.skip(f"no Elasticsearch node here: {result.stderr.strip().splitlines()[-1]}")
    if result.returncode != 0:
        pytest.fail(
            "tools/engines/engines.sh start elasticsearch failed "
            f"({result.returncode}):\n{result.stderr[-3000:]}"
        )
    return _exported(result)["TENDERWATCH_ELASTICSEARCH_URL"]


def _start(mark: str, *what: str) -> subprocess.CompletedProcess:
    """`engines.sh start [WHAT]` under the tests' ENGINES_DIR, one worker at a time (the others
    wait, then find them running); `mark` is left when it succeeded, for the run to stop them."""
    ENGINES_DIR.mkdir(parents=True, exist_ok=True)
    with FileLock(str(ENGINES_DIR / "start.lock"), timeout=900):
        result = subprocess.run(
            ["bash", str(ENGINES_SH), "start", *what],
            capture_output=True,
            text=True,
            timeout=900,
            env={**os.environ, "ENGINES_DIR": str(ENGINES_DIR)},
            check=False,
        )
        if result.returncode == 0:
            (ENGINES_DIR / mark).touch()
    return result


def _exported(result: subprocess.CompletedProcess) -> dict[str, str]:
    """The `export NAME=VALUE` lines engines.sh printed."""
    return dict(re.findall(r"^export (\w+)=(\S+)$", result.stdout, flags=re.MULTILINE))


def stop_engines_started_by_tests() -> None:
    elasticsearch_mark = ENGINES_DIR / ELASTICSEARCH_STARTED_MARK
    if elasticsearch_mark.exists():  # also when the other engines were given
        subprocess.run(
            ["bash", str(ENGINES_SH), "stop", "elasticsearch"],
            capture_output=True,
            timeout=120,
            check=False,
            env={**os.environ, "ENGINES_DIR": str(ENGINES_DIR)},
        )
        elasticsearch_mark.unlink(missing_ok=True)
    mark = ENGINES_DIR / STARTED_MARK
    if _given() is None and mark.exists():
        subprocess.run(
            ["bash", str(ENGINES_SH), "stop"],
            capture_output=True,
            timeout=120,
            check=False,
            env={**os.environ, "ENGINES_DIR": str(ENGINES_DIR)},
        )
        mark.unlink(missing_ok=True)


class PrivateKafka:
    """An Apache Kafka broker of one test's own (its own ENGINES_DIR), on a chosen port: for
    the faults that stop a broker, which the shared one must not suffer. Stopped on exit."""

    def __init__(self, directory: Path, port: int) -> None:
        self.env = {**os.environ, "ENGINES_DIR": str(directory), "KAFKA_PORT": str(port)}
        self.bootstrap_servers = f"127.0.0.1:{port}"

    def __enter__(self) -> Self:
        engines()  # the shared engines resolved the jars (or this skips where they cannot run)
        result = subprocess.run(
            ["bash", str(ENGINES_SH), "start", "kafka"],
            capture_output=True,
            text=True,
            timeout=300,
            env=self.env,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"a private Kafka did not start:\n{result.stderr[-3000:]}")
        return self

    def start(self) -> Self:
        return self.__enter__()

    def stop(self, kill: bool = False) -> None:
        """Stop it; `kill`: SIGKILL, as a crash (nothing flushed, no controlled shutdown)."""
        pid_file = Path(self.env["ENGINES_DIR"]) / "kafka" / "pid"
        if kill and pid_file.exists():
            import signal
            import time

            pid = int(pid_file.read_text())
            try:
                os.kill(pid, signal.SIGKILL)
                for _ in range(100):
                    os.kill(pid, 0)
                    time.sleep(0.1)
            except ProcessLookupError:
                pass
        subprocess.run(
            ["bash", str(ENGINES_SH), "stop"],
            capture_output=True,
            timeout=120,
            env=self.env,
            check=False,
        )

    def __exit__(self, *exc_info) -> None:
        self.stop()
