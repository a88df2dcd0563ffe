"""The broker is SIGKILLed in the middle of a crawl and a new one starts on the same address:
the embedded broker (Tansu), and Apache Kafka (a broker of the test's own from tools/engines).

The embedded broker keeps everything in memory, so what it had acknowledged but nobody had
consumed yet dies with it (Apache Kafka with acks=all keeps it). The kill therefore lands
when the crawl is held still and every acknowledged event has been consumed; the crawl goes
on while no broker runs, and everything after the kill must come through the outbox."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from consumers.broker import EmbeddedBroker, free_port
from consumers.snapshot import TenderSnapshot
from consumers.topics import create_topics
from crawler.sources.flextender.replica import FlextenderReplica
from crawler.sources.flextender.replica.server import open_copy
from crawler.state import CrawlState
from tenderwatch.common.settings import Settings
from tests.kafka.conftest import wait_for

LISTINGS = 40


def replica_pages() -> dict[str, str]:
    """40 open listings: copies of one seed under new request numbers and titles, closing in
    2027."""
    return {str(50000 + number): open_copy(50000 + number) for number in range(LISTINGS)}


def crawl_counts(data_dir) -> tuple[int, int]:
    """(events waiting in the outbox, tenders the crawler has published)."""
    state = CrawlState(data_dir / "crawler-state.sqlite3")
    try:
        return state.pending_count(), state.connection.execute(
            "SELECT COUNT(*) FROM listings"
        ).fetchone()[0]
    finally:
        state.close()


def all_acknowledged_consumed(data_dir, received) -> bool:
    """Nothing waits in the outbox and the snapshot holds every tender the crawler published."""
    pending, published = crawl_counts(data_dir)
    return pending == 0 and published > 0 and received() == published


def new_broker(kind: str, tmp_path, port: int, number: int):
    if kind == "tansu":
        return EmbeddedBroker(tmp_path / f"broker-{number}.log", port=port).start()
    from tests.engines import PrivateKafka

    return PrivateKafka(
        tmp_path / "engines", port
    ).start()  # the same address, a new broker (new cluster)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("kind", ["tansu", "apache-kafka"])
def test_broker_killed_and_restarted_mid_crawl(tmp_path, fault_report, kind):
    port = free_port()
    data_dir = tmp_path / "data"
    settings = Settings(kafka_bootstrap_servers=f"127.0.0.1:{port}", data_dir=data_dir)
    first = new_broker(kind, tmp_path, port, 1)
    second = None
    with FlextenderReplica(pages=replica_pages()) as site:
        site.detail_delay_s = 0.25  # a crawl of ~10 s, so the kill lands in the middle
        create_topics(settings)
        env = {
            **os.environ,
            "TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
            "TENDERWATCH_AUTOTHROTTLE_START_DELAY": "0",
            "TENDERWATCH_LOG_FORMAT": "json",
            "TENDERWATCH_DATA_DIR": str(data_dir),
        }
        run = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tenderwatch.cli",
                "run",
                "--once",
                "--consumers",
                "snapshot",
                "--base-url",
                site.url,
                "--api-url",
                site.url,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(tmp_path / "run.log", "wb"),
        )
        try:
            snapshot_path = data_dir / "tenders.sqlite3"

            def received() -> int:
                if not snapshot_path.exists():
                    return 0
                snapshot = TenderSnapshot(snapshot_path)
                try:
                    return len(snapshot.tenders())
                finally:
                    snapshot.close()

            # The crawl records listings as it goes and writes their events when it settles, at
            # its end: kill the broker once it is under way ...
            assert wait_for(
                lambda: crawl_counts(data_dir)[1] >= 5, timeout_s=90, interval_s=0.05
            ), "the crawl did not get under way"
            site.details_open.clear()  # hold the crawl still ...
            at_kill = received()
            first.stop(kill=True)  # ... kill the broker (SIGKILL) ...
            site.details_open.set()  # ... and let the crawl go on, and settle, with no broker
            assert wait_for(lambda: crawl_counts(data_dir)[0] > 0, timeout_s=90, interval_s=0.1), (
                "the crawl's events never reached the outbox"
            )
            held_while_down = crawl_counts(data_dir)[0]
            second = new_broker(kind, tmp_path, port, 2)
            create_topics(settings)  # what `tenderwatch setup` does for a new cluster
            assert run.wait(timeout=200) == 0, (tmp_path / "run.log").read_text()[-3000:]
        finally:
            run.kill()
            if (
                second is not None
            ):  # the first was killed already (and, for Kafka, shares its folder)
                second.stop()
            else:
                first.stop(kill=True)
    snapshot = TenderSnapshot(data_dir / "tenders.sqlite3")
    state = CrawlState(data_dir / "crawler-state.sqlite3")
    try:
        tenders = snapshot.tenders()
        deliveries = snapshot.received()
        pending = state.pending_count()
    finally:
        snapshot.close()
        state.close()
    result = fault_report(
        events_in=LISTINGS,
        events_out=len(tenders),
        lost=LISTINGS - len(tenders),
        duplicated=sum(1 for _, sequence, _, _ in tenders if sequence != 1),
        note=f"killed after {at_kill} arrived; outbox held up to {held_while_down} while down; "
        f"{deliveries} deliveries absorbed by sequence",
    )
    assert at_kill < LISTINGS, "the kill should land mid-crawl"
    assert held_while_down > 0, (
        "the crawl went on while no broker ran, and the outbox held its events"
    )
    assert (result.lost, result.duplicated, pending) == (0, 0, 0)
    assert sorted(tender_id for tender_id, _, _, _ in tenders) == sorted(
        f"flextender:{50000 + n}" for n in range(LISTINGS)
    )
