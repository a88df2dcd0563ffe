"""Every benchmark in one run (`tenderwatch bench`): each figure measured here, next to its
baseline measured in the same process (parse vs bare lxml, bulk vs one-by-one indexing,
index vs naive matching).

--quick uses smaller sizes so the whole run stays under a minute; the keys are the same,
and `sizes` says what each figure was measured at (e.g. `search_p95_ms_100k` at 2,000
tenders in quick mode).
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass

KEYS = (
    "parse_pages_per_s",
    "parse_vs_lxml_ratio",
    "produce_events_per_s",
    "consume_events_per_s",
    "index_events_per_s",
    "index_bulk_vs_single_ratio",
    "search_p95_ms_100k",
    "match_p99_ms_100k",
    "match_vs_naive_ratio_100k",
    "e2e_alert_p95_ms",
    "run_rss_mb",
    "run_start_s",
    "dedupe_precision",
    "dedupe_recall",
    "web_search_p95_ms_100k",
    "rate_spread_p95_ms_100k",
    "crawl_grouped_listings_per_s",
    "crawl_ungrouped_listings_per_s",
    "crawl_grouped_vs_ungrouped_ratio",
)
GOALS = {
    "parse_pages_per_s": (">=", 300),
    "produce_events_per_s": (">=", 5000),
    "consume_events_per_s": (">=", 5000),
    "index_events_per_s": (">=", 5000),
    "index_bulk_vs_single_ratio": (">=", 10),
    "search_p95_ms_100k": ("<", 50),
    "match_p99_ms_100k": ("<", 5),
    "match_vs_naive_ratio_100k": (">=", 50),
    "e2e_alert_p95_ms": ("<", 2000),
    "dedupe_precision": (">=", 1.0),
    "dedupe_recall": (">=", 0.95),
    "run_rss_mb": ("<", 300),
    "web_search_p95_ms_100k": ("<", 100),
}


@dataclass(frozen=True)
class Sizes:
    parse_seconds: float
    events: int
    search_sizes: tuple[int, int]
    index_events: int
    single_writes: int
    match_sizes: tuple[int, ...]
    match_tenders: int
    e2e_samples: int


FULL = Sizes(
    parse_seconds=3.0,
    events=10_000,
    search_sizes=(10_000, 100_000),
    index_events=20_000,
    single_writes=2_000,
    match_sizes=(1_000, 10_000, 100_000),
    match_tenders=300,
    e2e_samples=20,
)
QUICK = Sizes(
    parse_seconds=0.5,
    events=2_000,
    search_sizes=(500, 1_000),
    index_events=1_000,
    single_writes=300,
    match_sizes=(1_000, 10_000),
    match_tenders=60,
    e2e_samples=3,
)


def _label(size: int) -> str:
    return f"{size // 1000}k"


def run_all(quick: bool, progress: Callable[[str], None] = lambda _: None) -> dict:
    from tenderwatch.benchmarks import alerts, crawl_state, dedupe, engines, events, parse, search
    from tenderwatch.benchmarks.peers import take_engine_addresses

    sizes = QUICK if quick else FULL
    figures: dict = {"quick": quick, "machine": machine(), "seconds": {}}
    big_search, big_match = sizes.search_sizes[-1], sizes.match_sizes[-1]
    figures["sizes"] = {
        "events": sizes.events,
        "index_events": sizes.index_events,
        "search_p95_ms_100k": big_search,
        "match_100k": big_match,
        "e2e_alert_samples": sizes.e2e_samples,
    }
    # The embedded steps see no engine (their Settings read the environment); the engines step is
    # given the addresses.
    addresses = take_engine_addresses()
    steps: list[tuple[str, Callable[[], dict]]] = [
        ("parse", lambda: _keep_affinity(lambda: parse.run(sizes.parse_seconds))),
        ("events", lambda: events.run(sizes.events)),
        (
            "search",
            lambda: search.run(list(sizes.search_sizes), sizes.index_events, sizes.single_writes),
        ),
        (
            "alerts",
            lambda: alerts.run(
                list(sizes.match_sizes), sizes.e2e_samples, tender_count=sizes.match_tenders
            ),
        ),
        ("dedupe", dedupe.run),
        ("crawl_state", crawl_state.run),
        ("engines", lambda: engines.run(big_search, sizes.index_events, sizes.events, addresses)),
    ]
    try:
        for name, step in steps:
            progress(f"{name} ...")
            started = time.perf_counter()
            figures.update(step())
            figures["seconds"][name] = round(time.perf_counter() - started, 1)
    finally:
        os.environ.update(addresses)
    # The named keys; in quick mode measured at the smaller sizes recorded in `sizes`.
    figures["search_p95_ms_100k"] = figures[f"search_p95_ms_{_label(big_search)}"]
    figures["web_search_p95_ms_100k"] = figures[f"web_search_p95_ms_{_label(big_search)}"]
    figures["rate_spread_p95_ms_100k"] = figures[f"rate_spread_p95_ms_{_label(big_search)}"]
    figures["match_p99_ms_100k"] = figures[f"match_p99_ms_{_label(big_match)}"]
    figures["match_vs_naive_ratio_100k"] = figures[f"match_vs_naive_ratio_{_label(big_match)}"]
    return figures


def _keep_affinity(step: Callable[[], dict]) -> dict:
    """The parse benchmark pins itself to one core; give the next steps every core back."""
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    try:
        return step()
    finally:
        if cores is not None:
            os.sched_setaffinity(0, cores)


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
    }


def table(figures: dict) -> str:
    lines = [f"{'figure':<28} {'value':>12}  goal"]
    for key in KEYS:
        goal = GOALS.get(key)
        value = figures.get(key)
        met = (
            ""
            if goal is None or value is None
            else ("met" if (value >= goal[1] if goal[0] == ">=" else value < goal[1]) else "MISSED")
        )
        lines.append(f"{key:<28} {value!s:>12}  {f'{goal[0]} {goal[1]} {met}' if goal else ''}")
    for key, value in figures.items():  # the real engines, beside the embedded figures above
        if key.startswith(("opensearch", "elasticsearch", "apache_kafka")):
            lines.append(
                f"{key:<28} {value!s:>12}" if not isinstance(value, str) else f"{key:<28} {value}"
            )
    lines.append(f"sizes: {figures['sizes']}; seconds per step: {figures['seconds']}")
    return "\n".join(lines)
