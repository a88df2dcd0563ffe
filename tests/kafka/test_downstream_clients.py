"""The event contract as a downstream team meets it: real records of every event type on a
real broker, read with clients tenderwatch itself does not use (librdkafka through
`confluent-kafka`, `aiokafka`) and parsed with the CloudEvents SDK's auto-detecting
`from_kafka`; `dataschema` resolved in a registry built from `schemas/*.schema.json`."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime

import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_kafka
from cloudevents.core.formats.json import JSONFormat
from confluent_kafka import Consumer, Producer
from kafka.admin import NewTopic

from consumers.alerts.consumer import AlertMatcher
from consumers.alerts.delivery import Deliverer
from consumers.alerts.repository import AlertRepository
from consumers.kafka_clients import CONSUMER_GROUP_TIMEOUTS, make_admin
from schemas.events import CONTENT_TYPE, ENVELOPE_SCHEMA, EVENT_TYPES, TenderEvent
from schemas.saved_search import ALERT_ENVELOPE_SCHEMA, ALERT_MATCHED
from tests.alerts.conftest import handle, saved_search
from tests.kafka.conftest import BROKERS, publish_every_event_type, settings_for, wait_for
from tests.schema_registry import cloudevents_validator, schema_registry, validator_for

NOW = datetime(2026, 3, 1, tzinfo=UTC)
ENVELOPES = {**dict.fromkeys(EVENT_TYPES, ENVELOPE_SCHEMA), ALERT_MATCHED: ALERT_ENVELOPE_SCHEMA}
SOURCES = {
    **dict.fromkeys(EVENT_TYPES, "/tenderwatch/crawler/flextender"),
    ALERT_MATCHED: "/tenderwatch/alerts",
}


@pytest.fixture(scope="module", params=BROKERS)
def published(request, tmp_path_factory, seed_tenders):
    """Settings whose topics hold what tenderwatch itself produced: five tender events (every
    type, through the crawler's outbox) and one alert (through the deliverer); on Tansu and on
    Apache Kafka."""
    from consumers.topics import create_topics

    if request.param == "tansu":
        servers = request.getfixturevalue("broker").bootstrap_servers
    else:
        servers = request.getfixturevalue("engines").kafka_bootstrap_servers
    settings = settings_for(
        servers, tmp_path_factory.mktemp("downstream"), webhook_allow_loopback=True
    )
    create_topics(settings)
    publish_every_event_type(settings, seed_tenders)

    repository = AlertRepository(settings.alerts_path)
    repository.save(
        saved_search("ss_downstream", keyword="procesregisseurs")
    )  # mail: to the mail folder
    handle(
        AlertMatcher(repository), TenderEvent.build(EVENT_TYPES[0], seed_tenders["30922"], 1, NOW)
    )
    deliverer = Deliverer(settings, repository)

    def delivered() -> bool:
        deliverer.deliver_due()
        return not repository.due(float("inf"))

    assert wait_for(delivered, timeout_s=20)
    repository.close()
    return settings


def confluent_records(settings, topics: list[str], count: int, timeout_s: float = 45.0) -> list:
    """As a downstream service reads: a consumer group (the documented timeouts), from the start."""
    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka_bootstrap_servers,
            "group.id": f"downstream-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "session.timeout.ms": CONSUMER_GROUP_TIMEOUTS["session_timeout_ms"],
            "heartbeat.interval.ms": CONSUMER_GROUP_TIMEOUTS["heartbeat_interval_ms"],
            "max.poll.interval.ms": CONSUMER_GROUP_TIMEOUTS["max_poll_interval_ms"],
        }
    )
    records: list = []
    try:
        consumer.subscribe(topics)
        deadline = time.monotonic() + timeout_s
        while len(records) < count and time.monotonic() < deadline:
            record = consumer.poll(0.5)
            if record is None:
                continue
            assert record.error() is None, record.error()
            records.append(record)
        consumer.commit(asynchronous=False)
    finally:
        consumer.close()
    return records


def parse(headers: dict[str, bytes], key: bytes | None, value: bytes):
    return from_kafka(KafkaMessage(headers=headers, key=key, value=value), JSONFormat())


def check_against_the_contract(event, value: bytes, registry) -> None:
    """Every attribute as documented; `dataschema` resolves; `data` and the envelope validate."""
    attributes = event.get_attributes()
    event_type = attributes["type"]
    assert event_type in ENVELOPES
    assert attributes["specversion"] == "1.0" and attributes["source"] == SOURCES[event_type]
    assert attributes["datacontenttype"] == "application/json"  # not the Kafka content-type header
    assert not any(name.startswith("ce_") for name in attributes)
    document = json.loads(value)
    validator_for(registry, attributes["dataschema"]).validate(event.get_data())
    validator_for(registry, ENVELOPES[event_type]).validate(document)
    cloudevents_validator().validate(document)
    if event_type == ALERT_MATCHED:
        assert (
            attributes["id"] == event.get_data()["id"]
            and attributes["partitionkey"] == "ss_downstream"
        )
    else:
        assert attributes["id"] == f"{attributes['subject']}/{event.get_data()['sequence']}"
        assert attributes["partitionkey"] == attributes["subject"]  # the SDK maps the record key


def test_confluent_kafka_and_the_cloudevents_sdk_read_every_event_type(published):
    registry = schema_registry()
    records = confluent_records(
        published, [published.tender_events_topic, published.alerts_topic], 6
    )
    assert len(records) == 6
    for record in records:
        headers = {name: value for name, value in record.headers() or []}
        assert headers == {"content-type": CONTENT_TYPE.encode()}  # structured mode: no ce_ headers
        check_against_the_contract(
            parse(headers, record.key(), record.value()), record.value(), registry
        )
    types = sorted(
        parse(dict(r.headers()), r.key(), r.value()).get_attributes()["type"] for r in records
    )
    assert types == sorted(
        [*EVENT_TYPES, EVENT_TYPES[0], ALERT_MATCHED]
    )  # 30922 and 31050 were both published


def test_aiokafka_with_its_defaults_reads_every_event_type(published):
    from aiokafka import AIOKafkaConsumer

    async def read(count: int) -> list:
        consumer = AIOKafkaConsumer(
            published.tender_events_topic,
            published.alerts_topic,
            bootstrap_servers=published.kafka_bootstrap_servers,
            group_id=f"aiokafka-{uuid.uuid4().hex[:8]}",
            auto_offset_reset="earliest",
            session_timeout_ms=CONSUMER_GROUP_TIMEOUTS["session_timeout_ms"],
            heartbeat_interval_ms=CONSUMER_GROUP_TIMEOUTS["heartbeat_interval_ms"],
            max_poll_interval_ms=CONSUMER_GROUP_TIMEOUTS["max_poll_interval_ms"],
        )
        await consumer.start()
        records: list = []
        try:
            async with asyncio.timeout(45):
                while len(records) < count:
                    for batch in (await consumer.getmany(timeout_ms=500)).values():
                        records.extend(batch)
        finally:
            await consumer.stop()
        return records

    registry = schema_registry()
    records = asyncio.run(read(6))
    for record in records:
        event = parse(dict(record.headers), record.key, record.value)
        check_against_the_contract(event, record.value, registry)
    assert {
        parse(dict(r.headers), r.key, r.value).get_attributes()["type"] for r in records
    } == set(ENVELOPES)


def test_a_librdkafka_producer_with_murmur2_lands_keys_where_tenderwatch_does(published):
    """What the README tells a producer: librdkafka's default partitioner (crc32) puts the
    same keys elsewhere; `murmur2_random` is the Java client's (and kafka-python's)."""
    ours = {
        record.key(): record.partition()
        for record in confluent_records(published, [published.tender_events_topic], 5)
    }
    landed: dict[str, dict[bytes, int]] = {}
    for partitioner in ("murmur2_random", "consistent_random"):
        topic = f"{published.tender_events_topic}-{partitioner}"
        admin = make_admin(published)
        admin.create_topics([NewTopic(topic, published.topic_partitions, 1)])
        admin.close()
        producer = Producer(
            {"bootstrap.servers": published.kafka_bootstrap_servers, "partitioner": partitioner}
        )
        landed[partitioner] = {}
        for key in ours:

            def remember(error, message, key=key, where=landed[partitioner]):
                assert error is None, error
                where[key] = message.partition()

            producer.produce(topic, key=key, value=b"{}", on_delivery=remember)
        assert producer.flush(30) == 0
    assert landed["murmur2_random"] == ours
    assert landed["consistent_random"] != ours  # why the README names the partitioner


def test_the_readme_consumer_reads_the_events(published, tmp_path):
    """The README's downstream consumer, as written, against the test broker and topic."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("A consumer with `confluent-kafka` and the CloudEvents SDK") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert len(code.splitlines()) <= 17
    script = tmp_path / "consumer.py"
    script.write_text(
        code.replace("localhost:9092", published.kafka_bootstrap_servers).replace(
            "tenderwatch.tender-events", published.tender_events_topic
        )
    )
    process = subprocess.Popen(
        [sys.executable, "-u", str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 45
        while len(lines) < 2 and time.monotonic() < deadline:
            line = process.stdout.readline()
            if line:
                lines.append(line.strip())
    finally:
        process.kill()
        process.wait(10)
    assert sorted(line.split()[0] for line in lines) == ["flextender:30922", "flextender:31050"], (
        process.stderr.read()[-2000:]
    )
