"""Accuracy of the assignment rules (crawler/assignments) on the labelled pairs in
tests/assignments/labelled_pairs.json: precision (a wrong merge hides an assignment: goal 1.0)
and recall (goal >= 0.95), and how long a decision takes.

`python tenderwatch/benchmarks/dedupe.py` prints the misses and false merges with their reasons.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crawler.assignments.evidence import ListingFacts, link_reason  # noqa: E402
from schemas.tender import Origin, Tender  # noqa: E402

LABELLED_PAIRS = (
    Path(__file__).resolve().parents[2] / "tests" / "assignments" / "labelled_pairs.json"
)
FETCHED = datetime(2026, 9, 1, tzinfo=UTC)


def tender_of(spec: dict) -> Tender:
    """A listing of the labelled set (the fields it gives) as a `Tender`."""
    source, external_id = spec["source"], spec["external_id"]
    origin = spec.get("origin")
    return Tender(
        id=f"{source}:{external_id}",
        source=source,
        external_id=external_id,
        url=spec.get("url", f"https://{source}.example/{external_id}"),
        title=spec["title"],
        client=spec["client"],
        deadline=datetime.fromisoformat(spec["deadline"]) if spec.get("deadline") else None,
        first_seen=datetime.fromisoformat(spec["first_seen"]),
        fetched_at=FETCHED,
        client_reference=spec.get("client_reference"),
        listing_refs=spec.get("listing_refs", []),
        origin=Origin(**origin) if origin else None,
        description=spec.get("description", ""),
    )


def load_pairs(path: Path = LABELLED_PAIRS) -> list[tuple[Tender, Tender, bool, str]]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return [
        (tender_of(pair["a"]), tender_of(pair["b"]), pair["same"], pair["why"])
        for pair in document["pairs"]
    ]


def measure(pairs: list[tuple[Tender, Tender, bool, str]]) -> dict:
    true_positive = false_positive = false_negative = 0
    wrong: list[str] = []
    for first, second, same, why in pairs:
        reason = link_reason(ListingFacts.of(first), ListingFacts.of(second))
        if reason and same:
            true_positive += 1
        elif reason:
            false_positive += 1
            wrong.append(f"merged ({reason}): {why}")
        elif same:
            false_negative += 1
            wrong.append(f"missed: {why}")
    facts = [(ListingFacts.of(first), ListingFacts.of(second)) for first, second, _, _ in pairs]
    rounds = 200
    started = time.perf_counter()
    for _ in range(rounds):
        for first, second in facts:
            link_reason(first, second)
    per_decision_us = (time.perf_counter() - started) / (rounds * len(facts)) * 1e6
    return {
        "dedupe_pairs": len(pairs),
        "dedupe_same_pairs": sum(same for *_, same, _ in pairs),
        "dedupe_precision": round(true_positive / max(1, true_positive + false_positive), 3),
        "dedupe_recall": round(true_positive / max(1, true_positive + false_negative), 3),
        "dedupe_decision_us": round(per_decision_us, 1),
        "dedupe_wrong": wrong,
    }


def run() -> dict:
    if not LABELLED_PAIRS.exists():
        return {
            "dedupe_precision": None,
            "dedupe_recall": None,
            "dedupe_note": f"no labelled pairs at {LABELLED_PAIRS}: run from a source checkout",
        }
    return measure(load_pairs())


if __name__ == "__main__":
    figures = run()
    for line in figures.pop("dedupe_wrong", []):
        print(line)
    print(json.dumps(figures, indent=1))
