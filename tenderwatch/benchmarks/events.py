"""Event backbone benchmark, on the embedded Tansu broker.

- produce: N tender events (the seed tenders with distinct ids, ~25 KB of JSON each) through
  the real producer settings (acks=all, idempotent, zstd), events/s until the last ack:
  the median of three rounds after a warm-up of 1,000 events;
- consume: the same events through the one consume loop (decode + a handler that keeps
  the ids), events/s from the first to the last record (group join time printed apart);
- memory: peak RSS of `tenderwatch run --once` against the replica, its process tree
  summed (run + crawl child + broker) and the run process alone.
Goals: at least 5,000 events/s each way. Run: `python tenderwatch/benchmarks/events.py [--events N]
[--json]`.
Tansu's memory engine keeps every byte in RAM and slows as it holds more: 16,000 events
(~400 MB) measure about a fifth lower than 7,000. A crawl cycle publishes hundreds.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from consumers.broker import EmbeddedBroker  # noqa: E402
from consumers.kafka_clients import make_producer  # noqa: E402
from consumers.loop import ConsumeLoop  # noqa: E402
from consumers.topics import create_topics  # noqa: E402
from crawler.sources.flextender.normalize import normalise  # noqa: E402
from crawler.sources.flextender.pages import FlextenderDetailPage  # noqa: E402
from crawler.sources.flextender.replica import FlextenderReplica  # noqa: E402
from crawler.sources.flextender.replica.server import bundled_pages  # noqa: E402
from crawler.state import CrawlState  # noqa: E402
from schemas.events import PUBLISHED, TenderEvent  # noqa: E402
from tenderwatch.benchmarks.peers import embedded_environment  # noqa: E402
from tenderwatch.common.settings import (
    STATE_FILE,  # noqa: E402
    Settings,  # noqa: E402
)

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def realistic_events(count: int) -> list[TenderEvent]:
    tenders = [
        normalise(FlextenderDetailPage(page).raw(), fetched_at=NOW, now=NOW)
        for page in bundled_pages().values()
    ]
    events = []
    for number in range(count):
        base = tenders[number % len(tenders)]
        tender = base.model_copy(
            update={
                "id": f"flextender:{1_000_000 + number}",
                "external_id": str(1_000_000 + number),
            }
        )
        events.append(TenderEvent.build(PUBLISHED, tender, 1, NOW))
    return events


def measure_produce(
    settings: Settings, payloads: list[tuple[bytes, bytes]], rounds: int = 3
) -> list[float]:
    """events/s of each round after a warm-up (connections, metadata, first batches) of 1,000."""
    producer = make_producer(settings)
    warm_up, rest = payloads[:1000], payloads[1000:]

    def send_all(chunk: list[tuple[bytes, bytes]]) -> float:
        started = time.perf_counter()
        futures = [
            producer.send(settings.tender_events_topic, key=key, value=value)
            for key, value in chunk
        ]
        producer.flush()
        for future in futures:
            future.get(timeout=0)
        return len(chunk) / (time.perf_counter() - started)

    send_all(warm_up)
    size = len(rest) // rounds
    rates = [send_all(rest[index * size : (index + 1) * size]) for index in range(rounds)]
    producer.close()
    return rates


def measure_consume(settings: Settings, count: int) -> tuple[float, float]:
    seen: set[str] = set()
    marks: dict[str, float] = {}

    def handler(messages):
        marks.setdefault("first", time.perf_counter())
        seen.update(message.payload.subject for message in messages)
        marks["last"] = time.perf_counter()
        return []

    loop = ConsumeLoop(
        name="bench",
        group_id=f"bench-{uuid.uuid4().hex[:6]}",
        topics=[settings.tender_events_topic],
        handler=handler,
        settings=settings,
        max_records=1000,
    )
    started = time.perf_counter()
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    while len(seen) < count and time.perf_counter() - started < 300:
        time.sleep(0.01)
    loop.stop()
    thread.join(timeout=30)
    join_s = marks["first"] - started
    # The first batch's own records arrive at "first"; count them as consumed at that moment.
    return count / max(marks["last"] - marks["first"], 1e-9), join_s


def process_tree_rss_kb(root_pid: int) -> tuple[int, int]:
    """(sum of VmRSS over the process tree, VmRSS of the root) in KB, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid, parent = int(entry), int(fields.get("PPid", "0").strip())
        children.setdefault(parent, []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total, rss.get(root_pid, 0)


def consumed_tenders(data_dir: str) -> int:
    """Tenders the snapshot consumer has applied (0 while its file or table does not exist)."""
    path = Path(data_dir) / "tenders.sqlite3"
    if not path.exists():
        return 0
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.1)
        try:
            return connection.execute("SELECT COUNT(*) FROM tenders").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.OperationalError:
        return 0


