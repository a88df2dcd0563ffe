"""Assignments in a real crawl state (SQLite file): ids, events when listings join, merges,
and groups that do not depend on the order listings arrive in."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.state import CrawlState, merge_news
from schemas.events import EXPIRED, PUBLISHED, UPDATED, WITHDRAWN, TenderEvent
from tenderwatch.benchmarks.dedupe import load_pairs
from tests.assignments.test_evidence import listing


def apply(state: CrawlState, tender) -> TenderEvent | None:
    return state.apply(tender.with_content_hash(), list_fingerprint=None, seen_at=tender.first_seen)


def outbox(state: CrawlState) -> list[TenderEvent]:
    return [TenderEvent.model_validate_json(row.value) for row in state.pending()]


def stored(state: CrawlState, tender_id: str) -> dict:
    return json.loads(state.previous_tender(tender_id))


FLEX = listing(
    "flextender",
    "31050",
    "Coördinator Sectorale Aanpak",
    "Regio Zwolle",
    first_seen="2026-09-01T09:00:00+02:00",
)
COPY = listing(
    "opdrachtoverheid",
    "flextender_31050",
    "Coördinator Sectorale Aanpak",
    "Regio Zwolle",
    first_seen="2026-09-02T09:00:00+02:00",
    origin={"platform": "flextender", "url": None, "listing_refs": ["flextender:31050"]},
)
FREEP = listing(
    "freep",
    "coordinator",
    "Coordinator sectorale aanpak",
    "Regio Zwolle",
    first_seen="2026-09-03T09:00:00+02:00",
)


def test_a_listing_that_joins_carries_the_assignment_and_the_others_get_an_update(tmp_path):
    state = CrawlState(tmp_path / "state.sqlite3")
    first = apply(state, FLEX)
    assert (first.type, first.data.tender.assignment_id, first.data.tender.also_on) == (
        PUBLISHED,
        FLEX.id,
        [],
    )
    joined = apply(state, COPY)
    assert joined.data.tender.assignment_id == FLEX.id
    assert [(other.source, other.id, other.url) for other in joined.data.tender.also_on] == [
        ("flextender", FLEX.id, FLEX.url)
    ]
    update = outbox(state)[-1]
    assert (update.type, update.subject, update.data.sequence, update.data.changed_fields) == (
        UPDATED,
        FLEX.id,
        2,
        ["also_on"],
    )
    assert [other.id for other in update.data.tender.also_on] == [COPY.id]

    apply(state, FREEP)  # a third listing: the id stays
    assert {stored(state, tender.id)["assignment_id"] for tender in (FLEX, COPY, FREEP)} == {
        FLEX.id
    }
    assert [other["id"] for other in stored(state, FLEX.id)["also_on"]] == [FREEP.id, COPY.id]
    assert {(first, second, reason) for first, second, reason in state.assignment_links()} == {
        (FLEX.id, COPY.id, "origin"),
        (FLEX.id, FREEP.id, "title"),
        (FREEP.id, COPY.id, "title"),
    }


def test_crawling_the_same_listings_again_sends_nothing(tmp_path):
    state = CrawlState(tmp_path / "state.sqlite3")
    for tender in (FLEX, COPY, FREEP):
        apply(state, tender)
    before = state.pending_count()
    assert [apply(state, tender) for tender in (FREEP, COPY, FLEX)] == [None, None, None]
    assert state.pending_count() == before


def test_a_listing_seen_at_the_same_moment_does_not_take_the_assignment_over(tmp_path):
    """One crawl records many listings at one moment: the first recorded stays the oldest."""
    state = CrawlState(tmp_path / "state.sqlite3")
    same_moment = {"first_seen": FLEX.first_seen}
    apply(state, FREEP.model_copy(update=same_moment))
    apply(state, COPY.model_copy(update=same_moment))
    apply(state, FLEX)  # its id sorts first, but it came last
    assert {stored(state, tender.id)["assignment_id"] for tender in (FLEX, COPY, FREEP)} == {
        FREEP.id
    }


def test_when_two_groups_turn_out_to_be_one_the_older_id_wins(tmp_path):
    state = CrawlState(tmp_path / "state.sqlite3")
    older = listing(
        "striive",
        "a",
        "Verkeerskundige",
        "Provincie Utrecht",
        client_reference="SRQ181111",
        first_seen="2026-09-01T09:00:00+02:00",
    )
    newer = listing(
        "flextender",
        "9",
        "Senior Verkeerskundige Mobiliteit",
        "Provincie Utrecht",
        first_seen="2026-09-05T09:00:00+02:00",
    )
    apply(state, older)
    apply(state, newer)
    assert stored(state, newer.id)["assignment_id"] == newer.id  # no evidence yet: two assignments
    bridge = listing(
        "inhuurdesk",
        "SRQ181111",
        "Senior Verkeerskundige Mobiliteit",
        "Provincie Utrecht",
        client_reference="SRQ181111",
        first_seen="2026-09-06T09:00:00+02:00",
    )
    apply(state, bridge)
    assert {stored(state, tender.id)["assignment_id"] for tender in (older, newer, bridge)} == {
        older.id
    }
    moved = [event for event in outbox(state) if event.subject == newer.id][-1]
    assert moved.type == UPDATED and set(moved.data.changed_fields) == {"assignment_id", "also_on"}


def test_a_listing_that_changes_so_the_evidence_is_gone_leaves(tmp_path):
    state = CrawlState(tmp_path / "state.sqlite3")
    apply(state, FLEX)
    apply(state, FREEP)
    assert stored(state, FREEP.id)["assignment_id"] == FLEX.id
    renamed = FREEP.model_copy(update={"title": "Adviseur Wonen"})
    left = apply(state, renamed)
    assert (left.data.tender.assignment_id, left.data.tender.also_on) == (FREEP.id, [])
    assert stored(state, FLEX.id)["also_on"] == []
    assert outbox(state)[-1].subject == FLEX.id and outbox(state)[-1].data.changed_fields == [
        "also_on"
    ]


LISTINGS = sorted(
    {
        tender.id: tender for first, second, _, _ in load_pairs() for tender in (first, second)
    }.values(),
    key=lambda tender: tender.id,
)


def partition(state: CrawlState) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for tender in LISTINGS:
        groups.setdefault(stored(state, tender.id)["assignment_id"], set()).add(tender.id)
    return {frozenset(group) for group in groups.values()}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.permutations(LISTINGS))
def test_the_groups_do_not_depend_on_the_order_listings_arrive_in(order):
    with tempfile.TemporaryDirectory() as directory:
        reference = CrawlState(Path(directory) / "sorted.sqlite3")
        shuffled = CrawlState(Path(directory) / "shuffled.sqlite3")
        for tender in LISTINGS:
            apply(reference, tender)
        for tender in order:
            apply(shuffled, tender)
        assert partition(shuffled) == partition(reference)
        assert len(partition(reference)) < len(LISTINGS)  # some listings did group
        reference.close()
        shuffled.close()


def test_one_crawl_of_a_whole_group_gives_each_listing_one_event_with_the_settled_assignment(
    tmp_path,
):
    """A crawl records every listing, then settles once: each listing's one event carries the
    assignment as the whole crawl left it (no update storm as each member joins)."""
    state = CrawlState(tmp_path / "state.sqlite3")
    members = [
        listing(
            source,
            f"{source}-{number}",
            "Coördinator Sectorale Aanpak",
            "Regio Zwolle",
            first_seen="2026-09-01T09:00:00+02:00",
        )
        for number in range(8)
        for source in ("flextender", "freep", "striive")
    ]
    for tender in members:
        assert (
            state.record(tender.with_content_hash(), list_fingerprint=None, seen_at=FLEX.first_seen)
            == PUBLISHED
        )
    assert state.pending_count() == 0  # nothing is written before the crawl settles
    events = state.settle(FLEX.first_seen)
    assert sorted(event.subject for event in events) == sorted(tender.id for tender in members)
    assert {event.type for event in events} == {PUBLISHED}
    assert {event.data.tender.assignment_id for event in events} == {members[0].id}
    assert all(len(event.data.tender.also_on) == len(members) - 1 for event in events)
    assert state.settle(FLEX.first_seen) == []  # settled once


def test_a_listing_changed_twice_in_one_crawl_gets_one_update_naming_both_changes(tmp_path):
    state = CrawlState(tmp_path / "state.sqlite3")
    apply(state, FLEX)
    retitled = FLEX.model_copy(
        update={"title": "Coördinator Sectorale Aanpak Jeugd"}
    ).with_content_hash()
    moved = retitled.model_copy(update={"client": "Gemeente Zwolle"}).with_content_hash()
    state.record(retitled, list_fingerprint=None, seen_at=FLEX.first_seen)
    state.record(moved, list_fingerprint=None, seen_at=FLEX.first_seen)
    [event] = state.settle(FLEX.first_seen)
    assert (event.type, event.data.sequence, event.data.changed_fields) == (
        UPDATED,
        2,
        ["client", "title"],
    )


@pytest.mark.parametrize(
    "earlier, later, merged",
    [
        ((PUBLISHED, []), (UPDATED, ["title"]), (PUBLISHED, [])),
        ((PUBLISHED, []), (EXPIRED, []), (EXPIRED, [])),
        ((UPDATED, ["title"]), (UPDATED, ["client"]), (UPDATED, ["client", "title"])),
        ((UPDATED, ["title"]), (WITHDRAWN, []), (WITHDRAWN, [])),
        ((EXPIRED, []), (UPDATED, ["status"]), (UPDATED, ["status"])),
        ((None, []), (UPDATED, ["title"]), (UPDATED, ["title"])),
        ((UPDATED, ["title"]), (None, []), (UPDATED, ["title"])),
    ],
)
def test_two_pieces_of_news_in_one_crawl_make_one_event(earlier, later, merged):
    assert merge_news(earlier, later) == merged
