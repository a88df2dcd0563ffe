"""Crawl state benchmark: what recording a crawl costs when its listings group into assignments.

One crawl of 1,000 new listings recorded in a fresh crawl state (`record` each, `settle` once,
as the outbox pipeline does), in groups of up to 50 listings of one assignment (the same title
and client on several platforms), beside the same crawl with every listing its own assignment,
measured in the same process. A crawl's cost grows with its listings, not with the square of a
group: each listing gets one event, and a crawl twice as long runs at the same rate. What
grouping still costs per listing is comparing it with the listings it shares a key with.
Run: `python tenderwatch/benchmarks/crawl_state.py [--listings 1000] [--group 50] [--json]`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crawler.sources import SOURCES  # noqa: E402
from crawler.state import CrawlState  # noqa: E402
from schemas.tender import Tender  # noqa: E402

NOW = datetime(2026, 9, 1, 9, tzinfo=UTC)
SOURCE_NAMES = tuple(SOURCES)
CLIENTS = (
    "Gemeente Zwolle",
    "Provincie Utrecht",
    "Gemeente Hoeksche Waard",
    "Waterschap Rivierenland",
)
WORDS = (
    "adviseur",
    "projectleider",
    "coordinator",
    "jurist",
    "inkoper",
    "regisseur",
    "beheerder",
    "analist",
)


def _title(group: int) -> str:
    """A title of its own per group, without digits (digits are codes, kept out of title keys)."""
    return " ".join(
        WORDS[(group // len(WORDS) ** position) % len(WORDS)].capitalize() for position in range(4)
    )


def listings(count: int, group_size: int) -> list[Tender]:
    """`count` new listings; every `group_size` consecutive ones share a title and client."""
    tenders = []
    for number in range(count):
        group = number // group_size
        source = SOURCE_NAMES[number % len(SOURCE_NAMES)]
        tenders.append(
            Tender(
                id=f"{source}:{number}",
                source=source,
                external_id=str(number),
                url=f"https://{source}.example/opdracht/{number}",
                title=_title(group),
                client=CLIENTS[group % len(CLIENTS)],
                description="Een opdracht.",
                status="open",
                deadline=NOW + timedelta(days=20),
                fetched_at=NOW,
            ).with_content_hash()
        )
    return tenders


def measure_crawl(tenders: list[Tender]) -> tuple[float, int]:
    """Listings recorded per second in one crawl, and the number of events it wrote."""
    with tempfile.TemporaryDirectory() as directory:
        state = CrawlState(Path(directory) / "crawler-state.sqlite3")
        started = time.perf_counter()
        for tender in tenders:
            state.record(tender, list_fingerprint="list", seen_at=NOW)
        events = state.settle(NOW)
        elapsed = time.perf_counter() - started
        state.close()
    return len(tenders) / elapsed, len(events)


def run(count: int = 1000, group_size: int = 50) -> dict:
    grouped_rate, grouped_events = measure_crawl(listings(count, group_size))
    ungrouped_rate, ungrouped_events = measure_crawl(listings(count, 1))
    twice_rate, _ = measure_crawl(listings(2 * count, group_size))
    return {
        "crawl_grouped_twice_listings_per_s": round(twice_rate, 1),
        "crawl_grouped_twice_vs_once_ratio": round(twice_rate / grouped_rate, 2),
        "crawl_listings": count,
        "crawl_group_size": group_size,
        "crawl_grouped_listings_per_s": round(grouped_rate, 1),
        "crawl_ungrouped_listings_per_s": round(ungrouped_rate, 1),
        "crawl_grouped_vs_ungrouped_ratio": round(grouped_rate / ungrouped_rate, 2),
        "crawl_grouped_events": grouped_events,
        "crawl_ungrouped_events": ungrouped_events,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--listings", type=int, default=1000, help="listings in the crawl (default 1000)"
    )
    parser.add_argument(
        "--group", type=int, default=50, help="listings of one assignment at most (default 50)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    arguments = parser.parse_args()
    figures = run(arguments.listings, arguments.group)
    if arguments.json:
        print(json.dumps(figures))
        return
    print(f"one crawl of {figures['crawl_listings']} listings")
    print(
        f"  in groups of {figures['crawl_group_size']}: {figures['crawl_grouped_listings_per_s']} "
        "listings/s, "
        f"{figures['crawl_grouped_events']} events"
    )
    print(
        f"  each its own:     {figures['crawl_ungrouped_listings_per_s']} listings/s, "
        f"{figures['crawl_ungrouped_events']} events"
    )
    print(f"  grouped / ungrouped: {figures['crawl_grouped_vs_ungrouped_ratio']}")
    print(
        f"  twice the listings, same groups: {figures['crawl_grouped_twice_listings_per_s']} "
        "listings/s "
        f"({figures['crawl_grouped_twice_vs_once_ratio']} of the rate at "
        f"{figures['crawl_listings']}; "
        "1.0 is linear growth, 0.5 would be quadratic)"
    )


if __name__ == "__main__":
    main()