def measure_run_memory() -> tuple[float, float, float, float | None]:
    """Peak RSS of `run --once` (tree, run process), its duration, and the time from its start
    to the first event a consumer applied (`run_start_s`)."""
    with FlextenderReplica() as site, tempfile.TemporaryDirectory() as data_dir:
        env = {
            **embedded_environment(),
            "TENDERWATCH_NOW": "2026-03-01T12:00:00+01:00",
            "TENDERWATCH_AUTOTHROTTLE_START_DELAY": "0",
            "TENDERWATCH_LOG_LEVEL": "WARNING",
            "TENDERWATCH_SOURCES": "flextender",
        }  # the replica served here
        env.pop("TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS", None)
        started = time.perf_counter()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tenderwatch.cli",
                "run",
                "--once",
                "--base-url",
                site.url,
                "--api-url",
                site.url,
                "--data-dir",
                data_dir,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        peak_tree = peak_run = 0
        first_consumed = None
        while process.poll() is None:
            tree, run = process_tree_rss_kb(process.pid)
            peak_tree, peak_run = max(peak_tree, tree), max(peak_run, run)
            if first_consumed is None and consumed_tenders(data_dir):
                first_consumed = time.perf_counter() - started
            time.sleep(0.05)
        if process.returncode != 0:
            raise SystemExit(f"run --once failed with {process.returncode}")
        return peak_tree / 1024, peak_run / 1024, time.perf_counter() - started, first_consumed


def measure_refill(retained: int = 1000) -> tuple[float | None, float | None]:
    """`run --once` after a crash that left `retained` events in the outbox, unconsumed: the
    time from its start to the first event applied, and to all of them applied."""
    with FlextenderReplica() as site, tempfile.TemporaryDirectory() as data_dir:
        state = CrawlState(Path(data_dir) / STATE_FILE)
        with state.transaction() as connection:
            for event in realistic_events(retained):
                state._outbox(connection, event)
        state.retain_published(
            [(row.id, 0, offset) for offset, row in enumerate(state.pending(retained))]
        )
        state.close()
        env = {
            **embedded_environment(),
            "TENDERWATCH_NOW": "2026-03-01T12:00:00+01:00",
            "TENDERWATCH_AUTOTHROTTLE_START_DELAY": "0",
            "TENDERWATCH_LOG_LEVEL": "WARNING",
            "TENDERWATCH_SOURCES": "flextender",
        }
        env.pop("TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS", None)
        started = time.perf_counter()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tenderwatch.cli",
                "run",
                "--once",
                "--base-url",
                site.url,
                "--api-url",
                site.url,
                "--data-dir",
                data_dir,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        first = everything = None
        while process.poll() is None:
            consumed = consumed_tenders(data_dir)
            if first is None and consumed:
                first = time.perf_counter() - started
            if everything is None and consumed >= retained:
                everything = time.perf_counter() - started
            time.sleep(0.05)
        if process.returncode != 0:
            raise SystemExit(f"run --once after a crash failed with {process.returncode}")
        if everything is None and consumed_tenders(data_dir) >= retained:
            everything = time.perf_counter() - started
        return first, everything


def run(count: int) -> dict:
    events = realistic_events(count)
    payloads = [(event.key, event.encode()) for event in events]
    with tempfile.TemporaryDirectory() as work, EmbeddedBroker(Path(work) / "broker.log") as broker:
        settings = Settings(
            kafka_bootstrap_servers=broker.bootstrap_servers,
            data_dir=Path(work),
            tender_events_topic=f"bench-{uuid.uuid4().hex[:6]}",
        )
        create_topics(settings)
        produce_rates = measure_produce(settings, payloads)
        consumed, join_s = measure_consume(
            settings, 1000 + len(produce_rates) * ((count - 1000) // len(produce_rates))
        )
    tree_mb, run_mb, run_s, start_s = measure_run_memory()
    refill_first_s, refill_all_s = measure_refill()
    return {
        "events": count,
        "mean_event_kb": round(sum(len(value) for _, value in payloads) / count / 1024, 1),
        "produce_events_per_s": round(statistics.median(produce_rates), 1),
        "produce_rounds_events_per_s": [round(rate, 1) for rate in produce_rates],
        "consume_events_per_s": round(consumed, 1),
        "consumer_group_join_s": round(join_s, 2),
        "run_rss_mb": round(tree_mb, 1),
        "run_process_rss_mb": round(run_mb, 1),
        "run_once_s": round(run_s, 2),
        "run_start_s": round(start_s, 2) if start_s is not None else None,
        "run_refill_first_s": round(refill_first_s, 2) if refill_first_s is not None else None,
        "run_refill_1000_s": round(refill_all_s, 2) if refill_all_s is not None else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--events",
        type=int,
        default=10000,
        help="events to send (default 10,000; the memory engine slows as it holds more)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = run(args.events)
    if args.json:
        print(json.dumps(figures))
        return
    print(
        f"{figures['events']} tender events, mean {figures['mean_event_kb']} KB each "
        f"({figures['events'] * figures['mean_event_kb'] / 1024:.0f} MB), embedded Tansu broker "
        "(memory engine)"
    )
    print(
        f"produce (acks=all, idempotent, zstd): {figures['produce_events_per_s']:>9.1f} events/s  "
        " (goal >= 5000)"
        f"   median of rounds {figures['produce_rounds_events_per_s']} after a 1,000-event warm-up"
    )
    print(
        f"consume (one consume loop, decoded):  {figures['consume_events_per_s']:>9.1f} events/s  "
        " (goal >= 5000)"
        f"   group join {figures['consumer_group_join_s']} s"
    )
    print(
        f"tenderwatch run --once: peak RSS {figures['run_rss_mb']} MB for the process tree "
        f"(run process alone {figures['run_process_rss_mb']} MB), {figures['run_once_s']} s"
    )


if __name__ == "__main__":
    main()
