"""What the crawler knows between crawls, and the outbox of events it has yet to publish.

One SQLite file in the data directory. Per listing: status, the hash of its entry in the
complete list (`list_fingerprint`: decides whether the detail page is fetched again), the
hash of its normalised content, the last tender as JSON and the last event `sequence`.
`record()` decides what news a freshly crawled tender is and writes the new state together
with that news (an `unsettled` row) in ONE transaction; `settle()`, once per crawl, turns every
unsettled row into its event in the outbox, with the listing's assignment as the whole crawl
left it, again in one transaction. So a state change is never recorded without its event (a
crawl killed before it settles is settled by the next one), each listing gets at most one
event per crawl, and a crawl costs the same however its listings group into assignments.
`apply()` is `record()` and `settle()` at once: a crawl of one listing.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from crawler.assignments import grouping
from crawler.assignments.evidence import ListingFacts
from schemas.events import PUBLISHED, STATUS_EVENT, UPDATED, TenderEvent
from schemas.tender import Tender
from tenderwatch.common.sqlite import connect, immediate_transaction

# Fields whose change is not news: when the page was fetched and the hash of the rest.
UNREPORTED_FIELDS = frozenset({"fetched_at", "first_seen", "content_hash"})
ASSIGNMENT_FIELDS = frozenset({"assignment_id", "also_on"})

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
    sequence INTEGER NOT NULL DEFAULT 0,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS listings_by_status ON listings (source, status);
CREATE TABLE IF NOT EXISTS source_crawls (
    source TEXT PRIMARY KEY,
    last_complete_at TEXT,
    last_complete_size INTEGER,
    last_error TEXT,
    last_error_at TEXT,
    failing_since TEXT
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_key TEXT NOT NULL,
    event_type TEXT NOT NULL,
    value BLOB NOT NULL,
    created_at TEXT NOT NULL
);
-- published_partition/published_offset: where a retained row went (columns added by _migrate)
CREATE TABLE IF NOT EXISTS unsettled (
    arrival INTEGER PRIMARY KEY AUTOINCREMENT,
    tender_id TEXT NOT NULL UNIQUE,
    event_type TEXT,  -- the listing's own news; null: only its assignment may have moved
    changed_fields TEXT NOT NULL DEFAULT '[]'
);
"""
_COLUMNS = "tender_id, external_id, url, status, list_fingerprint, content_hash, deadline, sequence"


@dataclass(frozen=True)
class KnownListing:
    tender_id: str
    external_id: str
    url: str
    status: str
    list_fingerprint: str | None
    content_hash: str | None
    deadline: str | None
    sequence: int = 0


@dataclass(frozen=True)
class SourceStatus:
    """How crawling one source goes: its last complete list, and since when it fails."""

    source: str
    last_complete_at: str | None
    last_complete_size: int | None
    last_error: str | None
    last_error_at: str | None
    failing_since: str | None
    open_listings: int = 0


@dataclass(frozen=True)
class OutboxRow:
    id: int
    key: bytes
    event_type: str
    value: bytes


def decide_event(
    known: KnownListing | None, previous_json: str | None, tender: Tender
) -> tuple[str | None, list[str]]:
    """Which event a crawled tender makes, and (for updates) which fields changed.

    New → published (or straight to expired/withdrawn when first seen closed); closed
    since last time → expired/withdrawn, once; content changed (or reopened) → updated;
    otherwise nothing (types: `schemas.events`)."""
    if known is None:
        return STATUS_EVENT.get(tender.status, PUBLISHED), []
    if known.status == tender.status and known.content_hash == tender.content_hash:
        return None, []
    if tender.status != "open" and known.status != tender.status:
        return STATUS_EVENT[tender.status], []
    return UPDATED, changed_fields(previous_json, tender)


