"""The one consume loop every tenderwatch consumer runs on; consumers differ only in their handler.

    poll a batch → decode each record → handler(batch) → dead-letter the rejects → commit

- Offsets are committed (`offset + 1` per partition) only after the handler succeeded and
  every reject is on the dead-letter topic; a crash before that means redelivery, so
  handlers must be idempotent (they are: writes are keyed and versioned by `sequence`).
- `TransientError` (store down, timeout): the same batch is retried with exponential
  backoff, forever, with the partitions paused so the consumer stays in its group.
- Any other exception is retried `max_attempts` times, then the batch is split to find the
  poison message, which goes to the dead-letter topic with the reason; the rest go on.
- A record that does not decode (`SerializationError`) is dead-lettered at once.
- Dead letters keep key, value and headers, plus `dlq.reason`, `dlq.topic`,
  `dlq.partition`, `dlq.offset`, `dlq.consumer`, `dlq.time`.
- The cyclic garbage collector is paused while a batch is worked on (`consumers.gc_pause`):
  with it on, decoding a batch of large events took twice as long.
- Kafka itself failing (broker down or restarting: `KafkaError` from creating the consumer,
  `poll` or `commit`) is transient too: logged, backed off (capped), retried; the consumer
  stays alive and rejoins its group when the broker is back.
- `stop()` (SIGINT/SIGTERM with `install_signal_handlers()`) ends the loop after the batch
  in hand; a batch still failing is left uncommitted.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from consumers.gc_pause import collector_paused, collector_resumed
from consumers.kafka_clients import make_consumer, make_producer
from schemas.events import SerializationError, decode_event
from tenderwatch.common.health import Heartbeat
from tenderwatch.common.settings import Settings

log = structlog.get_logger(__name__)


class TransientError(Exception):
    """A failure that will pass (a store or peer unavailable): retry the batch, do not commit."""


@dataclass(frozen=True)
class Message:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]
    payload: Any = None


@dataclass(frozen=True)
class Rejection:
    message: Message
    reason: str


Handler = Callable[[list[Message]], "list[Rejection] | None"]
Decoder = Callable[[bytes | None], Any]


@dataclass
class LoopStats:
    batches: int = 0
    processed: int = 0
    dead_lettered: int = 0
    retries: int = 0
    committed: dict[TopicPartition, int] = field(default_factory=dict)


class ConsumeLoop:
    def __init__(
        self,
        *,
        name: str,
        group_id: str,
        topics: list[str],
        handler: Handler,
        settings: Settings,
        decode: Decoder = decode_event,
        max_records: int = 500,
        max_attempts: int = 3,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30.0,
        lag_log_interval_s: float = 10.0,
        consumer: KafkaConsumer | None = None,
        dead_letter_producer: KafkaProducer | None = None,
    ) -> None:
        self.name, self.group_id, self.topics = name, group_id, topics
        self.handler, self.decode, self.settings = handler, decode, settings
        self.max_records, self.max_attempts = max_records, max_attempts
        self.backoff_base_s, self.backoff_max_s = backoff_base_s, backoff_max_s
        self.lag_log_interval_s = lag_log_interval_s
        self._consumer, self._producer = consumer, dead_letter_producer
        self._stop = threading.Event()
        self.stats = LoopStats()
        self.log = log.bind(consumer=name, group_id=group_id)
        self.heartbeat = Heartbeat(settings, name)

    # lifecycle ----------------------------------------------------------------------

    def stop(self, *_: Any) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGINT, self.stop)
        signal.signal(signal.SIGTERM, self.stop)

    def run(self) -> LoopStats:
        consumer = self._consumer or self._connect()
        if consumer is None:
            return self.stats  # stopped before a broker answered
        self.log.info("consumer_started", topics=self.topics)
        next_lag_log = time.monotonic() + self.lag_log_interval_s
        failures = 0
        try:
            while not self.stopping:
                self.heartbeat.beat()
                try:
                    polled = consumer.poll(timeout_ms=500, max_records=self.max_records)
                except KafkaError as exc:
                    failures += 1
                    self._kafka_unavailable("poll", exc, failures)
                    continue
                if failures:
                    self.log.info("kafka_available_again", after_failures=failures)
                    failures = 0
                records = [record for batch in polled.values() for record in batch]
                if records:
                    with collector_paused():
                        self._process_batch(consumer, records)
                if time.monotonic() >= next_lag_log:
                    self._log_lag(consumer)
                    next_lag_log = time.monotonic() + self.lag_log_interval_s
        finally:
            try:
                consumer.close(autocommit=False)
            except Exception as exc:  # noqa: BLE001 - closing against a dead broker must not hide the stop
                self.log.warning("consumer_close_failed", error=str(exc))
            if self._producer is not None:
                self._producer.close(timeout=5)
            self.log.info(
                "consumer_stopped",
                processed=self.stats.processed,
                dead_lettered=self.stats.dead_lettered,
            )
        if self.stopping:  # asked to stop (not an exception on the way out): the last beat says so
            self.heartbeat.finish()
        return self.stats

    def _connect(self) -> KafkaConsumer | None:
        """The consumer, once a broker answers; None when stopped first."""
        failures = 0
        while not self.stopping:
            try:
                return make_consumer(self.settings, self.group_id, *self.topics)
            except KafkaError as exc:
                failures += 1
                self._kafka_unavailable("connect", exc, failures)
        return None

    def _kafka_unavailable(self, operation: str, exc: KafkaError, failures: int) -> None:
        """Kafka failing is transient: log, back off (interruptibly), let the caller retry."""
        delay = min(self.backoff_max_s, self.backoff_base_s * 2 ** min(failures - 1, 16))
        self.log.warning(
            "kafka_unavailable_retrying",
            operation=operation,
            attempt=failures,
            error=f"{type(exc).__name__}: {exc}",
            retry_in_s=delay,
        )
        self.stats.retries += 1
        deadline = time.monotonic() + delay
        while not self.stopping and time.monotonic() < deadline:
            self.heartbeat.beat()
            self._stop.wait(min(0.5, max(0.0, deadline - time.monotonic())))

    # one batch ----------------------------------------------------------------------

    def _process_batch(self, consumer: KafkaConsumer, records: list) -> None:
        decoded: list[Message] = []
        rejections: list[Rejection] = []
        for record in records:
            message = Message(
                record.topic,
                record.partition,
                record.offset,
                record.key,
                record.value,
                [(name, value) for name, value in (record.headers or [])],
            )
            try:
                decoded.append(
                    Message(**{**message.__dict__, "payload": self.decode(record.value)})
                )
            except SerializationError as exc:
                rejections.append(Rejection(message, f"undecodable: {exc}"))
        handled = self._handle_with_retries(consumer, decoded) if decoded else []
        if handled is None:
            return  # stopping while the batch still fails: leave it uncommitted
        rejections.extend(handled)
        if rejections and not self._dead_letter(consumer, rejections):
            return
        self._commit(consumer, records)
        self.stats.batches += 1
        self.stats.processed += len(records)

    def _handle_with_retries(
        self, consumer: KafkaConsumer, messages: list[Message]
    ) -> list[Rejection] | None:
        attempt = 0
        while not self.stopping:
            try:
                return list(self.handler(messages) or [])
            except TransientError as exc:
                attempt += 1
                self.log.warning(
                    "handler_transient_failure",
                    attempt=attempt,
                    error=str(exc),
                    batch=len(messages),
                )
            except Exception as exc:  # noqa: BLE001 - the policy for unexpected handler failures
                attempt += 1
                self.log.warning(
                    "handler_failed",
                    attempt=attempt,
                    error=f"{type(exc).__name__}: {exc}",
                    batch=len(messages),
                )
                if attempt >= self.max_attempts:
                    if len(messages) == 1:
                        return [
                            Rejection(
                                messages[0],
                                f"handler failed {attempt} times: {type(exc).__name__}: {exc}",
                            )
                        ]
                    return self._isolate(consumer, messages)
            self.stats.retries += 1
            self._wait(consumer, min(self.backoff_max_s, self.backoff_base_s * 2 ** (attempt - 1)))
        return None

    def _isolate(self, consumer: KafkaConsumer, messages: list[Message]) -> list[Rejection] | None:
        """Handle messages one by one, so only the poison one is rejected."""
        rejections: list[Rejection] = []
        for message in messages:
            single = self._handle_with_retries(consumer, [message])
            if single is None:
                return None
            rejections.extend(single)
        return rejections

    def _wait(self, consumer: KafkaConsumer, seconds: float) -> None:
        """Back off without leaving the group: partitions paused, poll keeps membership alive.
        Called only while a batch is in hand, so the garbage collector pause is lifted for the
        wait."""
        assigned = list(consumer.assignment())
        consumer.pause(*assigned)
        deadline = time.monotonic() + seconds
        try:
            with collector_resumed():
                while not self.stopping and time.monotonic() < deadline:
                    self.heartbeat.beat()
                    try:
                        consumer.poll(
                            timeout_ms=int(min(500, max(1, (deadline - time.monotonic()) * 1000)))
                        )
                    except KafkaError as exc:  # the broker is down too: keep waiting, retry after
                        self.log.warning(
                            "kafka_unavailable_during_backoff", error=f"{type(exc).__name__}: {exc}"
                        )
                        self._stop.wait(min(0.5, max(0.0, deadline - time.monotonic())))
        finally:
            consumer.resume(*[tp for tp in assigned if tp in consumer.assignment()])

    def _dead_letter(self, consumer: KafkaConsumer, rejections: list[Rejection]) -> bool:
        """Send every reject to the dead-letter topic and wait for the acks; False when stopping."""
        attempt = 0
        while not self.stopping:
            try:
                producer = self._producer = self._producer or make_producer(self.settings)
                futures = [
                    producer.send(
                        self.settings.dead_letter_topic,
                        key=rejection.message.key,
                        value=rejection.message.value,
                        headers=self._dead_letter_headers(rejection),
                    )
                    for rejection in rejections
                ]
                producer.flush()
                for future in futures:
                    future.get(timeout=0)
            except KafkaError as exc:
                attempt += 1
                self.log.warning("dead_letter_failed", attempt=attempt, error=str(exc))
                self._wait(
                    consumer, min(self.backoff_max_s, self.backoff_base_s * 2 ** (attempt - 1))
                )
                continue
            for rejection in rejections:
                message = rejection.message
                self.log.warning(
                    "message_dead_lettered",
                    topic=message.topic,
                    partition=message.partition,
                    offset=message.offset,
                    reason=rejection.reason,
                )
            self.stats.dead_lettered += len(rejections)
            return True
        return False

    def _dead_letter_headers(self, rejection: Rejection) -> list[tuple[str, bytes]]:
        message = rejection.message
        return [
            *message.headers,
            ("dlq.reason", rejection.reason.encode("utf-8")),
            ("dlq.topic", message.topic.encode()),
            ("dlq.partition", str(message.partition).encode()),
            ("dlq.offset", str(message.offset).encode()),
            ("dlq.consumer", self.name.encode()),
            ("dlq.time", datetime.now(UTC).isoformat().encode()),
        ]

    def _commit(self, consumer: KafkaConsumer, records: list) -> None:
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for record in records:
            partition = TopicPartition(record.topic, record.partition)
            next_offset = record.offset + 1
            if partition not in offsets or offsets[partition].offset < next_offset:
                offsets[partition] = OffsetAndMetadata(next_offset, "", -1)
        try:
            consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:
            # A rebalance took the partitions: the new owner gets the batch again (idempotent).
            self.log.warning("commit_failed_batch_will_be_redelivered", error=str(exc))
            return
        for partition, offset in offsets.items():
            self.stats.committed[partition] = offset.offset

    def _log_lag(self, consumer: KafkaConsumer) -> None:
        assigned = list(consumer.assignment())
        if not assigned:
            return
        try:
            ends = consumer.end_offsets(assigned)
            lag = {
                f"{tp.topic}[{tp.partition}]": max(0, ends[tp] - consumer.position(tp))
                for tp in assigned
            }
        except KafkaError as exc:
            self.log.warning("lag_unknown", error=str(exc))
            return
        self.log.info("consumer_lag", lag=sum(lag.values()), partitions=lag)
