"""The tender store port.

Contract every adapter keeps (checked by `tests/store/test_store_suite.py`):
- `setup()` is idempotent: it creates what the store needs, and leaves existing data alone.
- `write(events)` stores each event's tender under its id, in order, guarded by the event
  `sequence`: a write whose sequence is not higher than the stored one changes nothing and
  is counted in `WriteResult.stale` (a replay, a redelivery or an out-of-order event).
  Expired and withdrawn tenders stay stored with their status. Failures of single
  documents come back in `WriteResult.failures` (retriable or not); the store being
  unreachable raises `StoreUnavailable`.
- `search(filter, page)` applies `schemas.search.SearchFilter` exactly as documented there
  and returns the total number of matches and one page of tenders.
- `get(id)` returns the stored tender or None.
- `rate_spread(filter)` gives the spread of the maximum hourly rates of the open listings the
  filter matches (each listing that states a rate counts, whatever its status filter): what
  public bodies pay for such work.
- `history(id)` returns what happened to it, event by event (sequence, type, time, changed
  fields), oldest first: what the web app's tender page shows.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime

from schemas.events import TenderEvent
from schemas.search import SearchFilter, SearchPage
from schemas.tender import Tender


class StoreUnavailable(Exception):
    """The store cannot be reached or is overloaded: retry later."""


@dataclass(frozen=True)
class WriteFailure:
    event_id: str
    reason: str
    retriable: bool


@dataclass
class WriteResult:
    written: int = 0
    stale: int = 0
    failures: list[WriteFailure] = field(default_factory=list)


@dataclass(frozen=True)
class HistoryEntry:
    sequence: int
    type: str
    time: datetime
    changed_fields: tuple[str, ...] = ()

    @classmethod
    def of(cls, event: TenderEvent) -> HistoryEntry:
        return cls(event.data.sequence, event.type, event.time, tuple(event.data.changed_fields))


@dataclass(frozen=True)
class SearchResult:
    total: int
    tenders: list[Tender]


@dataclass(frozen=True)
class RateSpread:
    """The maximum hourly rates (EUR, excl. VAT) of the open listings a search matches:
    `stated` listings state one; `lowest`/`median`/`highest` are None when none does."""

    stated: int = 0
    lowest: float | None = None
    median: float | None = None
    highest: float | None = None

    @classmethod
    def of_counts(cls, counts: list[tuple[float, int]]) -> RateSpread:
        """From (rate, how many listings state it): the exact median, the mean of the two middle
        rates for an even number. Both kinds of store answer with counts per rate (few distinct
        rates), so the figures are the same on every store."""
        ordered = sorted((float(rate), count) for rate, count in counts if count > 0)
        stated = sum(count for _, count in ordered)
        if not stated:
            return cls()

        def at(position: int) -> float:
            seen = 0
            for rate, count in ordered:
                seen += count
                if position < seen:
                    return rate
            raise AssertionError("position beyond the counts")

        middle = (at((stated - 1) // 2) + at(stated // 2)) / 2
        return cls(stated, ordered[0][0], round(middle, 2), ordered[-1][0])


class TenderStore(ABC):
    name: str = "store"

    @abstractmethod
    def setup(self) -> None: ...

    @abstractmethod
    def write(self, events: list[TenderEvent]) -> WriteResult: ...

    @abstractmethod
    def search(self, search: SearchFilter, page: SearchPage | None = None) -> SearchResult: ...

    @abstractmethod
    def rate_spread(self, search: SearchFilter) -> RateSpread: ...

    @abstractmethod
    def get(self, tender_id: str) -> Tender | None: ...

    @abstractmethod
    def history(self, tender_id: str) -> list[HistoryEntry]: ...

    def close(self) -> None:
        return None