def merge_news(
    earlier: tuple[str | None, list[str]], later: tuple[str | None, list[str]]
) -> tuple[str | None, list[str]]:
    """Two pieces of news about one listing in one crawl, as the one event it gets: published
    then changed is published; published then closed is closed (as if first seen closed);
    changed twice is one update of both changes; a later close or reopening wins."""
    (earlier_type, earlier_changes), (later_type, later_changes) = earlier, later
    if later_type is None:
        return earlier
    if earlier_type is None:
        return later
    if earlier_type == PUBLISHED:
        return (PUBLISHED, []) if later_type == UPDATED else (later_type, [])
    if later_type == UPDATED:
        return UPDATED, sorted(set(earlier_changes) | set(later_changes))
    return later_type, []


def changed_fields(
    previous_json: str | None, tender: Tender, only: frozenset[str] | None = None
) -> list[str]:
    """The fields (of `only`, if given) whose value differs from the recorded tender's; a field
    the recorded tender predates counts as its default, so adding a field is no change."""
    if not previous_json:
        return []
    before = json.loads(previous_json)
    after = tender.model_dump(mode="json", include=set(only) if only else None)
    return sorted(
        name
        for name, value in after.items()
        if name not in UNREPORTED_FIELDS and before.get(name, _default(name)) != value
    )


def _default(name: str) -> object:
    default = Tender.model_fields[name].get_default(call_default_factory=True)
    return default.model_dump(mode="json") if hasattr(default, "model_dump") else default


def _assignment_moved(recorded: dict, membership: grouping.Membership) -> bool:
    """Whether a recorded tender (as JSON) has another assignment than `membership`; read
    without validating the whole tender, as most members of a touched group have not moved."""
    return recorded.get("assignment_id") != membership.assignment_id or recorded.get(
        "also_on", []
    ) != [listing.model_dump(mode="json") for listing in membership.also_on]


