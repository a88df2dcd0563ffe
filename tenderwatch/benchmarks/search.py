"""Search store benchmark (embedded SQLite store).

- indexing: events/s with bulk writes (batches of 500, one transaction each) and the ratio
  to one write (one transaction) per event, measured in the same process;
- search latency p50/p95 with 10,000 and 100,000 tenders (the store's, the rate spread's and
  the whole search page's), over a mix of keyword, filter
  and combined queries.
Goals: >= 5,000 events/s and >= 10x the one-by-one rate; p95 < 50 ms at 100,000.
Run: `python tenderwatch/benchmarks/search.py [--sizes 10000,100000] [--json]`.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from consumers.store.embedded import EmbeddedStore  # noqa: E402
from crawler.sources.flextender.normalize import normalise  # noqa: E402
from crawler.sources.flextender.pages import FlextenderDetailPage  # noqa: E402
from crawler.sources.flextender.replica.server import bundled_pages  # noqa: E402
from schemas.events import PUBLISHED, TenderEvent  # noqa: E402
from schemas.provinces import PROVINCES  # noqa: E402
from schemas.search import SearchFilter, SearchPage  # noqa: E402
from schemas.tender import HoursRange, Listing, PayScale  # noqa: E402

NOW = datetime(2026, 3, 1, tzinfo=UTC)
ROLES = [
    "Projectleider",
    "Beleidsadviseur",
    "Procesregisseur",
    "Coördinator",
    "Adviseur",
    "Kwartiermaker",
    "Programmamanager",
    "Jurist",
    "Data-analist",
    "Communicatieadviseur",
    "Inkoper",
    "Teamleider",
]
SUBJECTS = [
    "Ruimte",
    "Wonen",
    "Jeugd",
    "Sociaal domein",
    "Energietransitie",
    "Netcongestie",
    "Archief",
    "Omgevingswet",
    "Mobiliteit",
    "Zorg en Veiligheid",
    "Participatie",
    "Informatiebeheer",
]
KEYWORDS = [
    "projectleiders",
    "beleidsadviseur wonen",
    "energietransitie",
    "coordinator jeugd",
    "omgevingswet",
    "procesregisseur",
    "netcongestie",
    "adviseur",
    "archief informatiebeheer",
    "programmamanager mobiliteit",
]


def synthetic_events(count: int, seed: int = 7) -> list[TenderEvent]:
    rng = random.Random(seed)
    bases = [
        normalise(FlextenderDetailPage(page).raw(), fetched_at=NOW, now=NOW)
        for page in bundled_pages().values()
    ]
    events = []
    for number in range(count):
        base = bases[number % len(bases)]
        low = rng.randint(6, 14)
        hours = rng.choice([16, 20, 24, 28, 32, 36])
        tender = base.model_copy(
            update={
                "id": f"flextender:{2_000_000 + number}",
                "external_id": str(2_000_000 + number),
                "title": f"{rng.choice(ROLES)} {rng.choice(SUBJECTS)}",
                "region": rng.choice(PROVINCES),
                "status": rng.choices(["open", "expired", "withdrawn"], weights=[6, 3, 1])[0],
                "pay_scale": PayScale(min=low, max=low + rng.choice([0, 0, 1]), label=str(low)),
                "hours_per_week": HoursRange(min=hours - rng.choice([0, 8]), max=hours),
                "deadline": NOW + timedelta(hours=rng.randint(-2000, 8000)),
                "das": rng.random() < 0.6,
            }
        )
        if (
            number % 7 == 6
        ):  # one listing in seven is another platform's listing of the previous assignment
            previous = events.pop().data.tender
            shared = previous.assignment
            tender = tender.model_copy(
                update={
                    "title": previous.title,
                    "region": previous.region,
                    "assignment_id": shared,
                    "also_on": [Listing(source=previous.source, id=previous.id, url=previous.url)],
                }
            )
            previous = previous.model_copy(
                update={
                    "assignment_id": shared,
                    "also_on": [Listing(source=tender.source, id=tender.id, url=tender.url)],
                }
            )
            events.append(TenderEvent.build(PUBLISHED, previous, 1, NOW))
        events.append(TenderEvent.build(PUBLISHED, tender, 1, NOW))
    return events


def queries(seed: int = 11) -> list[SearchFilter]:
    rng = random.Random(seed)
    mix = []
    for _ in range(200):
        kind = rng.choice(["keyword", "region", "pay", "combined", "deadline", "default"])
        if kind == "keyword":
            mix.append(SearchFilter(keyword=rng.choice(KEYWORDS)))
        elif kind == "region":
            mix.append(SearchFilter(regions=tuple(rng.sample(PROVINCES, rng.randint(1, 3)))))
        elif kind == "pay":
            low = rng.randint(6, 14)
            mix.append(SearchFilter(pay_scale_min=low, pay_scale_max=low + 2))
        elif kind == "combined":
            mix.append(
                SearchFilter(
                    keyword=rng.choice(KEYWORDS),
                    regions=(rng.choice(PROVINCES),),
                    pay_scale_min=8,
                    hours_max=36,
                )
            )
        elif kind == "deadline":
            start = (NOW + timedelta(days=rng.randint(0, 200))).date()
            mix.append(
                SearchFilter(deadline_after=start, deadline_before=start + timedelta(days=14))
            )
        else:
            mix.append(SearchFilter())
    return mix


def measure_indexing(
    events: list[TenderEvent], work: Path, single_sample: int = 2000
) -> tuple[float, float]:
    bulk_store = EmbeddedStore(work / "bulk.sqlite3")
    bulk_store.setup()
    started = time.perf_counter()
    for start in range(0, len(events), 500):
        bulk_store.write(events[start : start + 500])
    bulk = len(events) / (time.perf_counter() - started)
    bulk_store.close()
    single_store = EmbeddedStore(work / "single.sqlite3")
    single_store.setup()
    sample = events[:single_sample]
    started = time.perf_counter()
    for event in sample:
        single_store.write([event])
    single = len(sample) / (time.perf_counter() - started)
    single_store.close()
    return bulk, single


def measure_web_search(data_dir: Path) -> tuple[float, float]:
    """p50 and p95 in ms of the search page (`GET /?...`, rendered HTML) over the same queries,
    served by the app `tenderwatch serve` runs, on the embedded store in `data_dir`."""
    from fastapi.testclient import TestClient

    from schemas.search_query import page_query
    from tenderwatch.common.settings import Settings
    from tenderwatch.web.app import create_app

    client = TestClient(create_app(Settings(data_dir=data_dir, now=NOW)))
    assert client.get("/").status_code == 200  # opens the store
    responses = []
    timed = latencies_ms(lambda search: responses.append(client.get("/?" + page_query(search))))
    for response in responses:
        assert response.status_code == 200, response.text[:500]
    return timed


def measure_search(store: EmbeddedStore, all_listings: bool = False) -> tuple[float, float]:
    """p50 and p95 in ms; by default one hit per assignment (the synthetic corpus lists one
    assignment in seven on two platforms), `all_listings` without that collapse."""
    return latencies_ms(
        lambda search: store.search(search, SearchPage(limit=20, all_listings=all_listings))
    )


def measure_rate_spread(store: EmbeddedStore) -> tuple[float, float]:
    """p50 and p95 in ms of the rate spread the search page shows above the results."""
    return latencies_ms(store.rate_spread)


def latencies_ms(call: Callable[[SearchFilter], object]) -> tuple[float, float]:
    """p50 and p95 in ms of `call` over the mixed queries, one call each."""
    latencies = []
    for search in queries():
        started = time.perf_counter()
        call(search)
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    return statistics.median(latencies), latencies[int(len(latencies) * 0.95) - 1]


def run(sizes: list[int], index_events: int = 20000, single_sample: int = 2000) -> dict:
    figures: dict = {}
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        events = synthetic_events(max(sizes))
        bulk, single = measure_indexing(events[:index_events], work, single_sample)
        figures.update(
            {
                "index_events_per_s": round(bulk, 1),
                "index_single_events_per_s": round(single, 1),
                "index_bulk_vs_single_ratio": round(bulk / single, 1),
            }
        )
        for size in sorted(sizes):
            (work / str(size)).mkdir()
            store = EmbeddedStore.in_data_dir(work / str(size))
            store.setup()
            for start in range(0, size, 1000):
                store.write(events[start : min(size, start + 1000)])
            p50, p95 = measure_search(store)
            every_p50, every_p95 = measure_search(store, all_listings=True)
            label = f"{size // 1000}k"
            figures[f"search_p50_ms_{label}"] = round(p50, 2)
            figures[f"search_p95_ms_{label}"] = round(p95, 2)
            figures[f"search_all_listings_p95_ms_{label}"] = round(every_p95, 2)
            figures[f"search_collapse_vs_all_listings_p95_ratio_{label}"] = round(
                p95 / every_p95, 2
            )
            figures[f"rate_spread_p95_ms_{label}"] = round(measure_rate_spread(store)[1], 2)
            store.close()
            web_p50, web_p95 = measure_web_search(work / str(size))
            figures[f"web_search_p50_ms_{label}"] = round(web_p50, 2)
            figures[f"web_search_p95_ms_{label}"] = round(web_p95, 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="store sizes to measure search at")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = run([int(size) for size in args.sizes.split(",")])
    if args.json:
        print(json.dumps(figures))
        return
    print(
        f"indexing, bulk (500 a batch):  {figures['index_events_per_s']:>9.1f} events/s   (goal "
        ">= 5000)"
    )
    print(f"indexing, one write per event: {figures['index_single_events_per_s']:>9.1f} events/s")
    print(
        f"bulk vs one-by-one:            {figures['index_bulk_vs_single_ratio']:>9.1f}x   (goal "
        ">= 10x)"
    )
    for key in sorted(key for key in figures if key.startswith("search_p95")):
        label = key.removeprefix("search_p95_ms_")
        print(
            f"search at {label:>5} tenders: p50 {figures[f'search_p50_ms_{label}']:>7.2f} ms, "
            f"p95 {figures[key]:>7.2f} ms" + ("   (goal p95 < 50 ms)" if label == "100k" else "")
        )
        print(
            f"search page at {label:>5}:  p50 {figures[f'web_search_p50_ms_{label}']:>7.2f} ms, "
            f"p95 {figures[f'web_search_p95_ms_{label}']:>7.2f} ms"
            + ("   (goal p95 < 100 ms)" if label == "100k" else "")
            + f"; its rate spread p95 {figures[f'rate_spread_p95_ms_{label}']:.2f} ms"
        )


if __name__ == "__main__":
    main()
