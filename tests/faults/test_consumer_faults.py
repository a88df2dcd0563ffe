"""Faults on the consuming side, against a real broker: a consumer SIGKILLed mid-batch, poison,
truncated and unknown-version records, and the search store gone for a while."""

from __future__ import annotations

import signal
import sqlite3
import threading
import time

import pytest

from consumers.indexer import Indexer
from consumers.loop import ConsumeLoop
from consumers.snapshot import TenderSnapshot
from consumers.store.embedded import EmbeddedStore
from schemas.search import SearchFilter, SearchPage
from tests.kafka.conftest import read_topic, wait_for
from tests.kafka.test_consume_loop import committed, events_for, produce, start_consumer


@pytest.mark.timeout(180)
def test_consumer_sigkilled_mid_batch(kafka_settings, seed_tenders, tmp_path, fault_report):
    total = 3000
    produce(kafka_settings, events_for(seed_tenders, total))
    first = start_consumer(kafka_settings, tmp_path, max_records=50)
    try:
        assert wait_for(
            lambda: committed(kafka_settings, "tenderwatch-snapshot") > 0,
            timeout_s=60,
            interval_s=0.02,
        )
        first.kill()  # SIGKILL: no cleanup, no final commit
        first.wait(timeout=10)
    finally:
        first.kill()
    at_kill = committed(kafka_settings, "tenderwatch-snapshot")
    assert 0 < at_kill < total, "the kill should land mid-stream"

    second = start_consumer(kafka_settings, tmp_path, max_records=50)
    try:
        assert wait_for(
            lambda: committed(kafka_settings, "tenderwatch-snapshot") >= total, timeout_s=120
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    snapshot = TenderSnapshot(tmp_path / "tenders.sqlite3")
    rows, received = snapshot.tenders(), snapshot.received()
    snapshot.close()
    doubled = len(rows) - len({row[0] for row in rows})
    result = fault_report(
        events_in=total,
        events_out=len({row[0] for row in rows}),
        lost=total - len(rows),
        duplicated=doubled,
        note=f"killed at offset sum {at_kill}; {received - total} redelivered, "
        "absorbed (one row per tender)",
    )
    assert (result.lost, result.duplicated) == (0, 0)
    assert all(sequence == 1 for _, sequence, _, _ in rows)
    assert received >= total  # at least once; redeliveries changed nothing


@pytest.mark.timeout(240)
def test_two_consumers_of_one_group_one_killed_the_other_takes_over(
    kafka_settings, seed_tenders, tmp_path, fault_report
):
    """Two `consume snapshot` processes share the group on 4 partitions; one is SIGKILLed
    mid-stream; after the rebalance the survivor consumes every partition to the end."""
    total = 2000
    produce(kafka_settings, events_for(seed_tenders, total))
    first = start_consumer(kafka_settings, tmp_path, max_records=20)
    second = start_consumer(kafka_settings, tmp_path, max_records=20)
    try:
        assert wait_for(
            lambda: committed(kafka_settings, "tenderwatch-snapshot") >= 200,
            timeout_s=90,
            interval_s=0.05,
        )
        # SIGKILL: no leave-group, no final commit; the group notices by its session timeout
        first.kill()
        first.wait(timeout=10)
        at_kill = committed(kafka_settings, "tenderwatch-snapshot")
        assert at_kill < total, "the kill should land mid-stream"
        assert wait_for(
            lambda: committed(kafka_settings, "tenderwatch-snapshot") >= total, timeout_s=150
        )
    finally:
        first.kill()
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert second.returncode == 0
    snapshot = TenderSnapshot(tmp_path / "tenders.sqlite3")
    rows, received = snapshot.tenders(), snapshot.received()
    snapshot.close()
    distinct = len({row[0] for row in rows})
    result = fault_report(
        events_in=total,
        events_out=distinct,
        lost=total - distinct,
        duplicated=len(rows) - distinct,
        note=f"one of two killed at offset sum {at_kill}; {received - total} redelivered after "
        "the rebalance, absorbed",
    )
    assert (result.lost, result.duplicated) == (0, 0)
    assert all(sequence == 1 for _, sequence, _, _ in rows)


def run_until(loop: ConsumeLoop, condition, timeout_s: float = 60) -> None:
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        assert wait_for(condition, timeout_s=timeout_s), "the loop did not get there in time"
    finally:
        loop.stop()
        thread.join(timeout=20)
    assert not thread.is_alive()


@pytest.mark.timeout(120)
def test_poison_truncated_and_unknown_version_records(
    kafka_settings, seed_tenders, tmp_path, fault_report
):
    good = events_for(seed_tenders, 20)
    key, value = good[0]
    future_version = value.replace(b"tender-event-data:2", b"tender-event-data:3")
    assert future_version != value
    bad = [
        (b"flextender:poison", b"\x00\xff not an event"),
        (key, value[: len(value) // 2]),
        (key, future_version),
        (b"flextender:tombstone", None),
    ]
    produce(kafka_settings, good[:10] + bad + good[10:])
    snapshot = TenderSnapshot(tmp_path / "tenders.sqlite3")
    loop = ConsumeLoop(
        name="snapshot",
        group_id="faults-poison",
        topics=[kafka_settings.tender_events_topic],
        handler=snapshot.handle,
        settings=kafka_settings,
        backoff_base_s=0.05,
    )
    run_until(loop, lambda: committed(kafka_settings, "faults-poison") == 24)
    letters = read_topic(kafka_settings, kafka_settings.dead_letter_topic, 4)
    reasons = sorted(
        dict(letter.headers)["dlq.reason"].decode().split(":")[0] for letter in letters
    )
    rows = snapshot.tenders()
    snapshot.close()
    result = fault_report(
        events_in=24,
        events_out=len(rows) + len(letters),
        lost=24 - len(rows) - len(letters),
        duplicated=len(rows) - len({row[0] for row in rows}),
        note=f"20 applied, {len(letters)} dead-lettered with reasons; the loop went on",
    )
    assert (result.lost, result.duplicated, len(rows)) == (0, 0, 20)
    assert reasons == ["undecodable", "undecodable", "undecodable", "undecodable"]
    assert {
        dict(letter.headers)["dlq.reason"].decode().split(": ", 1)[1].split(" ")[0]
        for letter in letters
    } >= {"unknown", "empty", "not"}


@pytest.mark.timeout(120)
def test_search_store_unavailable_for_a_while(kafka_settings, seed_tenders, tmp_path, fault_report):
    total = 50
    store_path = tmp_path / "search.sqlite3"
    store = EmbeddedStore(store_path, busy_timeout_s=0.5)
    store.setup()
    blocker = sqlite3.connect(store_path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the store: every write fails for now
    produce(kafka_settings, events_for(seed_tenders, total))
    loop = ConsumeLoop(
        name="indexer",
        group_id="faults-store",
        topics=[kafka_settings.tender_events_topic],
        handler=Indexer(store).handle,
        settings=kafka_settings,
        backoff_base_s=0.2,
        backoff_max_s=1.0,
    )
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: loop.stats.retries >= 3, timeout_s=60), (
            "the indexer should keep retrying"
        )
        committed_while_down = committed(kafka_settings, "faults-store")
        blocker.execute("ROLLBACK")
        blocker.close()
        outage_over = time.monotonic()
        assert wait_for(lambda: committed(kafka_settings, "faults-store") == total, timeout_s=60)
        caught_up_s = time.monotonic() - outage_over
    finally:
        loop.stop()
        thread.join(timeout=20)
    found = store.search(SearchFilter(status="all"), SearchPage(limit=1000))
    store.close()
    result = fault_report(
        events_in=total,
        events_out=found.total,
        lost=total - found.total,
        duplicated=0,
        note=f"{loop.stats.retries} retries without commit while down; caught up "
        f"{caught_up_s:.1f} s "
        "after the store came back",
    )
    assert committed_while_down == 0 and loop.stats.dead_lettered == 0
    assert (result.lost, found.total) == (0, total)
