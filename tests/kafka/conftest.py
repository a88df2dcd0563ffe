"""The brokers the Kafka tests run on, each a real process: Tansu (the embedded default) always,
and Apache Kafka (KRaft, `tools/engines/engines.sh`, started once per test run; slow, so the
fast loop needs no Java); helpers to read topics back."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition

from consumers.kafka_clients import make_producer
from consumers.topics import create_topics
from crawler.publisher import OutboxPublisher
from crawler.state import CrawlState
from tenderwatch.common.settings import Settings


def settings_for(bootstrap_servers: str, data_dir: Path, **overrides) -> Settings:
    suffix = uuid.uuid4().hex[:8]
    return Settings(
        kafka_bootstrap_servers=bootstrap_servers,
        data_dir=data_dir,
        tender_events_topic=f"events-{suffix}",
        alerts_topic=f"alerts-{suffix}",
        dead_letter_topic=f"dlq-{suffix}",
        autothrottle_start_delay=0.0,
        **overrides,
    )


BROKERS = ["tansu", pytest.param("apache-kafka", marks=pytest.mark.slow)]


@pytest.fixture(params=BROKERS)
def kafka_settings(request, tmp_path) -> Settings:
    """Settings on a test broker (each test runs on both) with topics of their own (created)."""
    if request.param == "tansu":
        servers = request.getfixturevalue("broker").bootstrap_servers
    else:
        servers = request.getfixturevalue("engines").kafka_bootstrap_servers
    settings = settings_for(servers, tmp_path / "data")
    create_topics(settings)
    return settings


def read_topic(settings: Settings, topic: str, count: int, timeout_s: float = 30.0) -> list:
    """The first `count` records of `topic` (all partitions, from the start), or fewer at the
    timeout."""
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False
    )
    try:
        partitions = [
            TopicPartition(topic, number)
            for number in sorted(consumer.partitions_for_topic(topic) or [])
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        records: list = []
        deadline = time.monotonic() + timeout_s
        while len(records) < count and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def wait_for(condition, timeout_s: float = 30.0, interval_s: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval_s)
    return False


def publish_every_event_type(settings: Settings, seed_tenders) -> CrawlState:
    """Five tender events through the crawler's outbox and publisher: 30922 published, updated
    (region) and expired; 31050 published and withdrawn. Returns the crawl state."""
    seen_at = datetime(2026, 3, 1, tzinfo=UTC)
    state = CrawlState(settings.state_path)
    published = seed_tenders["30922"]
    state.apply(published, list_fingerprint="1", seen_at=seen_at)
    updated = published.model_copy(update={"region": "Gelderland"}).with_content_hash()
    state.apply(updated, list_fingerprint="2", seen_at=seen_at)
    state.apply(
        updated.model_copy(update={"status": "expired"}), list_fingerprint=None, seen_at=seen_at
    )
    state.apply(seed_tenders["31050"], list_fingerprint="1", seen_at=seen_at)
    state.apply(
        seed_tenders["31050"].model_copy(update={"status": "withdrawn"}),
        list_fingerprint=None,
        seen_at=seen_at,
    )
    producer = make_producer(settings)
    assert OutboxPublisher(state, producer, settings.tender_events_topic).drain() == 5
    producer.close()
    return state