class CrawlState:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.connection = connect(path)
        self.connection.executescript(SCHEMA)
        grouping.create_tables(self.connection)
        self._migrate()

    def _migrate(self) -> None:
        """State files written before events existed lack the sequence column; before sources
        without detail pages, the count of complete lists a listing was missing from."""
        columns = {row[1] for row in self.connection.execute("PRAGMA table_info(listings)")}
        if "sequence" not in columns:
            self.connection.execute(
                "ALTER TABLE listings ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0"
            )
        if "missing_count" not in columns:
            self.connection.execute(
                "ALTER TABLE listings ADD COLUMN missing_count INTEGER NOT NULL DEFAULT 0"
            )
        outbox_columns = {row[1] for row in self.connection.execute("PRAGMA table_info(outbox)")}
        if "published_offset" not in outbox_columns:
            self.connection.execute("ALTER TABLE outbox ADD COLUMN published_partition INTEGER")
            self.connection.execute("ALTER TABLE outbox ADD COLUMN published_offset INTEGER")
        self.connection.execute(
            "CREATE INDEX IF NOT EXISTS outbox_published ON outbox (published_partition, "
            "published_offset)"
        )

    def close(self) -> None:
        self.connection.close()

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return immediate_transaction(self.connection)

    def get(self, tender_id: str) -> KnownListing | None:
        row = self.connection.execute(
            f"SELECT {_COLUMNS} FROM listings WHERE tender_id = ?", (tender_id,)
        ).fetchone()
        return KnownListing(*row) if row else None

    def previous_tender(self, tender_id: str) -> str | None:
        """The last recorded tender as JSON, to report a listing that vanished without a page."""
        row = self.connection.execute(
            "SELECT tender_json FROM listings WHERE tender_id = ?", (tender_id,)
        ).fetchone()
        return row[0] if row else None

    def _first_seen(self, tender_id: str) -> datetime | None:
        row = self.connection.execute(
            "SELECT first_seen FROM listings WHERE tender_id = ?", (tender_id,)
        ).fetchone()
        return datetime.fromisoformat(row[0]) if row else None

    def external_ids_by_url_suffix(self, source: str) -> set[str]:
        """The last path segment (upper case) of every known listing's URL of `source`, and
        its external ids: what a fallback that only sees URLs can recognise listings by."""
        rows = self.connection.execute(
            "SELECT url, external_id FROM listings WHERE source = ?", (source,)
        ).fetchall()
        return {url.rstrip("/").rsplit("/", 1)[-1].upper() for url, _ in rows} | {
            external_id.upper() for _, external_id in rows
        }

    def listings_by_url(self, source: str) -> dict[str, KnownListing]:
        """Every known listing of `source`, open or closed, by its URL: what a source whose list
        names only URLs (a sitemap) recognises its listings by."""
        rows = self.connection.execute(
            f"SELECT {_COLUMNS} FROM listings WHERE source = ?", (source,)
        ).fetchall()
        return {listing.url: listing for listing in (KnownListing(*row) for row in rows)}

    def open_listings(self, source: str) -> list[KnownListing]:
        rows = self.connection.execute(
            f"SELECT {_COLUMNS} FROM listings WHERE source = ? AND status = 'open' ORDER BY "
            "tender_id",
            (source,),
        ).fetchall()
        return [KnownListing(*row) for row in rows]

    def record(
        self, tender: Tender, *, list_fingerprint: str | None, seen_at: datetime
    ) -> str | None:
        """Record `tender` and the news it is (one transaction); its event is written when the
        crawl settles (`settle`). The listing is linked with the other listings of its
        assignment on the way. Returns the type of its own event (None: no news of its own)."""
        with self.transaction() as connection:
            known = self.get(tender.id)
            previous_json = self.previous_tender(tender.id)
            previous = Tender.model_validate_json(previous_json) if previous_json else None
            tender = tender.model_copy(
                update={
                    "first_seen": self._first_seen(tender.id) or seen_at,
                    # the assignment as recorded until the crawl settles it
                    "assignment_id": previous.assignment_id if previous else tender.id,
                    "also_on": previous.also_on if previous else [],
                }
            )
            news = decide_event(known, previous_json, tender)
            row = connection.execute(
                "SELECT event_type, changed_fields FROM unsettled WHERE tender_id = ?", (tender.id,)
            ).fetchone()
            event_type, changes = merge_news((row[0], json.loads(row[1])), news) if row else news
            self._record(
                connection,
                tender,
                list_fingerprint=list_fingerprint,
                seen_at=seen_at,
                sequence=known.sequence if known else 0,
            )
            connection.execute(
                "INSERT INTO unsettled (tender_id, event_type, changed_fields) VALUES (?, ?, ?) "
                "ON CONFLICT "
                "(tender_id) DO UPDATE SET event_type = excluded.event_type, changed_fields = "
                "excluded.changed_fields",
                (tender.id, event_type, json.dumps(changes)),
            )
            touched = grouping.relink(connection, ListingFacts.of(tender)) - {tender.id}
            connection.executemany(
                "INSERT OR IGNORE INTO unsettled (tender_id) VALUES (?)",
                [(other,) for other in sorted(touched)],
            )
            return event_type

    def settle(self, seen_at: datetime) -> list[TenderEvent]:
        """Write the events of everything recorded since the last settle, in one transaction:
        each recorded listing's own news, and an update for each listing whose assignment moved,
        with the assignment as it stands now. At most one event per listing; the recorded
        listings' events first, in the order they were recorded."""
        with self.transaction() as connection:
            rows = connection.execute(
                "SELECT tender_id, event_type, changed_fields FROM unsettled ORDER BY arrival"
            ).fetchall()
            if not rows:
                return []
            news = {
                tender_id: (event_type, json.loads(changes))
                for tender_id, event_type, changes in rows
            }
            settled = grouping.memberships(connection, news)
            events = []
            for tender_id in [*news, *sorted(set(settled) - set(news))]:
                event = self._settle_one(
                    connection,
                    tender_id,
                    news.get(tender_id, (None, [])),
                    settled.get(tender_id),
                    seen_at,
                )
                if event is not None:
                    events.append(event)
            connection.execute("DELETE FROM unsettled")
            return events

    def unsettled_count(self) -> int:
        return self.connection.execute("SELECT COUNT(*) FROM unsettled").fetchone()[0]

    def apply(
        self, tender: Tender, *, list_fingerprint: str | None, seen_at: datetime
    ) -> TenderEvent | None:
        """A crawl of one listing: `record` it and `settle`; returns its own event, if any (the
        updates of the listings whose assignment it changed are in the outbox too)."""
        self.record(tender, list_fingerprint=list_fingerprint, seen_at=seen_at)
        return next((event for event in self.settle(seen_at) if event.subject == tender.id), None)

    def _settle_one(
        self,
        connection: sqlite3.Connection,
        tender_id: str,
        news: tuple[str | None, list[str]],
        membership: grouping.Membership | None,
        seen_at: datetime,
    ) -> TenderEvent | None:
        row = connection.execute(
            "SELECT tender_json, sequence FROM listings WHERE tender_id = ?", (tender_id,)
        ).fetchone()
        if row is None or row[0] is None:
            return None
        previous_json, sequence = row
        own_type, own_changes = news
        moved = membership is not None and _assignment_moved(json.loads(previous_json), membership)
        if own_type is None and not moved:
            return None
        tender = Tender.model_validate_json(previous_json)
        if membership is not None:
            tender = tender.model_copy(
                update={"assignment_id": membership.assignment_id, "also_on": membership.also_on}
            )
        event_type = own_type or UPDATED
        changes = (
            sorted(
                set(own_changes)
                | set(changed_fields(previous_json, tender, only=ASSIGNMENT_FIELDS))
            )
            if event_type == UPDATED
            else []
        )
        connection.execute(
            "UPDATE listings SET tender_json = ?, sequence = ? WHERE tender_id = ?",
            (tender.model_dump_json(), sequence + 1, tender_id),
        )
        return self._outbox(
            connection, TenderEvent.build(event_type, tender, sequence + 1, seen_at, changes)
        )

    @staticmethod
    def _outbox(connection: sqlite3.Connection, event: TenderEvent) -> TenderEvent:
        connection.execute(
            "INSERT INTO outbox (event_key, event_type, value, created_at) VALUES (?, ?, ?, ?)",
            (event.subject, event.type, event.encode(), event.time.isoformat()),
        )
        return event

    def assignment_links(self) -> list[tuple[str, str, str]]:
        """(first, second, reason) of every link between two listings of one assignment."""
        return grouping.links(self.connection)

    def _record(
        self,
        connection: sqlite3.Connection,
        tender: Tender,
        *,
        list_fingerprint: str | None,
        seen_at: datetime,
        sequence: int,
    ) -> None:
        connection.execute(
            """
            INSERT INTO listings (tender_id, source, external_id, url, status, list_fingerprint,
            content_hash,
                                  tender_json, deadline, sequence, first_seen, last_seen)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (tender_id) DO UPDATE SET
                url = excluded.url,
                status = excluded.status,
                list_fingerprint = COALESCE(excluded.list_fingerprint, listings.list_fingerprint),
                content_hash = excluded.content_hash,
                tender_json = excluded.tender_json,
                deadline = excluded.deadline,
                sequence = excluded.sequence,
                last_seen = excluded.last_seen
            """,
            (
                tender.id,
                tender.source,
                tender.external_id,
                tender.url,
                tender.status,
                list_fingerprint,
                tender.content_hash,
                tender.model_dump_json(),
                tender.deadline.isoformat() if tender.deadline else None,
                sequence,
                seen_at.isoformat(),
                seen_at.isoformat(),
            ),
        )

    # absence from complete lists and each source's crawl health -------------------------

    def mark_listed(self, tender_ids: list[str]) -> None:
        """These were on a complete list: their count of lists missed starts again."""
        with self.transaction() as connection:
            connection.executemany(
                "UPDATE listings SET missing_count = 0 WHERE tender_id = ? AND missing_count > 0",
                [(tender_id,) for tender_id in tender_ids],
            )

    def mark_missing(self, tender_id: str) -> int:
        """One more complete list without this listing; returns how many in a row now."""
        with self.transaction() as connection:
            connection.execute(
                "UPDATE listings SET missing_count = missing_count + 1 WHERE tender_id = ?",
                (tender_id,),
            )
            row = connection.execute(
                "SELECT missing_count FROM listings WHERE tender_id = ?", (tender_id,)
            ).fetchone()
        return row[0] if row else 0

    def record_complete_list(self, source: str, size: int, at: datetime) -> None:
        with self.transaction() as connection:
            connection.execute(
                "INSERT INTO source_crawls (source, last_complete_at, last_complete_size) VALUES "
                "(?, ?, ?) "
                "ON CONFLICT (source) DO UPDATE SET last_complete_at = excluded.last_complete_at, "
                "last_complete_size = excluded.last_complete_size, failing_since = NULL",
                (source, at.isoformat(), size),
            )

    def record_list_failure(self, source: str, error: str, at: datetime) -> None:
        with self.transaction() as connection:
            connection.execute(
                "INSERT INTO source_crawls (source, last_error, last_error_at, failing_since) "
                "VALUES (?, ?, ?, ?) "
                "ON CONFLICT (source) DO UPDATE SET last_error = excluded.last_error, "
                "last_error_at = excluded.last_error_at, "
                "failing_since = COALESCE(source_crawls.failing_since, excluded.failing_since)",
                (source, error, at.isoformat(), at.isoformat()),
            )

    def source_status(self, source: str) -> SourceStatus:
        row = self.connection.execute(
            "SELECT last_complete_at, last_complete_size, last_error, last_error_at, failing_since "
            "FROM source_crawls WHERE source = ?",
            (source,),
        ).fetchone()
        open_count = self.connection.execute(
            "SELECT COUNT(*) FROM listings WHERE source = ? AND status = 'open'", (source,)
        ).fetchone()[0]
        return SourceStatus(source, *(row or (None,) * 5), open_listings=open_count)

    # the outbox ------------------------------------------------------------------------

    def pending(self, limit: int = 1000) -> list[OutboxRow]:
        """Rows not handed to the broker yet, oldest first."""
        rows = self.connection.execute(
            "SELECT id, event_key, event_type, value FROM outbox WHERE published_offset IS NULL "
            "ORDER BY id LIMIT ?",
            (limit,),
        ).fetchall()
        return [OutboxRow(row[0], row[1].encode("utf-8"), row[2], bytes(row[3])) for row in rows]

    def pending_count(self) -> int:
        return self.connection.execute(
            "SELECT COUNT(*) FROM outbox WHERE published_offset IS NULL"
        ).fetchone()[0]

    def delete_published(self, ids: list[int]) -> None:
        with self.transaction() as connection:
            connection.executemany("DELETE FROM outbox WHERE id = ?", [(row_id,) for row_id in ids])

    # retention: for a broker that keeps messages in memory (the embedded default) ---------

    def retain_published(self, placed: list[tuple[int, int, int]]) -> None:
        """(row id, partition, offset) of rows the broker acknowledged: kept until every
        consumer group has committed past them (`prune_consumed`)."""
        with self.transaction() as connection:
            connection.executemany(
                "UPDATE outbox SET published_partition = ?, published_offset = ? WHERE id = ?",
                [(partition, offset, row_id) for row_id, partition, offset in placed],
            )

    def retained_count(self) -> int:
        return self.connection.execute(
            "SELECT COUNT(*) FROM outbox WHERE published_offset IS NOT NULL"
        ).fetchone()[0]

    def prune_consumed(self, committed: dict[int, int]) -> int:
        """Delete retained rows below `committed[partition]` (the lowest offset any consumer
        group has committed on that partition: every group has applied what lies below)."""
        with self.transaction() as connection:
            return sum(
                connection.execute(
                    "DELETE FROM outbox WHERE published_partition = ? AND published_offset < ?",
                    (partition, offset),
                ).rowcount
                for partition, offset in committed.items()
            )

    def requeue_retained(self) -> int:
        """Every retained row pending again, in its first order: for a fresh broker that lost
        what the last one held (the consumers are idempotent, so a refill applies nothing twice)."""
        with self.transaction() as connection:
            return connection.execute(
                "UPDATE outbox SET published_partition = NULL, published_offset = NULL "
                "WHERE published_offset IS NOT NULL"
            ).rowcount
