"""`tenderwatch run` as a process: stopped at any moment it ends in bounded time and leaves
no process behind; Ctrl-C is quiet; a dead embedded broker or consumer thread takes it down
and `health` says so; the log's figures are right. Real processes throughout."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from crawler.sources.flextender.replica import FlextenderReplica
from tests.kafka.conftest import wait_for
from tests.kafka.test_search_after_run import SEED_TIME, tenderwatch
from tests.test_children import gone

STOP_BOUND_S = 45.0  # crawl grace 10 s + thread joins 20 s + broker grace 10 s, with room to spare


def start_run(
    site: FlextenderReplica, data_dir: Path, log_path: Path, *options: str
) -> subprocess.Popen:
    env = {
        **os.environ,
        "TENDERWATCH_NOW": SEED_TIME,
        "TENDERWATCH_AUTOTHROTTLE_START_DELAY": "0",
        "TENDERWATCH_LOG_FORMAT": "json",
        "TENDERWATCH_DATA_DIR": str(data_dir),
    }
    env.pop("TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS", None)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tenderwatch.cli",
            "run",
            "--base-url",
            site.url,
            "--api-url",
            site.url,
            *options,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(log_path, "wb"),
        start_new_session=True,
    )


def descendants(pid: int) -> list[int]:
    try:
        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def log_lines(path: Path) -> list[dict]:
    lines = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            lines.append({"event": line, "level": "raw"})
    return lines


def snapshot_count(data_dir: Path) -> int:
    from consumers.snapshot import TenderSnapshot

    if not (data_dir / "tenders.sqlite3").exists():
        return 0
    snapshot = TenderSnapshot(data_dir / "tenders.sqlite3")
    try:
        return len(snapshot.tenders())
    finally:
        snapshot.close()


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_stop_at_any_moment_ends_run_in_bounded_time_and_leaves_no_process(tmp_path):
    """SIGTERM at moments from 'the broker is starting' through 'mid-crawl' to 'between crawls',
    sent to `run` alone or to its whole process group (as `timeout` does)."""
    moments = [0.05, 0.6, 1.5] + sorted(random.Random(12).uniform(2.0, 9.0) for _ in range(5))
    with FlextenderReplica() as site:
        site.detail_delay_s = 0.4  # a crawl of a few seconds
        for trial, moment in enumerate(moments):
            log_path = tmp_path / f"run-{trial}.log"
            run = start_run(site, tmp_path / f"data-{trial}", log_path, "--interval", "1s")
            seen: set[int] = set()
            started = time.monotonic()
            while time.monotonic() - started < moment:
                seen.update(descendants(run.pid))
                time.sleep(0.02)
            to_group = trial % 2 == 1
            if to_group:
                os.killpg(run.pid, signal.SIGTERM)
            else:
                run.send_signal(signal.SIGTERM)
            stop_at = time.monotonic()
            try:
                code = run.wait(timeout=STOP_BOUND_S)
            except subprocess.TimeoutExpired:
                run.kill()
                pytest.fail(
                    f"run did not stop within {STOP_BOUND_S}s of SIGTERM at {moment:.2f}s "
                    f"(group={to_group}): {log_path.read_text()[-2000:]}"
                )
            took = time.monotonic() - stop_at
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not all(gone(pid) for pid in seen):
                time.sleep(0.05)
            left = [pid for pid in seen if not gone(pid)]
            assert not left, f"processes left behind after a stop at {moment:.2f}s: {left}"
            assert code in (0, 5, -signal.SIGTERM), (moment, code, log_path.read_text()[-2000:])
            assert took < STOP_BOUND_S
            stopping = [line for line in log_lines(log_path) if line.get("event") == "run_stopping"]
            assert len(stopping) <= 1 and all(line["reason"] == "SIGTERM" for line in stopping)


@pytest.mark.timeout(180)
def test_ctrl_c_after_a_cycle_is_quiet_and_the_log_figures_are_right(tmp_path):
    """Ctrl-C (SIGINT to the whole foreground process group) after a cycle: one line saying the
    run stops, no error lines (the consumers stop before the broker), figures not null."""
    data_dir = tmp_path / "data"
    log_path = tmp_path / "run.log"
    with FlextenderReplica() as site:
        run = start_run(site, data_dir, log_path, "--interval", "1h")
        try:
            assert wait_for(lambda: snapshot_count(data_dir) == 3, timeout_s=90), (
                log_path.read_text()[-3000:]
            )
            assert wait_for(
                lambda: any(line.get("event") == "cycle_crawled" for line in log_lines(log_path)),
                timeout_s=30,
            ), "the cycle did not end"
            time.sleep(0.5)  # let the consumers commit and idle
            os.killpg(run.pid, signal.SIGINT)
            assert run.wait(timeout=STOP_BOUND_S) == 0, log_path.read_text()[-3000:]
        finally:
            run.kill()
    lines = log_lines(log_path)
    errors = [line for line in lines if line.get("level") in ("error", "critical", "raw")]
    assert errors == [], errors[:5]
    assert [line["reason"] for line in lines if line.get("event") == "run_stopping"] == ["SIGINT"]
    (cycle,) = [line for line in lines if line.get("event") == "cycle_crawled"]
    assert cycle["published"] == 3 and cycle["outbox_pending"] == 0
    (crawl,) = [line for line in lines if line.get("event") == "crawl_finished"]
    assert "published" not in crawl and crawl["outbox_pending"] >= 0
    text = log_path.read_text()
    assert "Dumping Scrapy stats" not in text and " ran for " not in text
    order = [
        line.get("event")
        for line in lines
        if line.get("event") in ("consumer_stopped", "embedded_broker_stopped")
    ]
    assert (
        order
        and order[-1] == "embedded_broker_stopped"
        and "embedded_broker_stopped" not in order[:-1]
    )


def broker_pid(run_pid: int) -> int | None:
    for pid in descendants(run_pid):
        try:
            if "broker" in psutil.Process(pid).cmdline():
                return pid
        except psutil.NoSuchProcess:
            continue
    return None


@pytest.mark.timeout(180)
def test_run_whose_embedded_broker_dies_stops_with_6_and_health_says_unhealthy(tmp_path):
    data_dir = tmp_path / "data"
    log_path = tmp_path / "run.log"
    env = {"TENDERWATCH_DATA_DIR": str(data_dir)}
    with FlextenderReplica() as site:
        run = start_run(site, data_dir, log_path, "--interval", "1h")
        try:
            assert wait_for(lambda: snapshot_count(data_dir) == 3, timeout_s=90), (
                log_path.read_text()[-3000:]
            )
            assert wait_for(
                lambda: tenderwatch("health", "indexer", env=env).returncode == 0, timeout_s=15
            )
            pid = broker_pid(run.pid)
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            assert run.wait(timeout=STOP_BOUND_S) == 6, log_path.read_text()[-3000:]
        finally:
            run.kill()
    died = [line for line in log_lines(log_path) if line.get("event") == "component_died"]
    assert died and died[0]["component"] == "embedded-broker"
    for name in ("crawler", "indexer"):
        health = tenderwatch("health", name, env=env)
        assert health.returncode == 1
        assert "embedded-broker died" in health.stderr or "has exited" in health.stderr, (
            health.stderr
        )


def test_health_names_the_processes_and_takes_a_data_dir(tmp_path):
    bogus = tenderwatch("health", "bogus")
    assert bogus.returncode == 2 and "'crawler', 'snapshot', 'indexer', 'alerts'" in bogus.stderr
    missing = tenderwatch("health", "crawler", "--data-dir", str(tmp_path))
    assert missing.returncode == 1 and "no heartbeat" in missing.stderr
    beat = (
        "from tenderwatch.common.settings import Settings; from tenderwatch.common.health import "
        "Heartbeat; "
        f"Heartbeat(Settings(data_dir={str(tmp_path)!r}), 'crawler').beat()"
    )
    subprocess.run([sys.executable, "-c", beat], check=True)  # a process that beat, then exited
    exited = tenderwatch("health", "crawler", "--data-dir", str(tmp_path))
    assert exited.returncode == 1 and "has exited" in exited.stderr, exited.stderr
    from tenderwatch.common.health import Heartbeat
    from tenderwatch.common.settings import Settings

    Heartbeat(Settings(data_dir=tmp_path), "crawler").beat()  # this process: alive
    alive = tenderwatch("health", "crawler", "--data-dir", str(tmp_path))
    assert alive.returncode == 0 and "alive" in alive.stdout, alive.stderr
