"""The embedded store: SQLite with FTS5 in the data directory (the default; no server).

Text is analysed in Python (`schemas.analysis`, the same steps as the Elasticsearch
analyzer) and the FTS5 table holds the resulting terms, so both stores match the same
documents for the same words. Relevance is FTS5's BM25 with the title weighted 3:1 over the
description. Filters are plain SQL over columns derived from the tender.

Keyword queries are the expensive ones: BM25 is computed for every match (~3 µs each, and a
common word matches tens of thousands of tenders). Two things keep them fast:
- the FTS5 table has a third column of facet tokens (status, a hash of the region), so
  the full-text match itself narrows to open tenders of the asked regions before any
  score is computed; the SQL filters still check every row exactly;
- the matches are split by rowid range over reader connections in threads (SQLite
  computes without the GIL), each returning its count and its best rows, merged here. The
  scores are the same as in one query (BM25 statistics are table-wide). Each reader reads
  its own snapshot: a write committed during a search may show in one part only, as with
  the shards of an Elasticsearch index between refreshes.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import structlog

from consumers.store.base import (
    HistoryEntry,
    RateSpread,
    SearchResult,
    StoreUnavailable,
    TenderStore,
    WriteResult,
)
from schemas.analysis import analyze, fold
from schemas.events import TenderEvent
from schemas.search import SearchFilter, SearchPage
from schemas.tender import Tender
from tenderwatch.common.sqlite import connect, immediate_transaction

log = structlog.get_logger(__name__)

STORE_FILE = "search.sqlite3"
# PRAGMA user_version. 2: `tender_terms` has the `facets` column (a store of version 1 gets
# its full-text table rebuilt from the stored tenders by `setup`). 3: `tenders` has the
# assignment columns (older rows: their own assignment). 4: `tender_history` (filled from the
# events written from then on). 5: `tenders.max_rate` (filled from the stored tenders).
STORE_VERSION = 5
TITLE_WEIGHT, DESCRIPTION_WEIGHT, FACETS_WEIGHT = 3.0, 1.0, 0.0
RANK = f"bm25(tender_terms, {TITLE_WEIGHT}, {DESCRIPTION_WEIGHT}, {FACETS_WEIGHT})"

NO_DEADLINE = "9999-12-31T23:59:59"  # sorts after every real deadline: no deadline comes last
# Filter columns live apart from the ~25 KB tender JSON, so scans and sorts touch small rows;
# the JSON is read only for the page of results.
SCHEMA = """
CREATE TABLE IF NOT EXISTS tenders (
    doc INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    sequence INTEGER NOT NULL,
    status TEXT NOT NULL,
    region_folded TEXT,
    client_folded TEXT,
    education_level TEXT,
    das INTEGER,
    zzp_allowed INTEGER,
    pay_min INTEGER, pay_max INTEGER,
    hours_min INTEGER, hours_max INTEGER,
    deadline_key TEXT NOT NULL,
    assignment TEXT,
    shared INTEGER NOT NULL DEFAULT 0,
    max_rate REAL
);
CREATE INDEX IF NOT EXISTS tenders_by_status_deadline ON tenders (status, deadline_key, id);
CREATE INDEX IF NOT EXISTS tenders_by_deadline ON tenders (deadline_key, id);
CREATE INDEX IF NOT EXISTS tenders_by_region ON tenders (region_folded, status, deadline_key);
CREATE INDEX IF NOT EXISTS tenders_by_pay_scale ON tenders (status, pay_max, pay_min);
CREATE INDEX IF NOT EXISTS tenders_by_hours ON tenders (status, hours_max, hours_min);
CREATE INDEX IF NOT EXISTS tenders_shared ON tenders (shared, assignment);
CREATE INDEX IF NOT EXISTS tenders_by_rate ON tenders (status, max_rate);
CREATE TABLE IF NOT EXISTS tender_documents (doc INTEGER PRIMARY KEY, tender_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tender_history (
    tender_id TEXT NOT NULL, sequence INTEGER NOT NULL, type TEXT NOT NULL, time TEXT NOT NULL,
    changed_fields TEXT NOT NULL, PRIMARY KEY (tender_id, sequence)
);
CREATE VIRTUAL TABLE IF NOT EXISTS tender_terms
    USING fts5(title, description, facets, tokenize = 'unicode61');
"""


def _utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") if moment else None


def _deadline_key(moment: datetime | None) -> str:
    return _utc(moment) or NO_DEADLINE


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _status_facet(status: str) -> str:
    return f"s{status}"


def _region_facet(region_folded: str) -> str:
    """One alphanumeric token per region, whatever its spelling ("Noord-Holland" would be two)."""
    return "r" + hashlib.blake2b(region_folded.encode("utf-8"), digest_size=8).hexdigest()


def _facets(status: str, region_folded: str | None) -> str:
    return " ".join(
        [_status_facet(status), *([_region_facet(region_folded)] if region_folded else [])]
    )


def _default_search_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


class EmbeddedStore(TenderStore):
    name = "embedded"

    def __init__(
        self,
        path: Path,
        busy_timeout_s: float = 10.0,
        search_workers: int | None = None,
        docs_per_search_worker: int = 1000,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.busy_timeout_s = busy_timeout_s
        self.search_workers = search_workers or _default_search_workers()
        self.docs_per_search_worker = (
            docs_per_search_worker  # below this, threads cost more than they save
        )
        self._readers: list[sqlite3.Connection] = []
        self._search_pool: ThreadPoolExecutor | None = None
        self._search_lock = threading.Lock()  # one partitioned search at a time per reader set
        self._rows_at_analysis = -1
        try:
            self.connection = self._connect()
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot open {path}: {exc}") from exc

    def _connect(self, *, read_only: bool = False) -> sqlite3.Connection:
        connection = connect(self.path, timeout_s=self.busy_timeout_s, check_same_thread=False)
        if read_only:
            connection.execute("PRAGMA query_only = 1")
        connection.execute("PRAGMA cache_size=-65536")
        connection.execute("PRAGMA mmap_size=1073741824")
        return connection

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> EmbeddedStore:
        return cls(Path(data_dir) / STORE_FILE)

    def setup(self) -> None:
        version = self.connection.execute("PRAGMA user_version").fetchone()[0]
        if version < STORE_VERSION:
            with immediate_transaction(self.connection):
                self._upgrade()
        self._rows_at_analysis = -1

    def _upgrade(self) -> None:
        """Create the tables, or bring an older store to STORE_VERSION (inside the write
        transaction, so two processes starting at once do it once)."""
        version = self.connection.execute("PRAGMA user_version").fetchone()[0]
        if version >= STORE_VERSION:
            return
        old_terms = (
            version < 2
            and self.connection.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'tender_terms'"
            ).fetchone()
            is not None
        )
        if old_terms:
            self.connection.execute("DROP TABLE tender_terms")
        tenders_existed = (
            self.connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'tenders'").fetchone()
            is not None
        )
        if tenders_existed and "assignment" not in {
            row[1] for row in self.connection.execute("PRAGMA table_info(tenders)")
        }:
            self.connection.execute("ALTER TABLE tenders ADD COLUMN assignment TEXT")
            self.connection.execute(
                "ALTER TABLE tenders ADD COLUMN shared INTEGER NOT NULL DEFAULT 0"
            )
            self.connection.execute("UPDATE tenders SET assignment = id")
        if tenders_existed and "max_rate" not in {
            row[1] for row in self.connection.execute("PRAGMA table_info(tenders)")
        }:
            self.connection.execute("ALTER TABLE tenders ADD COLUMN max_rate REAL")
            self.connection.execute(
                "UPDATE tenders SET max_rate = (SELECT json_extract(tender_json, "
                "'$.max_hourly_rate') FROM tender_documents WHERE tender_documents.doc = "
                "tenders.doc)"
            )
        for statement in SCHEMA.split(";"):
            if statement.strip():
                self.connection.execute(statement)
        if old_terms:
            self._rebuild_terms()
        self.connection.execute(f"PRAGMA user_version = {STORE_VERSION}")

    def _rebuild_terms(self) -> None:
        total = self.connection.execute("SELECT COUNT(*) FROM tender_documents").fetchone()[0]
        log.warning(
            "embedded_store_rebuilding_full_text_index", tenders=total, store_version=STORE_VERSION
        )
        rows = self.connection.execute(
            "SELECT doc, status, region_folded, tender_json FROM tenders JOIN tender_documents "
            "USING (doc)"
        )
        for done, (doc, status, region_folded, tender_json) in enumerate(rows, start=1):
            self._insert_terms(doc, Tender.model_validate_json(tender_json), status, region_folded)
            if done % 5000 == 0:
                log.warning("embedded_store_rebuild_progress", done=done, tenders=total)

    def _refresh_statistics(self) -> None:
        """Give the planner row statistics (ANALYZE, sampled) whenever the table has doubled
        since the last time: without them it may pick the pay-scale index for a deadline-sorted
        page and sort 20,000 rows instead of walking the deadline index."""
        rows = self.connection.execute("SELECT MAX(doc) FROM tenders").fetchone()[0] or 0
        if rows >= max(1000, 2 * self._rows_at_analysis):
            self.connection.execute("PRAGMA analysis_limit = 1000")
            self.connection.execute("ANALYZE tenders")
            self._rows_at_analysis = rows

    def close(self) -> None:
        if self._search_pool is not None:
            self._search_pool.shutdown()
        for reader in self._readers:
            reader.close()
        self.connection.close()

    # writing --------------------------------------------------------------------------

    def write(self, events: list[TenderEvent]) -> WriteResult:
        result = WriteResult()
        try:
            with immediate_transaction(self.connection):
                for event in events:
                    if self._write_one(event):
                        result.written += 1
                    else:
                        result.stale += 1
            self._refresh_statistics()
        except sqlite3.OperationalError as exc:  # locked, disk full, I/O: try again later
            raise StoreUnavailable(str(exc)) from exc
        return result

    def _write_one(self, event: TenderEvent) -> bool:
        tender = event.data.tender
        row = self.connection.execute(
            "SELECT doc, sequence FROM tenders WHERE id = ?", (tender.id,)
        ).fetchone()
        if row is not None and row[1] >= event.data.sequence:
            return False
        values = (
            tender.id,
            event.data.sequence,
            tender.status,
            fold(tender.region) if tender.region else None,
            fold(tender.client) if tender.client else None,
            tender.education_level,
            _flag(tender.das),
            _flag(tender.zzp_allowed),
            tender.pay_scale.min if tender.pay_scale else None,
            tender.pay_scale.max if tender.pay_scale else None,
            tender.hours_per_week.min if tender.hours_per_week else None,
            tender.hours_per_week.max if tender.hours_per_week else None,
            _deadline_key(tender.deadline),
            tender.assignment,
            1 if tender.also_on else 0,
            tender.max_hourly_rate,
        )
        if row is None:
            doc = self.connection.execute(
                "INSERT INTO tenders (id, sequence, status, region_folded, client_folded, "
                "education_level, das, "
                "zzp_allowed, pay_min, pay_max, hours_min, hours_max, deadline_key, assignment, "
                "shared, max_rate) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            ).lastrowid
        else:
            doc = row[0]
            self.connection.execute(
                "UPDATE tenders SET id = ?, sequence = ?, status = ?, region_folded = ?, "
                "client_folded = ?, "
                "education_level = ?, das = ?, zzp_allowed = ?, pay_min = ?, pay_max = ?, "
                "hours_min = ?, "
                "hours_max = ?, deadline_key = ?, assignment = ?, shared = ?, max_rate = ? "
                "WHERE doc = ?",
                (*values, doc),
            )
            self.connection.execute("DELETE FROM tender_terms WHERE rowid = ?", (doc,))
        self.connection.execute(
            "INSERT OR REPLACE INTO tender_documents (doc, tender_json) VALUES (?, ?)",
            (doc, tender.model_dump_json()),
        )
        self._insert_terms(doc, tender, values[2], values[3])
        entry = HistoryEntry.of(event)
        self.connection.execute(
            "INSERT OR REPLACE INTO tender_history (tender_id, sequence, type, time, "
            "changed_fields) VALUES (?, ?, ?, ?, ?)",
            (
                tender.id,
                entry.sequence,
                entry.type,
                entry.time.isoformat(),
                json.dumps(entry.changed_fields),
            ),
        )
        return True

    def _insert_terms(
        self, doc: int, tender: Tender, status: str, region_folded: str | None
    ) -> None:
        self.connection.execute(
            "INSERT INTO tender_terms (rowid, title, description, facets) VALUES (?, ?, ?, ?)",
            (
                doc,
                " ".join(analyze(tender.title)),
                " ".join(analyze(tender.description)),
                _facets(status, region_folded),
            ),
        )

    # reading --------------------------------------------------------------------------

    def get(self, tender_id: str) -> Tender | None:
        row = self.connection.execute(
            "SELECT tender_json FROM tenders JOIN tender_documents USING (doc) WHERE id = ?",
            (tender_id,),
        ).fetchone()
        return Tender.model_validate_json(row[0]) if row else None

    def history(self, tender_id: str) -> list[HistoryEntry]:
        rows = self.connection.execute(
            "SELECT sequence, type, time, changed_fields FROM tender_history WHERE tender_id = ? "
            "ORDER BY sequence",
            (tender_id,),
        ).fetchall()
        return [
            HistoryEntry(sequence, kind, datetime.fromisoformat(moment), tuple(json.loads(changed)))
            for sequence, kind, moment, changed in rows
        ]

    def search(self, search: SearchFilter, page: SearchPage | None = None) -> SearchResult:
        page = page or SearchPage()
        terms = analyze(search.keyword) if search.keyword else []
        try:
            if terms:
                total, page_docs = self._keyword_search(search, terms, page)
            else:
                total, page_docs = self._filter_search(search, page)
            documents = (
                dict(
                    self.connection.execute(
                        "SELECT doc, tender_json FROM tender_documents WHERE doc IN "
                        f"({', '.join('?' for _ in page_docs)})",
                        page_docs,
                    ).fetchall()
                )
                if page_docs
                else {}
            )
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(str(exc)) from exc
        return SearchResult(
            total=total, tenders=[Tender.model_validate_json(documents[doc]) for doc in page_docs]
        )

    def rate_spread(self, search: SearchFilter) -> RateSpread:
        """Counted per distinct rate in SQL (a few hundred rows at most), the figures in Python."""
        open_only = search.model_copy(update={"status": "open"})
        terms = analyze(search.keyword) if search.keyword else []
        try:
            if terms:
                match = self._match(open_only, terms)
                conditions, parameters = self._conditions(open_only, status_in_match=True)
                rows = self.connection.execute(
                    "SELECT max_rate, COUNT(*) FROM tender_terms CROSS JOIN tenders ON "
                    "tenders.doc = tender_terms.rowid WHERE tender_terms MATCH ? AND "
                    "max_rate IS NOT NULL"
                    + "".join(" AND " + condition for condition in conditions)
                    + " GROUP BY max_rate",
                    [match, *parameters],
                ).fetchall()
            else:
                conditions, parameters = self._conditions(open_only)
                rows = self.connection.execute(
                    "SELECT max_rate, COUNT(*) FROM tenders WHERE max_rate IS NOT NULL"
                    + "".join(" AND " + condition for condition in conditions)
                    + " GROUP BY max_rate",
                    parameters,
                ).fetchall()
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(str(exc)) from exc
        return RateSpread.of_counts(rows)

    def _filter_search(self, search: SearchFilter, page: SearchPage) -> tuple[int, list[int]]:
        """No keyword: the deadline index drives, soonest first."""
        conditions, parameters = self._conditions(search)
        where = " AND ".join(conditions) or "1"
        total = self.connection.execute(
            f"SELECT COUNT(*) FROM tenders WHERE {where}", parameters
        ).fetchone()[0]
        if page.all_listings:
            page_docs = self.connection.execute(
                f"SELECT doc FROM tenders WHERE {where} ORDER BY deadline_key, id LIMIT ? OFFSET ?",
                [*parameters, page.limit, page.offset],
            ).fetchall()
            return total, [doc for (doc,) in page_docs]
        total -= self._listings_beyond_one(f"FROM tenders WHERE shared = 1 AND {where}", parameters)
        return total, one_per_assignment(
            lambda wanted: self.connection.execute(
                f"SELECT doc, assignment FROM tenders WHERE {where} ORDER BY deadline_key, id "
                "LIMIT ?",
                [*parameters, wanted],
            ).fetchall(),
            page,
        )

    def _listings_beyond_one(self, rows: str, parameters: list) -> int:
        """Among the matches `rows` selects, how many are a second (third, ...) listing of an
        assignment: only listings that share an assignment are counted, so this is cheap."""
        return self.connection.execute(
            f"SELECT COUNT(*) - COUNT(DISTINCT assignment) {rows}", parameters
        ).fetchone()[0]

    def _keyword_search(
        self, search: SearchFilter, terms: list[str], page: SearchPage
    ) -> tuple[int, list[int]]:
        match = self._match(search, terms)
        # The status facet is exact; regions are checked again in SQL (a hash could collide).
        conditions, parameters = self._conditions(search, status_in_match=True)
        last_doc = self.connection.execute("SELECT MAX(doc) FROM tenders").fetchone()[0] or 0
        parts = max(1, min(self.search_workers, last_doc // max(1, self.docs_per_search_worker)))
        bounds = [
            (last_doc * part // parts, last_doc * (part + 1) // parts) for part in range(parts)
        ]
        totals: list[int] = []

        def best(wanted: int) -> list[tuple]:
            """The best `wanted` matches (score, deadline, id, doc, assignment) of every part."""
            if parts == 1:
                results = [
                    self._keyword_part(
                        self.connection, match, conditions, parameters, wanted, *bounds[0]
                    )
                ]
            else:
                with self._search_lock:
                    readers = self._reader_connections(parts)
                    results = list(
                        self._search_pool.map(
                            lambda part: self._keyword_part(
                                readers[part], match, conditions, parameters, wanted, *bounds[part]
                            ),
                            range(parts),
                        )
                    )
            totals.append(sum(count for count, _ in results))
            return sorted(row for _, rows in results for row in rows)[:wanted]

        if page.all_listings:
            rows = best(page.offset + page.limit)
            return totals[0], [row[3] for row in rows[page.offset :]]
        docs = one_per_assignment(lambda wanted: [(row[3], row[4]) for row in best(wanted)], page)
        shared = (
            "FROM tender_terms CROSS JOIN tenders ON tenders.doc = tender_terms.rowid WHERE "
            "tender_terms MATCH ? "
            f"AND tenders.shared = 1{''.join(' AND ' + condition for condition in conditions)}"
        )
        return totals[0] - self._listings_beyond_one(shared, [match, *parameters]), docs

    @staticmethod
    def _match(search: SearchFilter, terms: list[str]) -> str:
        """The FTS5 query: the words in title and description only, never among the facet
        tokens, narrowed by the status and region facets."""
        match = (
            "{title description} : ("
            + " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)
            + ")"
        )
        if search.status != "all":
            match += f" AND facets:{_status_facet(search.status)}"
        if search.regions:
            match += (
                " AND ("
                + " OR ".join(f"facets:{_region_facet(fold(region))}" for region in search.regions)
                + ")"
            )
        return match

    @staticmethod
    def _keyword_part(
        connection: sqlite3.Connection,
        match: str,
        conditions: list[str],
        parameters: list,
        wanted: int,
        low: int,
        high: int,
    ) -> tuple[int, list[tuple]]:
        """Count and best `wanted` rows (score, deadline, id, doc, assignment) among docs in (low,
        high]."""
        in_range = "tender_terms MATCH ? AND tender_terms.rowid > ? AND tender_terms.rowid <= ?"
        arguments = [match, low, high, *parameters]
        if conditions:
            # CROSS JOIN fixes the order: the full-text match drives, the filter columns are
            # looked up per match (left to itself the planner ran the MATCH once per row).
            where = " AND ".join([in_range, *conditions])
            total = connection.execute(
                "SELECT COUNT(*) FROM tender_terms CROSS JOIN tenders ON tenders.doc = "
                "tender_terms.rowid "
                f"WHERE {where}",
                arguments,
            ).fetchone()[0]
        else:
            where = in_range
            total = connection.execute(
                f"SELECT COUNT(*) FROM tender_terms WHERE {where}", arguments
            ).fetchone()[0]
        rows = connection.execute(
            f"SELECT {RANK} AS score, deadline_key, tenders.id, tenders.doc, tenders.assignment "
            "FROM tender_terms CROSS JOIN tenders ON tenders.doc = tender_terms.rowid "
            f"WHERE {where} ORDER BY score, deadline_key, tenders.id LIMIT ?",
            [*arguments, wanted],
        ).fetchall()
        return total, rows

    def _reader_connections(self, count: int) -> list[sqlite3.Connection]:
        """One reader connection per search worker, opened on the first split search."""
        if not self._readers:
            self._readers = [self._connect(read_only=True) for _ in range(self.search_workers)]
            self._search_pool = ThreadPoolExecutor(
                max_workers=self.search_workers, thread_name_prefix="embedded-search"
            )
        return self._readers[:count]

    @staticmethod
    def _conditions(search: SearchFilter, status_in_match: bool = False) -> tuple[list[str], list]:
        conditions: list[str] = []
        parameters: list = []
        if search.status != "all" and not status_in_match:
            conditions.append("tenders.status = ?")
            parameters.append(search.status)
        if search.regions:
            conditions.append(f"region_folded IN ({', '.join('?' for _ in search.regions)})")
            parameters.extend(fold(region) for region in search.regions)
        for column_min, column_max, low, high in (
            ("pay_min", "pay_max", search.pay_scale_min, search.pay_scale_max),
            ("hours_min", "hours_max", search.hours_min, search.hours_max),
        ):
            if low is not None:
                conditions.append(f"{column_max} >= ?")
                parameters.append(low)
            if high is not None:
                conditions.append(f"{column_min} <= ?")
                parameters.append(high)
        start, end = search.deadline_bounds()
        if start is not None:  # a tender without a deadline matches no deadline filter
            conditions.append("deadline_key >= ? AND deadline_key < ?")
            parameters.extend([_utc(start), NO_DEADLINE])
        if end is not None:
            conditions.append("deadline_key < ?")
            parameters.append(_utc(end))
        for column, value in (
            ("education_level", search.education_level),
            ("das", _flag(search.das)),
            ("zzp_allowed", _flag(search.zzp_allowed)),
        ):
            if value is not None:
                conditions.append(f"{column} = ?")
                parameters.append(value)
        if search.client:
            conditions.append("client_folded = ?")
            parameters.append(fold(search.client))
        if search.sources:  # an id is `<source>:<external id>`: a range of the id index per source
            conditions.append(
                "("
                + " OR ".join("(tenders.id >= ? AND tenders.id < ?)" for _ in search.sources)
                + ")"
            )
            for source in search.sources:
                parameters.extend([f"{source}:", f"{source};"])  # ';' is the character after ':'
        return conditions, parameters


def one_per_assignment(fetch, page: SearchPage) -> list[int]:
    """The page's docs, one per assignment (the first of each in result order). `fetch(n)`
    gives the first n (doc, assignment) rows; asked again for more while duplicates crowd the
    page out."""
    wanted = page.offset + page.limit
    asked = wanted + 10
    while True:
        rows = fetch(asked)
        seen: set[str] = set()
        docs = [doc for doc, assignment in rows if not (assignment in seen or seen.add(assignment))]
        if len(docs) >= wanted or len(rows) < asked:
            return docs[page.offset : wanted]
        asked *= 4
