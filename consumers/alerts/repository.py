"""Saved searches, API users, alerts and their deliveries: SQLite in the data directory
(`alerts.sqlite3`), shared by the CLI, the API and the alert consumer.

- Saved searches carry a `revision` from one counter: the alert consumer reads only what
  changed since its last look, so a new search is matched from the next batch on. A removed
  search is kept as a tombstone (deleted, inactive) so that change reaches it too.
- An alert is written with one delivery row per channel (webhook, email, topic) in the
  same transaction as its unique key, *before* anything is sent: a crash loses nothing
  and a replay (same key) adds nothing.
- API tokens are stored as SHA-256 hashes only.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

from schemas.saved_search import Alert, SavedSearch
from schemas.search import STORED
from tenderwatch.common.settings import ALERTS_FILE
from tenderwatch.common.sqlite import connect, immediate_transaction

CHANNELS = ("webhook", "email", "topic")
FROM_STORAGE = {
    STORED: True
}  # checked when saved; a later, stricter check must not make it unreadable

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    owner TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS saved_searches (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    revision INTEGER NOT NULL,
    active INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    document TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS saved_searches_by_owner ON saved_searches (owner, deleted);
CREATE INDEX IF NOT EXISTS saved_searches_by_revision ON saved_searches (revision);
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY,
    saved_search_id TEXT NOT NULL,
    tender_id TEXT NOT NULL,
    created TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_by_tender ON alerts (tender_id, saved_search_id);
-- alerts_by_assignment is created by AlertRepository._migrate, after the column exists
CREATE TABLE IF NOT EXISTS deliveries (
    alert_id TEXT NOT NULL REFERENCES alerts (id),
    channel TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'digest', 'delivered', 'dead', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error TEXT,
    delivered_at TEXT,
    PRIMARY KEY (alert_id, channel)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at);
CREATE TABLE IF NOT EXISTS digests (
    saved_search_id TEXT PRIMARY KEY,
    last_sent_day TEXT NOT NULL
);
"""


USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")
USER_NAME_RULE = "1-100 letters, digits, '.', '_', '@' or '-', starting with a letter or digit"


def check_user_name(name: str) -> str:
    """User names are identifiers (they appear in URLs, logs and saved searches): refuse others."""
    if not USER_NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a user name: use {USER_NAME_RULE}")
    return name


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Delivery:
    alert_id: str
    channel: str
    status: str
    attempts: int
    next_attempt_at: float
    last_error: str | None


DELIVERY_COLUMNS = ", ".join(
    field.name for field in fields(Delivery)
)  # in the order `Delivery(*row)` takes


