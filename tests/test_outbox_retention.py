"""The outbox on the embedded default: acknowledged events are kept until every consumer group
has committed past them, and a fresh broker is refilled from them (real SQLite file)."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.state import CrawlState

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def recorded(state: CrawlState, seed_tenders, *numbers: str) -> list[int]:
    for number in numbers:
        state.apply(seed_tenders[number], list_fingerprint="1", seen_at=NOW)
    return [row.id for row in state.pending()]


def test_acknowledged_rows_are_kept_with_their_place_until_every_group_is_past_them(
    tmp_path, seed_tenders
):
    state = CrawlState(tmp_path / "state.sqlite3")
    first, second, third = recorded(state, seed_tenders, "30922", "31050", "28671")
    state.retain_published([(first, 0, 10), (second, 0, 11), (third, 1, 5)])
    assert (state.pending_count(), state.retained_count()) == (0, 3)
    assert state.prune_consumed({0: 11, 1: 0}) == 1  # the slowest group is at 11 on partition 0
    assert state.retained_count() == 2
    assert state.prune_consumed({0: 12, 1: 6}) == 2
    assert state.retained_count() == 0


def test_a_fresh_broker_gets_every_retained_row_again_in_the_first_order(tmp_path, seed_tenders):
    state = CrawlState(tmp_path / "state.sqlite3")
    ids = recorded(state, seed_tenders, "30922", "31050")
    state.retain_published([(ids[0], 2, 0)])  # the second was never acknowledged
    reopened = CrawlState(tmp_path / "state.sqlite3")  # as after a crash
    assert reopened.requeue_retained() == 1
    assert [row.id for row in reopened.pending()] == ids and reopened.retained_count() == 0
    assert [row.key for row in reopened.pending()] == [b"flextender:30922", b"flextender:31050"]


def test_a_state_file_of_before_retention_is_read_with_every_row_pending(tmp_path, seed_tenders):
    import sqlite3

    path = tmp_path / "state.sqlite3"
    old = sqlite3.connect(path)
    old.executescript("""CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, event_key TEXT
    NOT NULL,
                         event_type TEXT NOT NULL, value BLOB NOT NULL, created_at TEXT NOT NULL);
                         INSERT INTO outbox (event_key, event_type, value, created_at)
                         VALUES ('flextender:1', 'nl.tenderwatch.tender.published', x'7b7d',
                         '2026-03-01');""")
    old.commit()
    old.close()
    state = CrawlState(path)
    assert (state.pending_count(), state.retained_count()) == (1, 0)
