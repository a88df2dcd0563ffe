"""Parse benchmark: replica detail pages → page object → normaliser → Tender, on one core.

Prints pages per second and the ratio to a bare `lxml.html` parse of the same pages,
measured in the same process (goal: at least 300 pages/s). Run:
`python tenderwatch/benchmarks/parse.py [--seconds N]`; `--json` prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lxml import html  # noqa: E402

from crawler.sources.flextender.normalize import normalise  # noqa: E402
from crawler.sources.flextender.pages import FlextenderDetailPage  # noqa: E402
from crawler.sources.flextender.replica.server import bundled_pages  # noqa: E402

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def pages_per_second(work, pages: list[bytes], seconds: float) -> float:
    for page in pages:  # warm-up
        work(page)
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for page in pages:
            work(page)
        done += len(pages)
    return done / (time.perf_counter() - started)


def full_parse(page: bytes) -> None:
    normalise(FlextenderDetailPage(page).raw(), fetched_at=NOW, now=NOW)


def bare_lxml(page: bytes) -> None:
    html.document_fromstring(page)


def run(seconds: float) -> dict:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    pages = [page.encode("utf-8") for page in bundled_pages().values()]
    baseline = pages_per_second(bare_lxml, pages, seconds)
    parsed = pages_per_second(full_parse, pages, seconds)
    return {
        "parse_pages_per_s": round(parsed, 1),
        "lxml_pages_per_s": round(baseline, 1),
        "parse_vs_lxml_ratio": round(parsed / baseline, 3),
        "pages": len(pages),
        "mean_page_kb": round(sum(map(len, pages)) / len(pages) / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=3.0, help="measuring time per variant (default 3)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    figures = run(args.seconds)
    if args.json:
        print(json.dumps(figures))
        return
    print(f"replica detail pages: {figures['pages']} (mean {figures['mean_page_kb']} KB), one core")
    print(f"bare lxml.html parse:       {figures['lxml_pages_per_s']:>9.1f} pages/s")
    print(
        f"parse + normalise (Tender): {figures['parse_pages_per_s']:>9.1f} pages/s   (goal >= 300)"
    )
    print(f"ratio to bare lxml:         {figures['parse_vs_lxml_ratio']:>9.3f}")


if __name__ == "__main__":
    main()
