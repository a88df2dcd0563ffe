"""What every route of the web app shares, kept on `app.state` and handed to routes by
`Depends` (`tenderwatch.web.dependencies`): the settings, the clock, the tender store, the
alert repository, the accounts, the cookies and the page renderer."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime

from consumers.store.base import RateSpread, TenderStore
from consumers.store.factory import open_store, store_exists
from schemas.search import SearchFilter, SearchPage
from schemas.tender import Tender
from schemas.zone import AMSTERDAM
from tenderwatch.common.settings import Settings


@dataclass(frozen=True)
class Clock:
    """The service's now: frozen by TENDERWATCH_NOW (replays, tests), else the wall clock."""

    frozen: datetime | None = None

    def now(self) -> datetime:
        return self.frozen or datetime.now(UTC)

    def today(self) -> date:
        """The calendar date in Amsterdam: what "closing within 7 days" counts from."""
        return self.now().astimezone(AMSTERDAM).date()


class StoreAccess:
    """The tender store, opened on first use once something was indexed; one connection, so
    searches take turns (each is milliseconds)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: TenderStore | None = None
        self._lock = threading.Lock()

    def _opened(self) -> TenderStore | None:
        if self._store is None:
            if not store_exists(self.settings):
                return None
            store = open_store(self.settings)
            store.setup()
            self._store = store
        return self._store

    @property
    def indexed(self) -> bool:
        with self._lock:
            return self._opened() is not None

    def search(self, search: SearchFilter, page: SearchPage):
        """The result, or None while nothing has been indexed. StoreUnavailable, or ValueError
        past the deepest page, pass through."""
        with self._lock:
            store = self._opened()
            return None if store is None else store.search(search, page)

    def rate_spread(self, search: SearchFilter) -> RateSpread | None:
        with self._lock:
            store = self._opened()
            return None if store is None else store.rate_spread(search)

    def tender(self, tender_id: str) -> Tender | None:
        with self._lock:
            store = self._opened()
            return None if store is None else store.get(tender_id)

    def history(self, tender_id: str) -> list:
        with self._lock:
            store = self._opened()
            return [] if store is None else store.history(tender_id)
