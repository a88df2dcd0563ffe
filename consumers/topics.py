"""`tenderwatch setup`, Kafka part: create the topics, idempotently."""

from __future__ import annotations

import structlog
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from consumers.kafka_clients import make_admin
from tenderwatch.common.settings import Settings

log = structlog.get_logger(__name__)


def create_topics(settings: Settings) -> dict[str, str]:
    """Topic → `created` or `exists`. Existing topics are left as they are."""
    admin = make_admin(settings)
    try:
        existing = set(admin.list_topics())
        outcome: dict[str, str] = {}
        for topic in settings.topics:
            if topic in existing:
                outcome[topic] = "exists"
                continue
            try:
                admin.create_topics(
                    [NewTopic(topic, settings.topic_partitions, settings.topic_replication_factor)]
                )
                outcome[topic] = "created"
            except TopicAlreadyExistsError:  # created by someone else meanwhile
                outcome[topic] = "exists"
            log.info(
                "topic_ready",
                topic=topic,
                outcome=outcome[topic],
                partitions=settings.topic_partitions,
            )
        return outcome
    finally:
        admin.close()
