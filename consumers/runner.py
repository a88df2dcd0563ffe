"""`tenderwatch run`: the all-in-one process.

Broker (embedded unless TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS is set) → topics → every
registered consumer on its own thread → crawls on a schedule. Each crawl runs in a child
process (Scrapy's reactor cannot restart within one process) that writes the outbox; this
process publishes the outbox, also between crawls, so events wait out a broker outage.
`--once`: one crawl, publish, wait until every consumer group has committed every event,
then stop everything and exit.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import structlog
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from consumers.broker import EmbeddedBroker
from consumers.health import Heartbeat
from consumers.kafka_clients import make_admin, make_producer
from consumers.registry import CONSUMERS
from consumers.topics import create_topics
from crawler.config import Settings
from crawler.publisher import OutboxPublisher
from crawler.state import CrawlState

log = structlog.get_logger(__name__)

EXIT_NOT_CONSUMED = 5


@contextmanager
def kafka_available(settings: Settings) -> Iterator[Settings]:
    """Settings pointing at a broker: the configured one, or an embedded one for the duration."""
    if settings.kafka_bootstrap_servers:
        yield settings
        return
    with EmbeddedBroker(Path(settings.data_dir) / "broker.log") as broker:
        # The embedded default is one user on one machine: loopback webhooks stay allowed.
        yield settings.model_copy(update={"kafka_bootstrap_servers": broker.bootstrap_servers,
                                          "webhook_allow_loopback": settings.webhooks_may_use_loopback})


def unconsumed(settings: Settings, group_ids: list[str]) -> dict[str, int]:
    """Group → events on the tender topic it has not committed yet."""
    probe = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, request_timeout_ms=10000,
                          enable_auto_commit=False)
    admin = make_admin(settings)
    try:
        partitions = [TopicPartition(settings.tender_events_topic, number)
                      for number in sorted(probe.partitions_for_topic(settings.tender_events_topic) or [])]
        ends = probe.end_offsets(partitions)
        behind: dict[str, int] = {}
        for group_id in group_ids:  # one group per request: older brokers fetch no more
            committed = admin.list_group_offsets({group_id: partitions}).get(group_id, {})
            # Tansu may report a commit past the end offset of a compressed batch: >= is caught up.
            behind[group_id] = sum(
                max(0, ends[tp] - max(0, committed[tp].offset if tp in committed else 0)) for tp in partitions)
        return behind
    finally:
        probe.close()
        admin.close()


class Runner:
    def __init__(self, settings: Settings, *, once: bool, interval_s: float, consumed_timeout_s: float = 120.0,
                 consumers: list[str] | None = None) -> None:
        self.settings, self.once, self.interval_s = settings, once, interval_s
        self.consumer_names = list(CONSUMERS) if consumers is None else consumers
        self.heartbeat = Heartbeat(settings, "crawler")
        self.consumed_timeout_s = consumed_timeout_s
        self.stop_requested = threading.Event()
        self.workers: list = []

    def request_stop(self, *_: object) -> None:
        self.stop_requested.set()

    def run(self) -> int:
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)
        with kafka_available(self.settings) as settings:
            create_topics(settings)
            specs = [CONSUMERS[name] for name in self.consumer_names]
            loops = [spec.loop(settings) for spec in specs]
            self.workers = [spec.worker(settings) for spec in specs if spec.worker is not None]
            workers_stop = threading.Event()
            threads = [threading.Thread(target=loop.run, name=f"consumer-{loop.name}", daemon=True) for loop in loops]
            threads += [threading.Thread(target=worker.run, args=(workers_stop,), name=f"worker-{type(worker).__name__}",
                                         daemon=True) for worker in self.workers]
            for thread in threads:
                thread.start()
            state = CrawlState(settings.state_path)
            publisher = OutboxPublisher(state, None, settings.tender_events_topic,
                                        producer_factory=lambda: make_producer(settings))
            try:
                return self._cycles(settings, publisher, [loop.group_id for loop in loops])
            finally:
                for loop in loops:
                    loop.stop()
                workers_stop.set()
                for thread in threads:
                    thread.join(timeout=15)
                publisher.close()
                state.close()

    def _cycles(self, settings: Settings, publisher: OutboxPublisher, group_ids: list[str]) -> int:
        cycle = 0
        while not self.stop_requested.is_set():
            cycle += 1
            crawl_code = self.crawl(settings, publisher)
            published = publisher.drain()
            log.info("cycle_crawled", cycle=cycle, crawl_exit_code=crawl_code, published=published,
                     outbox_pending=publisher.state.pending_count())
            if self.once:
                return crawl_code or self._wait_until_consumed(settings, publisher, group_ids)
            next_crawl = time.monotonic() + self.interval_s
            while not self.stop_requested.wait(timeout=min(5.0, max(0.0, next_crawl - time.monotonic()))):
                self.heartbeat.beat()
                if publisher.state.pending_count():
                    publisher.drain()
                if time.monotonic() >= next_crawl:
                    break
        return 0

    def crawl(self, settings: Settings, publisher: OutboxPublisher | None = None) -> int:
        """One crawl in a child process; it writes the outbox, this process publishes it while
        the crawl goes on, so a new listing's event is on its way seconds after its fetch."""
        env = {key: value for key, value in os.environ.items() if key != "TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS"}
        env.update({
            "TENDERWATCH_DATA_DIR": str(settings.data_dir),
            "TENDERWATCH_FLEXTENDER_BASE_URL": settings.flextender_base_url,
            "TENDERWATCH_FLEXTENDER_API_URL": settings.flextender_api_url,
            "TENDERWATCH_AUTOTHROTTLE_START_DELAY": str(settings.autothrottle_start_delay),
            "TENDERWATCH_LOG_LEVEL": settings.log_level,
            **({"TENDERWATCH_NOW": settings.now.isoformat()} if settings.now else {}),
        })
        child = subprocess.Popen([sys.executable, "-m", "crawler.cli", "crawl", "flextender"], env=env)
        while child.poll() is None:
            self.heartbeat.beat()
            if self.stop_requested.wait(timeout=0.2):
                child.terminate()
            elif publisher is not None and publisher.state.pending_count():
                publisher.drain()
        return child.wait()

    def _wait_until_consumed(self, settings: Settings, publisher: OutboxPublisher, group_ids: list[str]) -> int:
        deadline = time.monotonic() + self.consumed_timeout_s
        behind: dict[str, int] = {}
        while time.monotonic() < deadline and not self.stop_requested.is_set():
            if publisher.state.pending_count():
                publisher.drain()
            try:
                behind = unconsumed(settings, group_ids)
            except KafkaError as exc:
                log.warning("consumer_progress_unknown", error=str(exc))
                behind = {group: -1 for group in group_ids}
            if (not publisher.state.pending_count() and all(count == 0 for count in behind.values())
                    and all(worker.settled() for worker in self.workers)):
                log.info("cycle_consumed", groups=group_ids)
                return 0
            time.sleep(0.25)
        log.error("events_left_unconsumed", behind=behind, outbox_pending=publisher.state.pending_count(),
                  workers_settled=[worker.settled() for worker in self.workers])
        return EXIT_NOT_CONSUMED
