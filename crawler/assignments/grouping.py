"""Assignments in the crawl state: which listings are one assignment, kept beside the listings.

Per listing its `ListingFacts` and blocking keys; per pair of linked listings the reason. An
assignment is a connected group of links. Its id is the tender id of its oldest listing (first
seen, then first recorded: one crawl sees many listings at one moment): a listing that joins
later does not change it, and when two groups turn out to be one, the older group's id wins.

Two steps, so that a crawl costs the same however its listings group:
- `relink` runs inside the crawl state's transaction for every listing it records: it links the
  listing afresh with the listings that share a key, and returns the listings whose group may
  have changed (itself and its neighbours before and after), which the state keeps as unsettled;
- `memberships` runs once when the crawl settles: it walks each group touched in the crawl once
  and returns the assignment (id and the other listings) of every member, so the state sends one
  event per listing whose `assignment_id` or `also_on` moved, however many joined.
The links only depend on the two listings, so the groups do not depend on the order listings
arrive in.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from crawler.assignments.evidence import ListingFacts, link_reason
from schemas.tender import Listing

SCHEMA = """
CREATE TABLE IF NOT EXISTS assignment_facts (
    tender_id TEXT PRIMARY KEY, facts TEXT NOT NULL, arrival INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS assignment_keys (key TEXT NOT NULL, tender_id TEXT NOT NULL, PRIMARY KEY
(key, tender_id));
CREATE INDEX IF NOT EXISTS assignment_keys_by_tender ON assignment_keys (tender_id);
CREATE TABLE IF NOT EXISTS assignment_links (
    first TEXT NOT NULL, second TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (first, second)
);
CREATE INDEX IF NOT EXISTS assignment_links_by_second ON assignment_links (second);
"""


@dataclass(frozen=True)
class Membership:
    assignment_id: str
    also_on: list[Listing]


def create_tables(connection: sqlite3.Connection) -> None:
    connection.executescript(SCHEMA)


def relink(connection: sqlite3.Connection, facts: ListingFacts) -> set[str]:
    """Record `facts` and link the listing again; returns the listings whose group may have
    changed: this one and its neighbours before and after (every other member of an old or new
    group is reached from one of them)."""
    tender_id = facts.tender_id
    document = json.dumps(facts.to_json())
    stored = connection.execute(
        "SELECT facts FROM assignment_facts WHERE tender_id = ?", (tender_id,)
    ).fetchone()
    if stored is not None and stored[0] == document:
        return {tender_id}  # what the rules read did not change: neither did its links
    touched = {tender_id} | neighbours(connection, tender_id)
    connection.execute(
        "INSERT INTO assignment_facts (tender_id, facts, arrival) "
        "VALUES (?, ?, (SELECT COALESCE(MAX(arrival), 0) + 1 FROM assignment_facts)) "
        "ON CONFLICT (tender_id) DO UPDATE SET facts = excluded.facts",
        (tender_id, document),
    )
    connection.execute("DELETE FROM assignment_keys WHERE tender_id = ?", (tender_id,))
    connection.executemany(
        "INSERT OR IGNORE INTO assignment_keys (key, tender_id) VALUES (?, ?)",
        [(key, tender_id) for key in sorted(facts.keys())],
    )
    connection.execute(
        "DELETE FROM assignment_links WHERE first = ? OR second = ?", (tender_id, tender_id)
    )
    new_links = []
    for candidate in candidates(connection, facts):
        reason = link_reason(facts, candidate)
        if reason is not None:
            new_links.append((*sorted((tender_id, candidate.tender_id)), reason))
            touched.add(candidate.tender_id)
    connection.executemany(
        "INSERT OR REPLACE INTO assignment_links (first, second, reason) VALUES (?, ?, ?)",
        new_links,
    )
    return touched


def memberships(connection: sqlite3.Connection, seeds: Iterable[str]) -> dict[str, Membership]:
    """The membership of every listing in the groups of `seeds`, each group walked once."""
    settled: dict[str, Membership] = {}
    for seed in sorted(seeds):
        if seed not in settled:
            settled.update(memberships_of(connection, component(connection, seed)))
    return settled


def neighbours(connection: sqlite3.Connection, tender_id: str) -> set[str]:
    return {
        other
        for (other,) in connection.execute(
            "SELECT second FROM assignment_links WHERE first = ? UNION SELECT first FROM "
            "assignment_links "
            "WHERE second = ?",
            (tender_id, tender_id),
        )
    }


def candidates(connection: sqlite3.Connection, facts: ListingFacts) -> list[ListingFacts]:
    keys = sorted(facts.lookup_keys())
    if not keys:
        return []
    rows = connection.execute(
        "SELECT facts FROM assignment_facts WHERE tender_id IN (SELECT DISTINCT tender_id FROM "
        "assignment_keys "
        f"WHERE key IN ({', '.join('?' for _ in keys)}) AND tender_id != ?)",
        [*keys, facts.tender_id],
    ).fetchall()
    return [facts_of(document) for (document,) in rows]


@lru_cache(maxsize=8192)
def facts_of(document: str) -> ListingFacts:
    """Stored facts, read once per process: a busy group's members are read by every newcomer."""
    return ListingFacts.from_json(json.loads(document))


def component(connection: sqlite3.Connection, tender_id: str) -> set[str]:
    """Every listing linked to `tender_id`, directly or through others (itself included)."""
    seen, frontier = {tender_id}, [tender_id]
    while frontier:
        for other in neighbours(connection, frontier.pop()) - seen:
            seen.add(other)
            frontier.append(other)
    return seen


def memberships_of(connection: sqlite3.Connection, members: set[str]) -> dict[str, Membership]:
    """The assignment of one group: its oldest listing's id, and for each member the others."""
    placeholders = ", ".join("?" for _ in members)
    rows = connection.execute(
        f"SELECT facts, arrival FROM assignment_facts WHERE tender_id IN ({placeholders})",
        sorted(members),
    ).fetchall()
    # The oldest: first seen, then first recorded (one crawl sees many listings at one moment).
    listings = [
        facts
        for facts, _ in sorted(
            ((facts_of(document), arrival) for document, arrival in rows),
            key=lambda pair: (pair[0].opened, pair[1]),
        )
    ]
    assignment_id = listings[0].tender_id
    everyone = [
        Listing(source=other.source, id=other.tender_id, url=other.url)
        for other in sorted(listings, key=lambda listing: listing.tender_id)
    ]
    return {
        facts.tender_id: Membership(
            assignment_id, [other for other in everyone if other.id != facts.tender_id]
        )
        for facts in listings
    }


def links(connection: sqlite3.Connection) -> list[tuple[str, str, str]]:
    return connection.execute(
        "SELECT first, second, reason FROM assignment_links ORDER BY first, second"
    ).fetchall()
