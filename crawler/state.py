"""What the crawler knows between crawls: every listing it has seen, its status and hashes.

One SQLite file in the data directory. `list_fingerprint` is a hash of the listing's entry
in the complete list (API job or card) and decides whether the detail page is fetched
again; `content_hash` is the normalised content's hash.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

STATE_FILE = "crawler-state.sqlite3"

SCHEMA = """
CREATE TABLE IF NOT EXISTS listings (
    tender_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    url TEXT NOT NULL,
    status TEXT NOT NULL,
    list_fingerprint TEXT,
    content_hash TEXT,
    tender_json TEXT,
    deadline TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS listings_by_status ON listings (source, status);
"""


@dataclass(frozen=True)
class KnownListing:
    tender_id: str
    external_id: str
    url: str
    status: str
    list_fingerprint: str | None
    content_hash: str | None
    deadline: str | None


class CrawlState:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.connection = sqlite3.connect(path, isolation_level=None)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.executescript(SCHEMA)

    def close(self) -> None:
        self.connection.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield self.connection
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def get(self, tender_id: str) -> KnownListing | None:
        row = self.connection.execute(
            "SELECT tender_id, external_id, url, status, list_fingerprint, content_hash, deadline "
            "FROM listings WHERE tender_id = ?",
            (tender_id,),
        ).fetchone()
        return KnownListing(*row) if row else None

    def previous_tender(self, tender_id: str) -> str | None:
        """The last emitted tender as JSON, to report a listing that vanished without a page."""
        row = self.connection.execute("SELECT tender_json FROM listings WHERE tender_id = ?", (tender_id,)).fetchone()
        return row[0] if row else None

    def open_listings(self, source: str) -> list[KnownListing]:
        rows = self.connection.execute(
            "SELECT tender_id, external_id, url, status, list_fingerprint, content_hash, deadline "
            "FROM listings WHERE source = ? AND status = 'open' ORDER BY tender_id",
            (source,),
        ).fetchall()
        return [KnownListing(*row) for row in rows]

    def record(
        self,
        *,
        tender_id: str,
        source: str,
        external_id: str,
        url: str,
        status: str,
        content_hash: str,
        tender_json: str,
        deadline: datetime | None,
        list_fingerprint: str | None,
        seen_at: datetime,
    ) -> None:
        """Insert or update a listing; the list fingerprint is kept when none is given."""
        self.connection.execute(
            """
            INSERT INTO listings (tender_id, source, external_id, url, status, list_fingerprint,
                                  content_hash, tender_json, deadline, first_seen, last_seen)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (tender_id) DO UPDATE SET
                url = excluded.url,
                status = excluded.status,
                list_fingerprint = COALESCE(excluded.list_fingerprint, listings.list_fingerprint),
                content_hash = excluded.content_hash,
                tender_json = excluded.tender_json,
                deadline = excluded.deadline,
                last_seen = excluded.last_seen
            """,
            (
                tender_id, source, external_id, url, status, list_fingerprint, content_hash, tender_json,
                deadline.isoformat() if deadline else None, seen_at.isoformat(), seen_at.isoformat(),
            ),
        )
