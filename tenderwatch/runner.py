"""`tenderwatch run`: the all-in-one process.

Broker (embedded unless TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS is set) → topics → every
registered consumer on its own thread → crawls on a schedule. Each crawl runs in a child
process (Scrapy's reactor cannot restart within one process) that writes the outbox; this
process publishes the outbox, also between crawls, so events wait out a broker outage.
`--once`: one crawl, publish, wait until every consumer group has committed every event,
then stop everything and exit.

Stopping (SIGINT/SIGTERM, said once in the log) always ends in bounded time and in order:
the crawl child (SIGTERM, wait, SIGKILL), the consumers, the workers, the publisher, the
broker. The children run in sessions of their own (`tenderwatch.common.children`), so a Ctrl-C or a
signal to the whole process group reaches this process, which decides the order.

A part that dies takes the process down instead of leaving it alive and deaf: a consumer
or worker thread that raises, or the embedded broker exiting, is logged (`component_died`),
marked in every heartbeat of the process (so `tenderwatch health` says unhealthy at once),
and `run` stops with exit code 6.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import structlog
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from consumers.broker import EmbeddedBroker
from consumers.kafka_clients import make_admin, make_producer
from consumers.registry import CONSUMERS
from consumers.topics import create_topics
from crawler.crawl import crawl_environment
from crawler.publisher import OutboxPublisher
from crawler.sources import enabled, platforms
from crawler.state import CrawlState
from tenderwatch.common import children
from tenderwatch.common.health import Heartbeat, report_fault
from tenderwatch.common.settings import Settings
from tenderwatch.crawl_summary import SourceSummary, summary_table

log = structlog.get_logger(__name__)

EXIT_NOT_CONSUMED = 5
EXIT_COMPONENT_DIED = 6
THREAD_JOIN_BUDGET_S = 20.0
CRAWL_STOP_GRACE_S = 10.0
PRUNE_INTERVAL_S = 10.0  # how often retained outbox rows every group has consumed are deleted


@contextmanager
def kafka_available(settings: Settings) -> Iterator[tuple[Settings, EmbeddedBroker | None]]:
    """Settings pointing at a broker: the configured one, or an embedded one for the
    duration (returned too, so its death can be noticed)."""
    if settings.kafka_bootstrap_servers:
        yield settings, None
        return
    with EmbeddedBroker(Path(settings.data_dir) / "broker.log") as broker:
        # The embedded default is one user on one machine: loopback webhooks stay allowed.
        yield (
            settings.model_copy(
                update={
                    "kafka_bootstrap_servers": broker.bootstrap_servers,
                    "webhook_allow_loopback": settings.webhooks_may_use_loopback,
                }
            ),
            broker,
        )


def group_positions(
    settings: Settings, group_ids: list[str]
) -> tuple[dict[int, int], dict[str, dict[int, int]]]:
    """The tender topic's end offset per partition, and per group its committed offset per
    partition (0 where it has committed nothing)."""
    probe = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        request_timeout_ms=10000,
        enable_auto_commit=False,
    )
    admin = make_admin(settings)
    try:
        partitions = [
            TopicPartition(settings.tender_events_topic, number)
            for number in sorted(probe.partitions_for_topic(settings.tender_events_topic) or [])
        ]
        ends = {tp.partition: offset for tp, offset in probe.end_offsets(partitions).items()}
        committed: dict[str, dict[int, int]] = {}
        for group_id in group_ids:  # one group per request: older brokers fetch no more
            offsets = admin.list_group_offsets({group_id: partitions}).get(group_id, {})
            committed[group_id] = {
                tp.partition: max(0, offsets[tp].offset if tp in offsets else 0)
                for tp in partitions
            }
        return ends, committed
    finally:
        probe.close()
        admin.close()


def unconsumed(settings: Settings, group_ids: list[str]) -> dict[str, int]:
    """Group → events on the tender topic it has not committed yet."""
    ends, committed = group_positions(settings, group_ids)
    # Tansu may report a commit past the end offset of a compressed batch: >= is caught up.
    return {
        group_id: sum(max(0, ends[partition] - offsets[partition]) for partition in ends)
        for group_id, offsets in committed.items()
    }


def consumed_by_every_group(settings: Settings, group_ids: list[str]) -> dict[int, int]:
    """Partition → the offset below which every group has committed (with no group: all)."""
    ends, committed = group_positions(settings, group_ids)
    if not group_ids:
        return {partition: 2**62 for partition in ends}
    return {
        partition: min(offsets[partition] for offsets in committed.values()) for partition in ends
    }


class Runner:
    def __init__(
        self,
        settings: Settings,
        *,
        once: bool,
        interval_s: float,
        consumed_timeout_s: float = 120.0,
        consumers: list[str] | None = None,
        show_summary: Callable[[str], None] | None = None,
    ) -> None:
        self.settings, self.once, self.interval_s = settings, once, interval_s
        # where the table of every source's crawl goes after each cycle: stdout unless told
        self.show_summary = show_summary or (lambda text: print(text, flush=True))
        self.consumer_names = list(CONSUMERS) if consumers is None else consumers
        self.heartbeat = Heartbeat(settings, "crawler")
        self.consumed_timeout_s = consumed_timeout_s
        self.stop_requested = threading.Event()
        self.workers: list = []
        self.broker: EmbeddedBroker | None = None
        self.died: str | None = None  # the component whose death stopped the run
        self.published_this_cycle = 0
        self.settings_in_use = settings  # with the embedded broker's address once it runs
        self.group_ids: list[str] = []
        self.next_prune = 0.0

    def request_stop(self, signal_number: int | None = None, _frame: object = None) -> None:
        if not self.stop_requested.is_set():
            reason = signal.Signals(signal_number).name if signal_number else "request"
            log.info("run_stopping", reason=reason)
        self.stop_requested.set()

    def component_died(self, component: str, error: str) -> None:
        """A part of the process can no longer work: say so, mark the heartbeats, stop."""
        if self.died is None:
            self.died = component
            log.critical(
                "component_died",
                component=component,
                error=error,
                action="stopping tenderwatch run (exit 6); restart it",
            )
            report_fault(f"{component} died: {error}")
            self.heartbeat.beat()
        self.stop_requested.set()

    def _guarded(self, component: str, target, *args) -> None:
        """Thread body: run `target`; if it raises, the whole run stops with a clear line."""
        try:
            target(*args)
        except BaseException as exc:
            log.exception("thread_died", thread=component)
            self.component_died(component, f"{type(exc).__name__}: {exc}")

    def healthy(self) -> bool:
        """False (and the run stopping) once the embedded broker has exited on its own."""
        if self.broker is not None and not self.broker.alive and self.died is None:
            self.component_died(
                "embedded-broker",
                f"exited with code {self.broker.exit_code}; see {self.broker.log_path}",
            )
        return self.died is None

    def run(self) -> int:
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)
        with kafka_available(self.settings) as (settings, broker):
            self.broker = broker
            self.settings_in_use = settings
            create_topics(settings)
            specs = [CONSUMERS[name] for name in self.consumer_names]
            loops = [spec.loop(settings) for spec in specs]
            self.workers = [
                spec.worker(settings, platforms()) for spec in specs if spec.worker is not None
            ]
            workers_stop = threading.Event()
            consumer_threads = [
                threading.Thread(
                    target=self._guarded,
                    args=(f"consumer-{loop.name}", loop.run),
                    name=f"consumer-{loop.name}",
                    daemon=True,
                )
                for loop in loops
            ]
            worker_threads = [
                threading.Thread(
                    target=self._guarded,
                    args=(f"worker-{type(worker).__name__}", worker.run, workers_stop),
                    name=f"worker-{type(worker).__name__}",
                    daemon=True,
                )
                for worker in self.workers
            ]
            for thread in consumer_threads + worker_threads:
                thread.start()
            state = CrawlState(settings.state_path)
            # The embedded broker keeps messages in memory: the outbox keeps each event until
            # every group has committed past it, and refills a fresh broker from what it kept.
            retain = broker is not None
            publisher = OutboxPublisher(
                state,
                None,
                settings.tender_events_topic,
                producer_factory=lambda: make_producer(settings),
                retain=retain,
            )
            self.group_ids = [loop.group_id for loop in loops]
            if retain:
                requeued = state.requeue_retained()
                if requeued:
                    log.warning(
                        "outbox_refill",
                        events=requeued,
                        reason="the last run ended before every consumer had every event",
                    )
            try:
                code = self._cycles(settings, publisher, self.group_ids)
            finally:
                for loop in loops:
                    loop.stop()
                self._join(consumer_threads)
                workers_stop.set()
                self._join(worker_threads)
                if publisher.retain and self.died is None:  # less to refill next time
                    self._prune(publisher)
                publisher.close()
                state.close()
        if self.died is not None:
            return EXIT_COMPONENT_DIED
        if code == 0:
            self.heartbeat.finish()
        log.info("run_stopped", exit_code=code)
        return code

    @staticmethod
    def _join(threads: list[threading.Thread]) -> None:
        """Join within one shared budget; a thread still busy after it is left (daemon) and
        named."""
        deadline = time.monotonic() + THREAD_JOIN_BUDGET_S
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        still = [thread.name for thread in threads if thread.is_alive()]
        if still:
            log.warning("threads_still_busy_at_stop", threads=still, waited_s=THREAD_JOIN_BUDGET_S)

    def _drain(self, publisher: OutboxPublisher) -> None:
        if publisher.state.pending_count():
            self.published_this_cycle += publisher.drain()
        if publisher.retain and time.monotonic() >= self.next_prune:
            self.next_prune = time.monotonic() + PRUNE_INTERVAL_S
            self._prune(publisher)

    def _prune(self, publisher: OutboxPublisher) -> None:
        """Delete the retained events every consumer group has committed past."""
        if not publisher.state.retained_count():
            return
        try:
            deleted = publisher.state.prune_consumed(
                consumed_by_every_group(self.settings_in_use, self.group_ids)
            )
        except KafkaError as exc:
            log.warning("outbox_prune_postponed", error=str(exc))
            return
        log.debug("outbox_pruned", deleted=deleted, retained=publisher.state.retained_count())

    def _cycles(self, settings: Settings, publisher: OutboxPublisher, group_ids: list[str]) -> int:
        cycle = 0
        while not self.stop_requested.is_set() and self.healthy():
            cycle += 1
            self.published_this_cycle = 0
            crawl_code = self.crawl_every_source(settings, publisher)
            if self.stop_requested.is_set():
                break
            self._drain(publisher)
            log.info(
                "cycle_crawled",
                cycle=cycle,
                crawl_exit_code=crawl_code,
                published=self.published_this_cycle,
                outbox_pending=publisher.state.pending_count(),
            )
            if self.once:
                return crawl_code or self._wait_until_consumed(settings, publisher, group_ids)
            next_crawl = time.monotonic() + self.interval_s
            while not self.stop_requested.wait(
                timeout=min(1.0, max(0.0, next_crawl - time.monotonic()))
            ):
                if not self.healthy():
                    break
                self.heartbeat.beat()
                self._drain(publisher)
                if time.monotonic() >= next_crawl:
                    break
        return 0

    def crawl_every_source(self, settings: Settings, publisher: OutboxPublisher) -> int:
        """Each enabled source in turn, each in its own child; the cycle's code is the first
        failing one (a source that fails does not keep the others from being crawled). Each
        child says on stderr when its source starts and ends; after each, one log line with the
        source's health, also kept in the crawler's heartbeat; at the end, a table of every
        source on stdout (ok, or failed with the reason in words; how long; what it found)."""
        summaries = []
        with tempfile.TemporaryDirectory(prefix="tenderwatch-crawl-") as directory:
            for source in enabled(settings.sources):
                if self.stop_requested.is_set():
                    break
                summary_path = Path(directory) / f"{source}.json"
                started = time.monotonic()
                code = self.crawl(settings, publisher, source, summary_path=summary_path)
                summaries.append(
                    SourceSummary.read(
                        summary_path, source, code, round(time.monotonic() - started, 1)
                    )
                )
                status = publisher.state.source_status(source)
                figures = {
                    "exit_code": code,
                    "open_listings": status.open_listings,
                    "last_complete_crawl": status.last_complete_at,
                    "last_error": status.last_error,
                    "failing_since": status.failing_since,
                }
                (log.warning if code else log.info)("source_crawled", source=source, **figures)
                self.heartbeat.details.setdefault("sources", {})[source] = figures
                self.heartbeat.beat(force=True)
        if summaries:
            self.show_summary(summary_table(summaries))
        return next((summary.exit_code for summary in summaries if summary.exit_code), 0)

    def crawl_argv(self, source: str) -> list[str]:
        return [sys.executable, "-m", "tenderwatch.cli", "crawl", source]

    def crawl(
        self,
        settings: Settings,
        publisher: OutboxPublisher | None = None,
        source: str = "flextender",
        summary_path: Path | None = None,
    ) -> int:
        """One crawl in a child process; it writes the outbox, this process publishes it while
        the crawl goes on, so a new listing's event is on its way seconds after its fetch.
        A stop request ends the child in bounded time (SIGTERM, wait, SIGKILL)."""
        env = {
            key: value
            for key, value in os.environ.items()
            if key != "TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS"
        }
        env.update(crawl_environment(settings))
        summary = ["--summary-file", str(summary_path)] if summary_path is not None else []
        child = children.spawn_python([*self.crawl_argv(source), *summary], env=env)
        while child.poll() is None:
            if self.stop_requested.is_set() or not self.healthy():
                code = children.stop(child, "crawl", grace_s=CRAWL_STOP_GRACE_S)
                return -1 if code is None else code
            self.heartbeat.beat()
            if publisher is not None:
                self._drain(publisher)
            self.stop_requested.wait(timeout=0.2)
        return child.wait()

    def _wait_until_consumed(
        self, settings: Settings, publisher: OutboxPublisher, group_ids: list[str]
    ) -> int:
        deadline = time.monotonic() + self.consumed_timeout_s
        behind: dict[str, int] = {}
        while time.monotonic() < deadline and not self.stop_requested.is_set() and self.healthy():
            self._drain(publisher)
            try:
                behind = unconsumed(settings, group_ids)
            except KafkaError as exc:
                log.warning("consumer_progress_unknown", error=str(exc))
                behind = {group: -1 for group in group_ids}
            if (
                not publisher.state.pending_count()
                and all(count == 0 for count in behind.values())
                and all(worker.settled() for worker in self.workers)
            ):
                if publisher.retain:
                    self._prune(publisher)
                log.info(
                    "cycle_consumed",
                    groups=group_ids,
                    published=self.published_this_cycle,
                    outbox_retained=publisher.state.retained_count(),
                )
                return 0
            time.sleep(0.25)
        if self.stop_requested.is_set():
            log.info("stopped_before_every_event_was_consumed", behind=behind)
            return EXIT_NOT_CONSUMED
        log.error(
            "events_left_unconsumed",
            behind=behind,
            outbox_pending=publisher.state.pending_count(),
            workers_settled=[worker.settled() for worker in self.workers],
        )
        return EXIT_NOT_CONSUMED
