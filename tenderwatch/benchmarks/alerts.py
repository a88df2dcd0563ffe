"""Alert benchmark.

- matching latency per tender (analysis of the tender included) with 1,000, 10,000 and
  100,000 saved searches: the match index against the naive loop over every saved search,
  both measured here on the same tenders; goal p99 < 5 ms and >= 50x the loop at 100,000;
- end to end on the embedded stack: `tenderwatch run` crawling the replica, new listings
  appearing between crawls, a real webhook receiver; latency from the crawler fetching a
  listing (its `fetched_at`) to the receiver getting its alert, after one warm-up alert
  (the consumer group's first join; printed apart); goal p95 < 2 s.
Run: `python tenderwatch/benchmarks/alerts.py [--sizes 1000,10000,100000] [--e2e-samples 20]
[--json]`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from consumers.alerts.matching import MatchIndex, TenderFacts  # noqa: E402
from schemas.saved_search import SavedSearch  # noqa: E402
from schemas.search import SearchFilter  # noqa: E402
from tenderwatch.benchmarks.peers import embedded_environment  # noqa: E402
from tenderwatch.benchmarks.search import PROVINCES, SUBJECTS, synthetic_events  # noqa: E402

CREATED = datetime(2026, 3, 1, tzinfo=UTC)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


# The five seeds are too few to stand for a market's vocabulary: every one of their ~1,200
# terms would be in a large share of tenders. So tenders and searches also draw on a synthetic
# vocabulary: 200 Dutch-style job compounds (prefix + role) and 5,000 skill terms; a tender
# names one job in its title and 40 skills (Zipf-distributed) in its text, on top of a real
# seed description (so analysis costs what it costs on real listings).
JOB_PREFIXES = [
    "beleids",
    "project",
    "proces",
    "programma",
    "communicatie",
    "contract",
    "data",
    "financieel",
    "juridisch",
    "ruimtelijk",
    "informatie",
    "verander",
    "kwaliteits",
    "subsidie",
    "inkoop",
    "facilitair",
    "personeels",
    "omgevings",
    "verkeers",
    "milieu",
]
JOB_ROLES = [
    "adviseur",
    "leider",
    "manager",
    "coordinator",
    "medewerker",
    "specialist",
    "regisseur",
    "analist",
    "consulent",
    "officier",
]
JOBS = [prefix + role for prefix in JOB_PREFIXES for role in JOB_ROLES]
SKILLS = [f"vaardigheid{number:04d}" for number in range(5000)]
SKILL_WEIGHTS = [1 / (rank + 1) ** 1.07 for rank in range(len(SKILLS))]


def tenders(count: int, seed: int = 3) -> list:
    rng = random.Random(seed)
    bases = [event.data.tender for event in synthetic_events(5, seed=seed)]
    made = []
    for number in range(count):
        base = bases[number % len(bases)]
        skills = rng.choices(SKILLS, weights=SKILL_WEIGHTS, k=40)
        made.append(
            base.model_copy(
                update={
                    "id": f"flextender:{3_000_000 + number}",
                    "status": "open",
                    "title": f"{rng.choice(JOBS).capitalize()} {rng.choice(SUBJECTS)} {skills[0]}",
                    "region": rng.choice(PROVINCES),
                    "description": base.description + " " + " ".join(skills),
                }
            )
        )
    return made


def saved_searches(count: int, seed: int = 5) -> list[SavedSearch]:
    """Searches as freelancers write them: a job, a skill or both (91%), half of them narrowed
    to one or two provinces, a third to a pay scale; 8% a province without keyword, 1% only a
    pay scale."""
    rng = random.Random(seed)
    searches = []
    for number in range(count):
        roll = rng.random()
        criteria: dict = {}
        if roll < 0.91:
            kind = rng.random()
            words = (
                [rng.choice(JOBS)]
                if kind < 0.4
                else [rng.choice(SKILLS)]
                if kind < 0.8
                else [rng.choice(JOBS), rng.choice(SKILLS)]
            )
            criteria["keyword"] = " ".join(words)
        if rng.random() < 0.5 or 0.91 <= roll < 0.99:
            criteria["regions"] = tuple(rng.sample(PROVINCES, rng.choice([1, 1, 2])))
        if rng.random() < 0.33 or roll >= 0.99:
            criteria["pay_scale_min"] = rng.randint(7, 13)
        searches.append(
            SavedSearch(
                id=f"ss_{number:06d}",
                owner=f"user{number % 997}",
                name=f"search {number}",
                filter=SearchFilter(**criteria),
                email="someone@example.nl",
                created=CREATED,
            )
        )
    return searches


def measure_matching(sizes: list[int], tender_count: int = 300) -> dict:
    """Per tender: its analysis (once, whatever the number of searches; the indexer does the
    same work) and then the matching, index against naive loop, on the same analysed tender."""
    tender_list = tenders(tender_count)
    analysis_ms, facts_list = [], []
    for tender in tender_list:
        started = time.perf_counter()
        facts_list.append(TenderFacts.of(tender))
        analysis_ms.append((time.perf_counter() - started) * 1000)
    figures: dict = {
        "tender_analysis_p50_ms": round(percentile(analysis_ms, 0.50), 3),
        "tender_analysis_p99_ms": round(percentile(analysis_ms, 0.99), 3),
    }
    for size in sizes:
        index = MatchIndex()
        for saved_search in saved_searches(size):
            index.upsert(saved_search)
        indexed, naive, candidates, matches = [], [], [], []
        for facts in facts_list:
            started = time.perf_counter()
            found = index.match(facts)
            indexed.append((time.perf_counter() - started) * 1000)
            matches.append(len(found))
            candidates.append(len(index.candidates(facts)))
        for facts in facts_list[: max(30, min(tender_count, 3_000_000 // size))]:
            started = time.perf_counter()
            index.match_naively(facts)
            naive.append((time.perf_counter() - started) * 1000)
        label = f"{size // 1000}k"
        with_analysis = [
            match + analysis for match, analysis in zip(indexed, analysis_ms, strict=True)
        ]
        figures[f"match_p50_ms_{label}"] = round(percentile(indexed, 0.50), 3)
        figures[f"match_p99_ms_{label}"] = round(percentile(indexed, 0.99), 3)
        figures[f"match_with_analysis_p99_ms_{label}"] = round(percentile(with_analysis, 0.99), 3)
        figures[f"naive_p50_ms_{label}"] = round(percentile(naive, 0.50), 3)
        figures[f"naive_p99_ms_{label}"] = round(percentile(naive, 0.99), 3)
        figures[f"match_vs_naive_ratio_{label}"] = round(
            statistics.mean(naive) / statistics.mean(indexed), 1
        )
        figures[f"match_candidates_mean_{label}"] = round(statistics.mean(candidates), 1)
        figures[f"match_alerts_mean_{label}"] = round(statistics.mean(matches), 2)
    return figures


def measure_end_to_end(samples: int, per_cycle: int = 4) -> dict:
    """`tenderwatch run` with a short interval; `per_cycle` new listings appear before each
    crawl."""
    from crawler.sources.flextender.replica import FlextenderReplica
    from crawler.sources.flextender.replica.server import open_copy
    from tenderwatch.benchmarks.peers import WebhookReceiver

    secret = "benchmark-webhook-secret-0123"
    # Copies of a seed that closes in July 2026, closing a year later: open now.
    page = open_copy  # listings of their own: copies differing only in number are one assignment

    with (
        tempfile.TemporaryDirectory(prefix="tenderwatch-bench-") as work_dir,
        FlextenderReplica() as site,
        WebhookReceiver(secret) as receiver,
    ):
        data_dir = Path(os.environ.get("TENDERWATCH_BENCH_KEEP") or work_dir)
        env = {
            **embedded_environment(),
            "TENDERWATCH_DATA_DIR": str(data_dir),
            "TENDERWATCH_AUTOTHROTTLE_START_DELAY": "0",
            "TENDERWATCH_LOG_LEVEL": "WARNING",
            "TENDERWATCH_LOG_FORMAT": "json",
            "TENDERWATCH_SOURCES": "flextender",
        }  # the replica served here
        subprocess.run(
            [
                sys.executable,
                "-m",
                "tenderwatch.cli",
                "saved-search",
                "add",
                "--name",
                "bench",
                "--webhook",
                receiver.url,
                "--webhook-secret",
                secret,
                "--keyword",
                "procesregisseur",
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        site.pages, site.expired, site.listed = {}, set(), []
        run = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tenderwatch.cli",
                "run",
                "--interval",
                "2s",
                "--base-url",
                site.url,
                "--api-url",
                site.url,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            number = 40000
            # Warm-up: the first alert waits for the consumer group's first join; time the steady
            # state.
            site.pages[str(number)] = page(number)
            site.listed = [str(number)]
            receiver.wait_for(1, timeout_s=60)
            warmup_ms = [
                (call.at - datetime.fromisoformat(call.body["tender"]["fetched_at"]).timestamp())
                * 1000
                for call in receiver.calls
            ]
            receiver.calls.clear()
            deadline = time.monotonic() + 60 + samples * 3
            while len(receiver.calls) < samples and time.monotonic() < deadline:
                if len(site.listed) <= 1 + len(receiver.calls) + per_cycle // 2:
                    for _ in range(per_cycle):
                        number += 1
                        site.pages[str(number)] = page(number)
                        site.listed = [*site.listed, str(number)]
                time.sleep(0.2)
        finally:
            run.terminate()
            run.wait(timeout=30)
        latencies = [
            (call.at - datetime.fromisoformat(call.body["tender"]["fetched_at"]).timestamp()) * 1000
            for call in receiver.calls
        ]
    return {
        "e2e_alert_samples": len(latencies),
        "e2e_alert_warmup_ms": round(warmup_ms[0], 1) if warmup_ms else None,
        "e2e_alert_p50_ms": round(percentile(latencies, 0.50), 1) if latencies else None,
        "e2e_alert_p95_ms": round(percentile(latencies, 0.95), 1) if latencies else None,
    }


def run(sizes: list[int], e2e_samples: int, tender_count: int = 300) -> dict:
    figures = measure_matching(sizes, tender_count)
    if e2e_samples:
        figures.update(measure_end_to_end(e2e_samples))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="saved-search counts to match against"
    )
    parser.add_argument(
        "--e2e-samples", type=int, default=20, help="alerts to time end to end (0: skip)"
    )
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    figures = run([int(size) for size in arguments.sizes.split(",")], arguments.e2e_samples)
    if arguments.json:
        print(json.dumps(figures))
        return
    print(
        "tender analysis (once per tender, any number of searches): p50 "
        f"{figures['tender_analysis_p50_ms']} ms, "
        f"p99 {figures['tender_analysis_p99_ms']} ms"
    )
    for size in arguments.sizes.split(","):
        label = f"{int(size) // 1000}k"
        print(
            f"{int(size):>7} saved searches: index p50 {figures[f'match_p50_ms_{label}']:>7.3f} "
            "ms, "
            f"p99 {figures[f'match_p99_ms_{label}']:>7.3f} ms (with analysis "
            f"{figures[f'match_with_analysis_p99_ms_{label}']:.3f})"
            f" | naive loop p50 {figures[f'naive_p50_ms_{label}']:>8.2f} ms, p99 "
            f"{figures[f'naive_p99_ms_{label}']:>8.2f} ms"
            f" | {figures[f'match_vs_naive_ratio_{label}']:>6.1f}x faster "
            f"({figures[f'match_candidates_mean_{label}']} "
            f"candidates, {figures[f'match_alerts_mean_{label}']} alerts per tender)"
        )
    print("goal at 100k: p99 < 5 ms and >= 50x the naive loop")
    if arguments.e2e_samples:
        print(
            f"end to end, fetch -> webhook ({figures['e2e_alert_samples']} alerts after a warm-up "
            "alert of "
            f"{figures['e2e_alert_warmup_ms']} ms): p50 {figures['e2e_alert_p50_ms']} ms, "
            f"p95 {figures['e2e_alert_p95_ms']} ms   (goal p95 < 2000 ms)"
        )


if __name__ == "__main__":
    main()