class AlertRepository:
    """Saved searches, users, alerts and their deliveries in one SQLite file. Safe to share
    between threads (the web app's request threads): each thread reads and writes through a
    connection of its own, so a read never sees another thread's transaction half-way."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._lock = threading.Lock()  # writers of this process take turns
        self.connection.executescript(SCHEMA)
        self._migrate()

    @property
    def connection(self) -> sqlite3.Connection:
        """This thread's connection, opened on its first use."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = connect(self.path, check_same_thread=False)
            self._local.connection = connection
            with self._connections_lock:
                self._connections.append(connection)
        return connection

    def _migrate(self) -> None:
        """Alerts stored before assignments existed: their assignment is their tender."""
        columns = {row[1] for row in self.connection.execute("PRAGMA table_info(alerts)")}
        if "assignment_id" not in columns:
            with self.transaction() as connection:
                connection.execute("ALTER TABLE alerts ADD COLUMN assignment_id TEXT")
                connection.execute("UPDATE alerts SET assignment_id = tender_id")
        self.connection.execute(
            "CREATE INDEX IF NOT EXISTS alerts_by_assignment ON alerts (assignment_id, "
            "saved_search_id)"
        )

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> AlertRepository:
        return cls(Path(data_dir) / ALERTS_FILE)

    def close(self) -> None:
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, immediate_transaction(self.connection) as connection:
            yield connection

    # users ------------------------------------------------------------------------------

    def add_user(self, owner: str) -> str:
        """Create (or re-key) `owner` and return a new personal API token; only its hash is kept."""
        check_user_name(owner)
        token = "tw_" + secrets.token_urlsafe(32)
        with self.transaction() as connection:
            connection.execute(
                "INSERT INTO users (owner, token_hash, created) VALUES (?, ?, ?) "
                "ON CONFLICT (owner) DO UPDATE SET token_hash = excluded.token_hash",
                (owner, hash_token(token), datetime.now(UTC).isoformat()),
            )
        return token

    def owner_of_token(self, token: str) -> str | None:
        row = self.connection.execute(
            "SELECT owner FROM users WHERE token_hash = ?", (hash_token(token),)
        ).fetchone()
        return row[0] if row else None

    def users(self) -> list[str]:
        return [
            owner for (owner,) in self.connection.execute("SELECT owner FROM users ORDER BY owner")
        ]

    # saved searches ---------------------------------------------------------------------

    def save(self, saved_search: SavedSearch) -> None:
        with self.transaction() as connection:
            revision = self._next_revision(connection)
            connection.execute(
                "INSERT INTO saved_searches (id, owner, revision, active, deleted, document) "
                "VALUES (?, ?, ?, ?, 0, ?) "
                "ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, active = "
                "excluded.active, "
                "document = excluded.document, deleted = 0",
                (
                    saved_search.id,
                    saved_search.owner,
                    revision,
                    int(saved_search.active),
                    saved_search.stored(),
                ),
            )

    @staticmethod
    def _next_revision(connection: sqlite3.Connection) -> int:
        """Every change of a saved search gets the next revision, so matchers can follow changes."""
        return connection.execute(
            "SELECT COALESCE(MAX(revision), 0) + 1 FROM saved_searches"
        ).fetchone()[0]

    def get(self, saved_search_id: str, owner: str | None = None) -> SavedSearch | None:
        """The saved search, or None when it does not exist, was removed or (with `owner`) is
        someone else's."""
        row = self.connection.execute(
            "SELECT owner, document FROM saved_searches WHERE id = ? AND deleted = 0",
            (saved_search_id,),
        ).fetchone()
        if row is None or (owner is not None and row[0] != owner):
            return None
        return SavedSearch.model_validate_json(row[1], context=FROM_STORAGE)

    def count(self, owner: str) -> int:
        """How many saved searches `owner` has (paused ones count)."""
        return self.connection.execute(
            "SELECT COUNT(*) FROM saved_searches WHERE owner = ? AND deleted = 0", (owner,)
        ).fetchone()[0]

    def list(self, owner: str | None = None) -> list[SavedSearch]:
        if owner is None:
            rows = self.connection.execute(
                "SELECT document FROM saved_searches WHERE deleted = 0 ORDER BY revision"
            )
        else:
            rows = self.connection.execute(
                "SELECT document FROM saved_searches WHERE owner = ? AND deleted = 0 ORDER BY "
                "revision",
                (owner,),
            )
        return [
            SavedSearch.model_validate_json(document, context=FROM_STORAGE) for (document,) in rows
        ]

    def set_active(
        self, saved_search_id: str, active: bool, owner: str | None = None
    ) -> SavedSearch | None:
        saved_search = self.get(saved_search_id, owner)
        if saved_search is None:
            return None
        updated = saved_search.model_copy(update={"active": active})
        self.save(updated)
        return updated

    def remove(self, saved_search_id: str, owner: str | None = None) -> bool:
        with self.transaction() as connection:
            row = connection.execute(
                "SELECT owner FROM saved_searches WHERE id = ? AND deleted = 0", (saved_search_id,)
            ).fetchone()
            if row is None or (owner is not None and row[0] != owner):
                return False
            revision = self._next_revision(connection)
            connection.execute(
                "UPDATE saved_searches SET deleted = 1, active = 0, revision = ? WHERE id = ?",
                (revision, saved_search_id),
            )
            connection.execute(
                "UPDATE deliveries SET status = 'cancelled' WHERE status IN ('pending', 'digest') "
                "AND alert_id IN "
                "(SELECT id FROM alerts WHERE saved_search_id = ?)",
                (saved_search_id,),
            )
        return True

    def changed_since(self, revision: int) -> tuple[int, list[tuple[str, SavedSearch | None]]]:
        """(newest revision, [(id, the search or None when removed/inactive)]) changed after
        `revision`."""
        rows = self.connection.execute(
            "SELECT id, revision, active, deleted, document FROM saved_searches WHERE revision > "
            "? ORDER BY revision",
            (revision,),
        ).fetchall()
        changes = [
            (
                row[0],
                None
                if row[3] or not row[2]
                else SavedSearch.model_validate_json(row[4], context=FROM_STORAGE),
            )
            for row in rows
        ]
        return (rows[-1][1] if rows else revision), changes

    # alerts -----------------------------------------------------------------------------

    def searches_alerted(self, assignment_id: str, tender_ids: set[str]) -> set[str]:
        """The saved searches that have had an alert about this assignment or any of its
        listings (also under an assignment id it had before two groups became one)."""
        placeholders = ", ".join("?" for _ in tender_ids)
        return {
            saved_search_id
            for (saved_search_id,) in self.connection.execute(
                f"SELECT saved_search_id FROM alerts WHERE assignment_id = ? UNION "
                f"SELECT saved_search_id FROM alerts WHERE tender_id IN ({placeholders})",
                [assignment_id, *sorted(tender_ids)],
            )
        }

    def add_alerts(self, alerts: list[tuple[Alert, list[tuple[str, str]]]]) -> int:
        """Persist alerts with their deliveries [(channel, 'pending'|'digest')]; an alert whose id
        exists already is skipped (a replay). Returns how many were new."""
        added = 0
        now = time.time()
        with self.transaction() as connection:
            for alert, channels in alerts:
                inserted = connection.execute(
                    "INSERT OR IGNORE INTO alerts (id, saved_search_id, tender_id, assignment_id, "
                    "created, document) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        alert.id,
                        alert.saved_search.id,
                        alert.tender.id,
                        alert.tender.assignment,
                        alert.created.isoformat(),
                        alert.model_dump_json(),
                    ),
                ).rowcount
                if not inserted:
                    continue
                added += 1
                connection.executemany(
                    "INSERT INTO deliveries (alert_id, channel, status, next_attempt_at) VALUES "
                    "(?, ?, ?, ?)",
                    [(alert.id, channel, status, now) for channel, status in channels],
                )
        return added

    def alert(self, alert_id: str) -> Alert:
        (document,) = self.connection.execute(
            "SELECT document FROM alerts WHERE id = ?", (alert_id,)
        ).fetchone()
        return Alert.model_validate_json(document)

    def alerts(self, saved_search_id: str | None = None) -> list[Alert]:
        query, parameters = "SELECT document FROM alerts", ()
        if saved_search_id is not None:
            query, parameters = query + " WHERE saved_search_id = ?", (saved_search_id,)
        return [
            Alert.model_validate_json(document)
            for (document,) in self.connection.execute(query + " ORDER BY created, id", parameters)
        ]

    # deliveries -------------------------------------------------------------------------

    def due(self, now: float, limit: int = 100) -> list[Delivery]:
        rows = self.connection.execute(
            f"SELECT {DELIVERY_COLUMNS} FROM deliveries "
            "WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?",
            (now, limit),
        )
        return [Delivery(*row) for row in rows]

    def deliveries(self, alert_id: str | None = None) -> list[Delivery]:
        query, parameters = f"SELECT {DELIVERY_COLUMNS} FROM deliveries", ()
        if alert_id is not None:
            query, parameters = query + " WHERE alert_id = ?", (alert_id,)
        return [
            Delivery(*row)
            for row in self.connection.execute(query + " ORDER BY alert_id, channel", parameters)
        ]

    def unattempted(self) -> int:
        """Deliveries still waiting for their first try (what `run --once` waits for)."""
        return self.connection.execute(
            "SELECT COUNT(*) FROM deliveries WHERE status = 'pending' AND attempts = 0"
        ).fetchone()[0]

    def mark_delivered(self, alert_ids: list[str], channel: str) -> None:
        with self.transaction() as connection:
            self._mark_delivered(connection, alert_ids, channel)

    @staticmethod
    def _mark_delivered(connection: sqlite3.Connection, alert_ids: list[str], channel: str) -> None:
        connection.executemany(
            "UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = "
            "?, last_error = NULL "
            "WHERE alert_id = ? AND channel = ?",
            [(datetime.now(UTC).isoformat(), alert_id, channel) for alert_id in alert_ids],
        )

    def mark_failed(
        self, alert_id: str, channel: str, error: str, next_attempt_at: float | None
    ) -> None:
        """A failed try: retry at `next_attempt_at`, or dead (None)."""
        with self.transaction() as connection:
            connection.execute(
                "UPDATE deliveries SET attempts = attempts + 1, last_error = ?, status = ?, "
                "next_attempt_at = ? "
                "WHERE alert_id = ? AND channel = ?",
                (
                    error[:1000],
                    "pending" if next_attempt_at is not None else "dead",
                    next_attempt_at if next_attempt_at is not None else time.time(),
                    alert_id,
                    channel,
                ),
            )

    def mark_cancelled(self, alert_id: str, channel: str) -> None:
        with self.transaction() as connection:
            connection.execute(
                "UPDATE deliveries SET status = 'cancelled' WHERE alert_id = ? AND channel = ?",
                (alert_id, channel),
            )

    # digests ----------------------------------------------------------------------------

    def digest_waiting(self) -> dict[str, list[str]]:
        """Saved search id → alert ids waiting for its daily mail."""
        waiting: dict[str, list[str]] = {}
        for saved_search_id, alert_id in self.connection.execute(
            "SELECT alerts.saved_search_id, alerts.id FROM deliveries JOIN alerts ON alerts.id = "
            "deliveries.alert_id "
            "WHERE deliveries.status = 'digest' ORDER BY alerts.created, alerts.id"
        ):
            waiting.setdefault(saved_search_id, []).append(alert_id)
        return waiting

    def last_digest_day(self, saved_search_id: str) -> str | None:
        row = self.connection.execute(
            "SELECT last_sent_day FROM digests WHERE saved_search_id = ?", (saved_search_id,)
        ).fetchone()
        return row[0] if row else None

    def digest_sent(self, saved_search_id: str, day: str, alert_ids: list[str]) -> None:
        with self.transaction() as connection:
            connection.execute(
                "INSERT INTO digests (saved_search_id, last_sent_day) VALUES (?, ?) "
                "ON CONFLICT (saved_search_id) DO UPDATE SET last_sent_day = "
                "excluded.last_sent_day",
                (saved_search_id, day),
            )
            self._mark_delivered(connection, alert_ids, "email")

    def stats(self) -> dict[str, int]:
        return {
            f"{channel}_{status}": count
            for channel, status, count in self.connection.execute(
                "SELECT channel, status, COUNT(*) FROM deliveries GROUP BY channel, status"
            )
        }
