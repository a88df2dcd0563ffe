"""What only the embedded store has: its upgrade of an older store file (full-text table
without facets, rebuilt by `setup` from the tenders it holds, nothing lost) and its keyword
searches split over reader threads as the store grows. The search semantics themselves are
the shared suite's (`test_store_suite.py`)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from consumers.store.embedded import STORE_VERSION, EmbeddedStore
from schemas.analysis import analyze
from schemas.events import TenderEvent
from schemas.search import SearchFilter
from schemas.tender import Tender

NOW = datetime(2026, 3, 1, tzinfo=UTC)
QUERIES = [
    SearchFilter(),
    SearchFilter(status="all"),
    SearchFilter(keyword="procesregisseur", status="all"),
    SearchFilter(keyword="coordinator", regions=("Overijssel",)),
    SearchFilter(regions=("Drenthe",), status="all"),
]


def as_version_one(path) -> None:
    """Rewrite the full-text table the way version 1 had it: two columns, user_version 0."""
    connection = sqlite3.connect(path, isolation_level=None)
    rows = connection.execute("SELECT doc, tender_json FROM tender_documents").fetchall()
    connection.execute("DROP TABLE tender_terms")
    connection.execute(
        "CREATE VIRTUAL TABLE tender_terms USING fts5(title, description, tokenize = 'unicode61')"
    )
    for doc, tender_json in rows:
        tender = Tender.model_validate_json(tender_json)
        connection.execute(
            "INSERT INTO tender_terms (rowid, title, description) VALUES (?, ?, ?)",
            (doc, " ".join(analyze(tender.title)), " ".join(analyze(tender.description))),
        )
    connection.execute("PRAGMA user_version = 0")
    connection.close()


def ids(store: EmbeddedStore) -> list[list[str]]:
    return [[tender.id for tender in store.search(query).tenders] for query in QUERIES]


def test_setup_rebuilds_an_older_store_and_finds_the_same(tmp_path, seed_tenders):
    path = tmp_path / "search.sqlite3"
    store = EmbeddedStore(path)
    store.setup()
    store.write(
        [
            TenderEvent.build("nl.tenderwatch.tender.published", tender, 1, NOW)
            for tender in seed_tenders.values()
        ]
    )
    before = ids(store)
    store.close()
    as_version_one(path)

    upgraded = EmbeddedStore(path)
    upgraded.setup()
    try:
        assert upgraded.connection.execute("PRAGMA user_version").fetchone()[0] == STORE_VERSION
        columns = [row[1] for row in upgraded.connection.execute("PRAGMA table_info(tender_terms)")]
        assert columns == ["title", "description", "facets"]
        assert ids(upgraded) == before
        assert all(before)  # every query found something, so the comparison means something
    finally:
        upgraded.close()


def test_setup_on_a_current_store_changes_nothing(tmp_path, seed_tenders):
    path = tmp_path / "search.sqlite3"
    store = EmbeddedStore(path)
    store.setup()
    store.write(
        [
            TenderEvent.build("nl.tenderwatch.tender.published", tender, 1, NOW)
            for tender in seed_tenders.values()
        ]
    )
    changes = store.connection.total_changes
    store.setup()
    assert store.connection.total_changes == changes
    store.close()


def test_a_store_growing_between_searches_splits_into_more_parts(tmp_path, seed_tenders):
    store = EmbeddedStore(tmp_path / "search.sqlite3", search_workers=4, docs_per_search_worker=2)
    store.setup()
    tenders = list(seed_tenders.values())
    try:
        store.write(
            [
                TenderEvent.build("nl.tenderwatch.tender.published", tender, 1, NOW)
                for tender in tenders[:4]
            ]
        )
        first = store.search(SearchFilter(keyword="gemeente", status="all"))  # 4 docs: two parts
        store.write(
            [
                TenderEvent.build("nl.tenderwatch.tender.published", tender, 1, NOW)
                for tender in tenders[4:]
            ]
        )
        second = store.search(
            SearchFilter(keyword="gemeente", status="all")
        )  # 5 docs: still two; 8 would be four
        more = [
            tenders[0].model_copy(
                update={"id": f"flextender:96000{number}", "external_id": f"96000{number}"}
            )
            for number in range(4)
        ]
        store.write(
            [
                TenderEvent.build("nl.tenderwatch.tender.published", tender, 1, NOW)
                for tender in more
            ]
        )
        third = store.search(SearchFilter(keyword="gemeente", status="all"))
        assert (first.total, second.total, third.total) == (4, 5, 9)
    finally:
        store.close()


def test_setup_gives_a_version_four_store_its_rates(tmp_path, seed_tenders):
    """Version 5 keeps each tender's maximum rate in a column: an older store gets the column
    filled from the tenders it holds, and the rate spread counts them."""
    path = tmp_path / "search.sqlite3"
    store = EmbeddedStore(path)
    store.setup()
    rated = [
        tender.model_copy(update={"max_hourly_rate": 90.0 + number, "status": "open"})
        for number, tender in enumerate(seed_tenders.values())
    ]
    store.write([TenderEvent.build("nl.tenderwatch.tender.published", t, 1, NOW) for t in rated])
    expected = store.rate_spread(SearchFilter())
    store.close()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("DROP INDEX tenders_by_rate")
    connection.execute("ALTER TABLE tenders DROP COLUMN max_rate")
    connection.execute("PRAGMA user_version = 4")
    connection.close()

    upgraded = EmbeddedStore(path)
    upgraded.setup()
    try:
        assert upgraded.connection.execute("PRAGMA user_version").fetchone()[0] == STORE_VERSION
        assert upgraded.rate_spread(SearchFilter()) == expected
        assert expected.stated == len(rated) and expected.lowest == 90.0
    finally:
        upgraded.close()
