"""A real Tansu broker process for the Kafka tests, and helpers to read topics back."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition

from common.settings import Settings
from consumers.topics import create_topics


def settings_for(bootstrap_servers: str, data_dir: Path, **overrides) -> Settings:
    suffix = uuid.uuid4().hex[:8]
    return Settings(
        kafka_bootstrap_servers=bootstrap_servers, data_dir=data_dir,
        tender_events_topic=f"events-{suffix}", alerts_topic=f"alerts-{suffix}", dead_letter_topic=f"dlq-{suffix}",
        autothrottle_start_delay=0.0, **overrides,
    )


@pytest.fixture
def kafka_settings(broker, tmp_path) -> Settings:
    """Settings on the test broker with topics of their own (created)."""
    settings = settings_for(broker.bootstrap_servers, tmp_path / "data")
    create_topics(settings)
    return settings


def read_topic(settings: Settings, topic: str, count: int, timeout_s: float = 30.0) -> list:
    """The first `count` records of `topic` (all partitions, from the start), or fewer at the timeout."""
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, number) for number in sorted(consumer.partitions_for_topic(topic) or [])]
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
