"""Publishes the crawler's outbox to Kafka and deletes what the broker acknowledged.

Rows go out in outbox order, keyed by tender id (acks=all, idempotent producer, zstd). After a
failure only the acknowledged prefix is deleted: later rows are sent again next time, so
an event can arrive twice (same CloudEvent id and sequence; consumers are idempotent) but
is never lost and never overtaken by a newer event of the same tender.

With `retain` (a broker that keeps messages in memory: the embedded default) acknowledged rows
are not deleted but kept with their partition and offset, until every consumer group has
committed past them; a fresh broker is refilled from them (`CrawlState.requeue_retained`).
"""

from __future__ import annotations

from collections.abc import Callable

import structlog
from kafka import KafkaProducer
from kafka.errors import KafkaError

from crawler.state import CrawlState
from schemas.events import CONTENT_TYPE

log = structlog.get_logger(__name__)


class OutboxPublisher:
    """With `producer_factory`, a producer that failed is closed and replaced before the next
    drain: after a broker restart kafka-python's idempotent producer can stay in a fatal state
    (its producer id unknown to the new broker) and would never publish again."""

    def __init__(
        self,
        state: CrawlState,
        producer: KafkaProducer | None,
        topic: str,
        batch_size: int = 1000,
        producer_factory: Callable[[], KafkaProducer] | None = None,
        retain: bool = False,
    ) -> None:
        self.state, self.topic, self.batch_size, self.retain = state, topic, batch_size, retain
        self.producer_factory = producer_factory
        self._producer = producer

    @property
    def producer(self) -> KafkaProducer:
        if self._producer is None:
            assert self.producer_factory is not None, "no producer and no factory"
            self._producer = self.producer_factory()
        return self._producer

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=5)
            self._producer = None

    def drain(self) -> int:
        """Publish until the outbox is empty or the broker fails; returns how many were
        published."""
        try:
            published, failed = self._drain()
        except KafkaError as exc:  # e.g. no broker to create a producer with
            log.warning(
                "outbox_publisher_unavailable", error=str(exc), pending=self.state.pending_count()
            )
            return 0
        if failed and self.producer_factory is not None:
            self.close()  # a fresh producer (new producer id) next time
        return published

    def _drain(self) -> tuple[int, bool]:
        published = 0
        while True:
            rows = self.state.pending(self.batch_size)
            if not rows:
                return published, False
            futures = []
            for row in rows:
                try:
                    futures.append(
                        self.producer.send(
                            self.topic,
                            key=row.key,
                            value=row.value,
                            headers=[("content-type", CONTENT_TYPE.encode())],
                        )
                    )
                except KafkaError as exc:  # e.g. no metadata within max_block_ms: broker down
                    log.warning("outbox_send_refused", error=str(exc))
                    break
            if futures:
                self.producer.flush()
            acknowledged: list[tuple[int, int, int]] = []
            for row, future in zip(rows, futures):
                try:
                    placed = future.get(timeout=0)
                except KafkaError as exc:
                    log.warning(
                        "outbox_publish_failed",
                        error=str(exc),
                        pending=len(rows) - len(acknowledged),
                    )
                    break
                acknowledged.append((row.id, placed.partition, placed.offset))
            if self.retain:
                self.state.retain_published(acknowledged)
            else:
                self.state.delete_published([row_id for row_id, _, _ in acknowledged])
            published += len(acknowledged)
            if len(acknowledged) < len(rows) or not acknowledged:
                return published, True
