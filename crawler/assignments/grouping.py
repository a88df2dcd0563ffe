"""Assignments in the crawl state: which listings are one assignment, kept beside the listings.

Per listing its `ListingFacts` and blocking keys; per pair of linked listings the reason. An
assignment is a connected group of links. Its id is the tender id of its oldest listing (first
seen, then first recorded: one crawl sees many listings at one moment): a listing that joins
later does not change it, and when two groups turn out to be one, the older group's id wins.

`regroup` runs inside the crawl state's transaction for every listing it records: it links the
listing afresh with the listings that share a key, and returns the assignment (id and the other
listings) of every listing whose group may have changed, so the state can send an update for
each listing whose `assignment_id` or `also_on` moved. The links only depend on the two
listings, so the groups do not depend on the order listings arrive in.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from crawler.assignments.evidence import ListingFacts, link_reason
from schemas.tender import Listing

SCHEMA = """
CREATE TABLE IF NOT EXISTS assignment_facts (
    tender_id TEXT PRIMARY KEY, facts TEXT NOT NULL, arrival INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS assignment_keys (key TEXT NOT NULL, tender_id TEXT NOT NULL, PRIMARY KEY (key, tender_id));
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


def regroup(connection: sqlite3.Connection, facts: ListingFacts) -> dict[str, Membership]:
    """Record `facts`, link the listing again, and return the membership of every listing in
    its old and new group (the caller compares with what they had)."""
    tender_id = facts.tender_id
    before = component(connection, tender_id)
    connection.execute(
        "INSERT INTO assignment_facts (tender_id, facts, arrival) "
        "VALUES (?, ?, (SELECT COALESCE(MAX(arrival), 0) + 1 FROM assignment_facts)) "
        "ON CONFLICT (tender_id) DO UPDATE SET facts = excluded.facts", (tender_id, json.dumps(facts.to_json())))
    connection.execute("DELETE FROM assignment_keys WHERE tender_id = ?", (tender_id,))
    connection.executemany("INSERT OR IGNORE INTO assignment_keys (key, tender_id) VALUES (?, ?)",
                           [(key, tender_id) for key in sorted(facts.keys())])
    connection.execute("DELETE FROM assignment_links WHERE first = ? OR second = ?", (tender_id, tender_id))
    for candidate in candidates(connection, facts):
        reason = link_reason(facts, candidate)
        if reason is not None:
            first, second = sorted((tender_id, candidate.tender_id))
            connection.execute("INSERT OR REPLACE INTO assignment_links (first, second, reason) VALUES (?, ?, ?)",
                               (first, second, reason))
    memberships: dict[str, Membership] = {}
    for member in before | {tender_id}:
        if member not in memberships:
            memberships.update(memberships_of(connection, component(connection, member)))
    return memberships


def candidates(connection: sqlite3.Connection, facts: ListingFacts) -> list[ListingFacts]:
    keys = sorted(facts.lookup_keys())
    if not keys:
        return []
    rows = connection.execute(
        f"SELECT facts FROM assignment_facts WHERE tender_id IN (SELECT DISTINCT tender_id FROM assignment_keys "
        f"WHERE key IN ({', '.join('?' for _ in keys)}) AND tender_id != ?)", [*keys, facts.tender_id]).fetchall()
    return [ListingFacts.from_json(json.loads(document)) for (document,) in rows]


def component(connection: sqlite3.Connection, tender_id: str) -> set[str]:
    """Every listing linked to `tender_id`, directly or through others (itself included)."""
    seen, frontier = {tender_id}, [tender_id]
    while frontier:
        current = frontier.pop()
        for (other,) in connection.execute(
                "SELECT second FROM assignment_links WHERE first = ? UNION SELECT first FROM assignment_links "
                "WHERE second = ?", (current, current)):
            if other not in seen:
                seen.add(other)
                frontier.append(other)
    return seen


def memberships_of(connection: sqlite3.Connection, members: set[str]) -> dict[str, Membership]:
    placeholders = ", ".join("?" for _ in members)
    rows = connection.execute(f"SELECT facts, arrival FROM assignment_facts WHERE tender_id IN ({placeholders})",
                              sorted(members)).fetchall()
    # The oldest: first seen, then first recorded (one crawl sees many listings at one moment).
    listings = [facts for facts, _ in sorted(((ListingFacts.from_json(json.loads(document)), arrival)
                                              for document, arrival in rows),
                                             key=lambda pair: (pair[0].opened, pair[1]))]
    assignment_id = listings[0].tender_id
    return {facts.tender_id: Membership(assignment_id, [
        Listing(source=other.source, id=other.tender_id, url=other.url)
        for other in sorted(listings, key=lambda listing: listing.tender_id) if other.tender_id != facts.tender_id])
        for facts in listings}


def links(connection: sqlite3.Connection) -> list[tuple[str, str, str]]:
    return connection.execute("SELECT first, second, reason FROM assignment_links ORDER BY first, second").fetchall()
