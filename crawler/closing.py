"""Closing, for sources whose complete list is all there is (no detail page says "closed").

- A listing is `expired` when its deadline has passed: judged on the deadline alone, on
  every crawl, whatever the list looks like.
- A listing is `withdrawn` when it is missing from `withdraw_after_missing` (default 2)
  complete lists in a row; once missing is not enough (lists shift while they are paged).
- A list counts as complete only when every page came back and recognised, it is not empty,
  and it did not shrink by more than half since the last complete list. A list that is not
  complete closes nothing: it is logged (`list_incomplete_closes_nothing`), recorded as the
  source's error, and makes `tenderwatch crawl` exit 4. Listings on it are still recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import structlog

from crawler.items import TenderItem
from crawler.state import CrawlState, KnownListing
from schemas.tender import Tender

log = structlog.get_logger(__name__)

SHRINK_LIMIT = 0.5  # a list under half the size of the last complete one is not believed


@dataclass(frozen=True)
class Completeness:
    complete: bool
    reason: str | None = None


def judge_list(size: int, previous_complete_size: int | None) -> Completeness:
    """Whether a list that came back whole (every page answered) may close listings."""
    if size == 0:
        return Completeness(False, "the list is empty")
    if previous_complete_size and size < previous_complete_size * SHRINK_LIMIT:
        return Completeness(
            False,
            f"the list shrank from {previous_complete_size} to {size} listings "
            f"(more than half) since the last complete crawl",
        )
    return Completeness(True)


def deadline_passed(known: KnownListing, now: datetime) -> bool:
    return known.deadline is not None and datetime.fromisoformat(known.deadline) <= now


def closed_copy(
    state: CrawlState, known: KnownListing, status: str, now: datetime
) -> Tender | None:
    previous = state.previous_tender(known.tender_id)
    if previous is None:
        log.warning("closed_listing_without_record", tender_id=known.tender_id)
        return None
    return Tender.model_validate_json(previous).model_copy(
        update={"status": status, "fetched_at": now}
    )


def close_missing(
    state: CrawlState,
    source: str,
    listed: set[str],
    *,
    complete: bool,
    now: datetime,
    withdraw_after_missing: int,
    stats,
) -> Iterator[TenderItem]:
    """The closing events of one crawl: expired by deadline always; withdrawn only from a
    complete list, after `withdraw_after_missing` complete lists in a row without it."""
    if complete:
        state.mark_listed(sorted(listed))
    for known in state.open_listings(source):
        if known.tender_id in listed:
            continue
        if deadline_passed(known, now):
            tender = closed_copy(state, known, "expired", now)
        elif not complete:
            continue
        else:
            missing = state.mark_missing(known.tender_id)
            if missing < withdraw_after_missing:
                log.info(
                    "listing_missing_from_the_list",
                    tender_id=known.tender_id,
                    source=source,
                    times=missing,
                    withdrawn_after=withdraw_after_missing,
                )
                stats.inc_value("tenderwatch/missing_once")
                continue
            tender = closed_copy(state, known, "withdrawn", now)
        if tender is not None:
            stats.inc_value(f"tenderwatch/tenders/{tender.status}")
            yield TenderItem(tender=tender)
