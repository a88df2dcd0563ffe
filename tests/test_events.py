"""Tender events without a broker: which event a crawl makes, and the wire format."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from crawler.state import CrawlState, decide_event
from schemas.events import DATASCHEMA, SerializationError, TenderEvent, decode_event

NOW = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def state(tmp_path):
    crawl_state = CrawlState(tmp_path / "state.sqlite3")
    yield crawl_state
    crawl_state.close()


def test_event_lifecycle_of_one_tender(state, seed_tenders):
    tender = seed_tenders["30922"]
    first = state.apply(tender, list_fingerprint="a", seen_at=NOW)
    assert (first.type, first.data.sequence, first.id) == (
        "nl.tenderwatch.tender.published",
        1,
        "flextender:30922/1",
    )
    assert state.apply(tender, list_fingerprint="b", seen_at=NOW) is None  # same content: no news
    moved = tender.model_copy(
        update={"deadline": datetime(2026, 7, 10, 7, 0, tzinfo=UTC)}
    ).with_content_hash()
    update = state.apply(moved, list_fingerprint="c", seen_at=NOW)
    assert (update.type, update.data.sequence, update.data.changed_fields) == (
        "nl.tenderwatch.tender.updated",
        2,
        ["deadline"],
    )
    expired = moved.model_copy(update={"status": "expired"})
    closing = state.apply(expired, list_fingerprint=None, seen_at=NOW)
    assert (closing.type, closing.data.sequence) == ("nl.tenderwatch.tender.expired", 3)
    assert state.apply(expired, list_fingerprint=None, seen_at=NOW) is None  # expired once
    assert [row.event_type for row in state.pending()] == [
        "nl.tenderwatch.tender.published",
        "nl.tenderwatch.tender.updated",
        "nl.tenderwatch.tender.expired",
    ]


def test_a_tender_first_seen_closed_makes_its_closing_event(seed_tenders):
    assert decide_event(None, None, seed_tenders["30498"]) == ("nl.tenderwatch.tender.expired", [])
    withdrawn = seed_tenders["30922"].model_copy(update={"status": "withdrawn"})
    assert decide_event(None, None, withdrawn) == ("nl.tenderwatch.tender.withdrawn", [])


def test_reopened_tender_is_an_update_naming_status(state, seed_tenders):
    tender = seed_tenders["31050"]
    state.apply(tender.model_copy(update={"status": "expired"}), list_fingerprint=None, seen_at=NOW)
    event = state.apply(tender, list_fingerprint=None, seen_at=NOW)
    assert event.type == "nl.tenderwatch.tender.updated" and event.data.changed_fields == ["status"]


def test_a_listing_and_its_news_are_recorded_together_or_not_at_all(
    state, seed_tenders, monkeypatch
):
    """A failure between the state write and the news leaves neither (mock: the fault — a
    crash inside the transaction — cannot be produced on demand otherwise)."""

    def explode(*_args, **_kwargs):
        raise RuntimeError("crash between the two writes")

    monkeypatch.setattr("crawler.assignments.grouping.relink", explode)
    with pytest.raises(RuntimeError):
        state.record(seed_tenders["30922"], list_fingerprint="a", seen_at=NOW)
    assert state.get("flextender:30922") is None and state.unsettled_count() == 0


def test_news_that_could_not_be_settled_is_kept_for_the_next_settle(
    state, seed_tenders, monkeypatch
):
    """A crash while the events are written (mock, as above) loses no news: the listing stays
    recorded with its news unsettled, and the next settle writes its one event."""

    def explode(*_args, **_kwargs):
        raise RuntimeError("crash while writing the outbox")

    state.record(seed_tenders["30922"], list_fingerprint="a", seen_at=NOW)
    with monkeypatch.context() as patched:
        patched.setattr(TenderEvent, "encode", explode)
        with pytest.raises(RuntimeError):
            state.settle(NOW)
    assert (
        state.pending_count() == 0
        and state.unsettled_count() == 1
        and state.get("flextender:30922").sequence == 0
    )
    [event] = state.settle(NOW)
    assert (event.type, event.subject, event.data.sequence) == (
        "nl.tenderwatch.tender.published",
        "flextender:30922",
        1,
    )
    assert (
        state.pending_count() == 1
        and state.unsettled_count() == 0
        and state.get("flextender:30922").sequence == 1
    )


def test_wire_format_is_a_structured_cloudevent(seed_tenders):
    event = TenderEvent.build("nl.tenderwatch.tender.published", seed_tenders["28671"], 1, NOW)
    document = json.loads(event.encode())
    assert (
        document["specversion"] == "1.0" and document["type"] == "nl.tenderwatch.tender.published"
    )
    assert (
        document["subject"] == "flextender:28671"
        and document["source"] == "/tenderwatch/crawler/flextender"
    )
    assert (
        document["dataschema"] == DATASCHEMA and document["datacontenttype"] == "application/json"
    )
    assert document["data"]["tender"]["pay_scale"] == {"min": 10, "max": 10, "label": "10"}
    assert decode_event(event.encode()) == event
    assert event.key == b"flextender:28671"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "tombstone"),
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"dataschema": "urn:tenderwatch:schema:tender-event-data:3"}', "unknown dataschema"),
        (
            json.dumps({"dataschema": DATASCHEMA, "specversion": "1.0"}).encode(),
            "invalid tender event",
        ),
    ],
)
def test_undecodable_records_raise_serialization_error_with_the_reason(value, reason):
    with pytest.raises(SerializationError, match=reason):
        decode_event(value)


def test_old_state_files_are_migrated(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE listings (tender_id TEXT PRIMARY KEY, source TEXT NOT NULL, external_id "
        "TEXT NOT NULL, "
        "url TEXT NOT NULL, status TEXT NOT NULL, list_fingerprint TEXT, content_hash TEXT, "
        "tender_json TEXT, "
        "deadline TEXT, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL)"
    )
    old.execute(
        "INSERT INTO listings VALUES ('flextender:1', 'flextender', '1', 'u', 'open', 'f', 'h', "
        "'{}', NULL, 'x', 'x')"
    )
    old.commit()
    old.close()
    migrated = CrawlState(path)
    assert migrated.get("flextender:1").sequence == 0
    migrated.close()
