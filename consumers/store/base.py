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


class TenderStore(ABC):
    name: str = "store"

    @abstractmethod
    def setup(self) -> None: ...

    @abstractmethod
    def write(self, events: list[TenderEvent]) -> WriteResult: ...

    @abstractmethod
    def search(self, search: SearchFilter, page: SearchPage | None = None) -> SearchResult: ...

    @abstractmethod
    def get(self, tender_id: str) -> Tender | None: ...

    @abstractmethod
    def history(self, tender_id: str) -> list[HistoryEntry]: ...

    def close(self) -> None:
        return None
