"""The alert repository shared by the web app's request threads: a read on one thread never
sees another thread's transaction half-way (with one shared connection it did: the read ran
inside the writer's open transaction and saw a row that was then rolled back)."""

from __future__ import annotations

import threading

import pytest

from consumers.alerts.repository import AlertRepository
from tests.alerts.conftest import saved_search


class Abandoned(Exception):
    """Raised inside the transaction to roll it back."""


def test_a_read_on_another_thread_never_sees_an_uncommitted_change(tmp_path):
    repository = AlertRepository(tmp_path / "alerts.sqlite3")
    seen: list[object] = []
    inside = threading.Event()
    read_done = threading.Event()

    def reader() -> None:
        inside.wait(timeout=10)
        seen.append(repository.get("ss_half_way"))
        seen.append(len(repository.list()))
        read_done.set()

    thread = threading.Thread(target=reader)
    thread.start()
    with pytest.raises(Abandoned), repository.transaction() as connection:
        document = saved_search("ss_half_way").model_dump_json()
        connection.execute(
            "INSERT INTO saved_searches (id, owner, revision, active, document) VALUES (?, ?, ?, "
            "1, ?)",
            ("ss_half_way", "anna", 1, document),
        )
        inside.set()
        assert read_done.wait(timeout=10)
        raise Abandoned
    thread.join(timeout=10)
    assert seen == [None, 0]
    assert repository.get("ss_half_way") is None
    repository.close()
