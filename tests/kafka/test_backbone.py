"""Tender events through a real Tansu broker: the crawler's outbox, the publisher, the wire."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from consumers.kafka_clients import make_producer
from crawler.publisher import OutboxPublisher
from crawler.sources.flextender.replica import FlextenderReplica
from crawler.state import CrawlState
from schemas.events import decode_event
from tests.kafka.conftest import publish_every_event_type, read_topic

SEED_TIME = "2026-03-01T12:00:00+01:00"
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def crawl(
    settings, site, *, now: str = SEED_TIME, bootstrap: str | None = None
) -> subprocess.CompletedProcess:
    """`tenderwatch crawl flextender` as a user runs it, publishing to `bootstrap` (default: the
    settings')."""
    env = {
        **os.environ,
        "TENDERWATCH_NOW": now,
        "TENDERWATCH_DATA_DIR": str(settings.data_dir),
        "TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS": bootstrap or settings.kafka_bootstrap_servers,
        "TENDERWATCH_TENDER_EVENTS_TOPIC": settings.tender_events_topic,
        "TENDERWATCH_AUTOTHROTTLE_START_DELAY": "0",
        "TENDERWATCH_LOG_FORMAT": "json",
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tenderwatch.cli",
            "crawl",
            "flextender",
            "--base-url",
            site.url,
            "--api-url",
            site.url,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def replica():
    with FlextenderReplica() as site:
        yield site


def test_round_trip_of_every_event_type(kafka_settings, seed_tenders):
    state = publish_every_event_type(kafka_settings, seed_tenders)
    assert state.pending_count() == 0

    records = read_topic(kafka_settings, kafka_settings.tender_events_topic, 5)
    events = sorted(
        (decode_event(record.value) for record in records),
        key=lambda event: (event.subject, event.data.sequence),
    )
    assert [(event.subject, event.type, event.data.sequence) for event in events] == [
        ("flextender:30922", "nl.tenderwatch.tender.published", 1),
        ("flextender:30922", "nl.tenderwatch.tender.updated", 2),
        ("flextender:30922", "nl.tenderwatch.tender.expired", 3),
        ("flextender:31050", "nl.tenderwatch.tender.published", 1),
        ("flextender:31050", "nl.tenderwatch.tender.withdrawn", 2),
    ]
    assert (
        events[1].data.changed_fields == ["region"] and events[1].data.tender.region == "Gelderland"
    )
    for record in records:
        assert record.key == decode_event(record.value).subject.encode()
        assert (
            dict(record.headers)["content-type"] == b"application/cloudevents+json; charset=utf-8"
        )
    by_partition = {}
    for record in records:
        by_partition.setdefault(record.key, set()).add(record.partition)
    assert all(
        len(partitions) == 1 for partitions in by_partition.values()
    )  # one tender, one partition
    in_order = [
        decode_event(r.value).data.sequence
        for r in sorted(records, key=lambda r: r.offset)
        if r.key == b"flextender:30922"
    ]
    assert in_order == [1, 2, 3]


def test_crawl_publishes_once_then_only_what_changed(kafka_settings, replica):
    first = crawl(kafka_settings, replica)
    assert first.returncode == 0, first.stderr
    assert '"published": 3' in first.stderr
    again = crawl(kafka_settings, replica)
    assert again.returncode == 0 and '"published": 0' in again.stderr  # unchanged: nothing

    replica.pages["30922"] = replica.pages["30922"].replace("functieschaal 11", "functieschaal 10A")
    changed = crawl(kafka_settings, replica)
    assert changed.returncode == 0 and '"published": 1' in changed.stderr
    events = [
        decode_event(record.value)
        for record in read_topic(kafka_settings, kafka_settings.tender_events_topic, 4)
    ]
    assert sorted(event.type for event in events) == ["nl.tenderwatch.tender.published"] * 3 + [
        "nl.tenderwatch.tender.updated"
    ]
    [update] = [event for event in events if event.type == "nl.tenderwatch.tender.updated"]
    assert update.subject == "flextender:30922" and update.data.sequence == 2
    assert "pay_scale" in update.data.changed_fields
    assert set(update.data.changed_fields) <= {"pay_scale", "description", "sections"}
    assert update.data.tender.pay_scale.label == "10A"


@pytest.mark.slow
def test_broker_down_during_a_crawl_loses_nothing(kafka_settings, replica, tmp_path, request):
    """The crawl runs while no broker listens: its events wait in the outbox; once a broker
    is back they arrive, the same events as a crawl with the broker up would have sent. On
    Tansu and on Apache Kafka (a broker of the test's own, on the port the crawl tried)."""
    from consumers.broker import EmbeddedBroker, free_port
    from consumers.topics import create_topics
    from tests.engines import PrivateKafka

    port = free_port()
    down = crawl(kafka_settings, replica, bootstrap=f"127.0.0.1:{port}")
    assert down.returncode == 0, down.stderr
    state = CrawlState(kafka_settings.state_path)
    waiting = [decode_event(row.value) for row in state.pending()]
    assert sorted(event.subject for event in waiting) == [
        "flextender:28671",
        "flextender:30922",
        "flextender:31050",
    ]

    apache_kafka = request.node.callspec.params["kafka_settings"] == "apache-kafka"
    back = (
        PrivateKafka(tmp_path / "engines", port)
        if apache_kafka
        else EmbeddedBroker(tmp_path / "second-broker.log", port=port)
    )
    with back as restarted:
        settings = kafka_settings.model_copy(
            update={"kafka_bootstrap_servers": restarted.bootstrap_servers}
        )
        create_topics(settings)
        producer = make_producer(settings)
        assert OutboxPublisher(state, producer, settings.tender_events_topic).drain() == 3
        producer.close()
        arrived = [
            decode_event(record.value)
            for record in read_topic(settings, settings.tender_events_topic, 3)
        ]
    assert sorted(arrived, key=lambda event: event.id) == sorted(
        waiting, key=lambda event: event.id
    )
    assert state.pending_count() == 0
    state.close()


def test_run_once_against_the_replica_leaves_nothing_unconsumed(replica, tmp_path):
    env = {
        **os.environ,
        "TENDERWATCH_NOW": SEED_TIME,
        "TENDERWATCH_AUTOTHROTTLE_START_DELAY": "0",
        "TENDERWATCH_LOG_FORMAT": "json",
    }
    env.pop("TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS", None)  # embedded broker
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tenderwatch.cli",
            "run",
            "--once",
            "--base-url",
            replica.url,
            "--api-url",
            replica.url,
            "--data-dir",
            str(tmp_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert '"event": "cycle_consumed"' in result.stderr
    from consumers.snapshot import TenderSnapshot

    snapshot = TenderSnapshot(tmp_path / "tenders.sqlite3")
    rows = snapshot.tenders()
    assert [(tender_id, sequence, kind) for tender_id, sequence, kind, _ in rows] == [
        ("flextender:28671", 1, "nl.tenderwatch.tender.published"),
        ("flextender:30922", 1, "nl.tenderwatch.tender.published"),
        ("flextender:31050", 1, "nl.tenderwatch.tender.published"),
    ]
    assert json.loads(rows[1][3])["pay_scale"]["label"] == "11"
    state = CrawlState(tmp_path / "crawler-state.sqlite3")
    # The embedded broker's events were kept until every group had them, then let go.
    assert (state.pending_count(), state.retained_count()) == (0, 0)
    assert '"outbox_retained": 0' in result.stderr
