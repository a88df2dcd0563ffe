"""Storage of tenders for search: one port (`TenderStore`), an embedded SQLite adapter,
Elasticsearch and OpenSearch adapters (`factory.open_store` picks one from the settings),
verified by one shared test suite."""

from consumers.store.base import (
    SearchResult,
    StoreUnavailable,
    TenderStore,
    WriteFailure,
    WriteResult,
)

__all__ = ["SearchResult", "StoreUnavailable", "TenderStore", "WriteFailure", "WriteResult"]
