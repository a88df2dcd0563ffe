"""kafka-python client settings that work on Apache Kafka and on the embedded Tansu broker.

Producer: zstd batches of up to 1 MiB. A tender event is ~25 KB of JSON; with gzip (or
without compression) kafka-python spends its time compressing or pushing bytes and
manages ~1,000 events/s, with zstd and the `crc32c` C package ~5,000
(tenderwatch/benchmarks/events.py).

Group timeouts are shorter than kafka-python's defaults: with `max_poll_interval_ms=300000`
a new group member waits out the whole rebalance timeout on Tansu before it gets partitions
(see shared/embedded-services.md); 5-6 s are safe on Apache Kafka too for handlers that
finish a batch well within that.
"""

from __future__ import annotations

from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

from tenderwatch.common.settings import Settings

CONSUMER_GROUP_TIMEOUTS = {
    "max_poll_interval_ms": 30000,
    "session_timeout_ms": 6000,
    "heartbeat_interval_ms": 1000,
}


def producer_config(settings: Settings, **overrides: Any) -> dict[str, Any]:
    return {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "client_id": f"{settings.kafka_client_id}-producer",
        "acks": "all",
        "enable_idempotence": True,
        "compression_type": "zstd",
        "linger_ms": 20,
        "batch_size": 1_048_576,
        "max_request_size": 8_388_608,
        "max_block_ms": 10000,
        "request_timeout_ms": 10000,
        "delivery_timeout_ms": 30000,
        **overrides,
    }


def consumer_config(settings: Settings, group_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "client_id": f"{settings.kafka_client_id}-{group_id}",
        "group_id": group_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "request_timeout_ms": 10000,
        **CONSUMER_GROUP_TIMEOUTS,
        **overrides,
    }


def make_producer(settings: Settings, **overrides: Any) -> KafkaProducer:
    return KafkaProducer(**producer_config(settings, **overrides))


def make_consumer(
    settings: Settings, group_id: str, *topics: str, **overrides: Any
) -> KafkaConsumer:
    return KafkaConsumer(*topics, **consumer_config(settings, group_id, **overrides))


def make_admin(settings: Settings) -> KafkaAdminClient:
    return KafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{settings.kafka_client_id}-admin",
        request_timeout_ms=10000,
    )
