"""The indexer handler's error policy, with real faults (a held SQLite lock, a closed port)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from elasticsearch import Elasticsearch

from consumers.broker import free_port
from consumers.indexer import Indexer
from consumers.loop import Message, TransientError
from consumers.store.elasticsearch import ElasticsearchStore
from consumers.store.embedded import EmbeddedStore
from schemas.events import TenderEvent
from schemas.search import SearchFilter

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def messages(seed_tenders, *numbers: str) -> list[Message]:
    return [
        Message(
            "events",
            0,
            offset,
            None,
            None,
            [],
            payload=TenderEvent.build(
                "nl.tenderwatch.tender.published", seed_tenders[number], 1, NOW
            ),
        )
        for offset, number in enumerate(numbers)
    ]


def test_writes_and_counts_stale_redeliveries(tmp_path, seed_tenders):
    indexer = Indexer(EmbeddedStore(tmp_path / "search.sqlite3"))
    batch = messages(seed_tenders, "30922", "31050")
    assert indexer.handle(batch) == []
    assert indexer.handle(batch) == []  # redelivered: nothing changes
    assert indexer.stale == 2
    assert indexer.store.search(SearchFilter()).total == 2


def test_a_locked_embedded_store_is_transient_and_nothing_is_half_written(tmp_path, seed_tenders):
    path = tmp_path / "search.sqlite3"
    indexer = Indexer(EmbeddedStore(path))
    indexer.handle(messages(seed_tenders, "30922"))
    indexer.store.connection.execute("PRAGMA busy_timeout = 100")
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    try:
        with pytest.raises(TransientError, match="unavailable"):
            indexer.handle(messages(seed_tenders, "31050", "28671"))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert indexer.store.search(SearchFilter()).total == 1
    assert indexer.handle(messages(seed_tenders, "31050", "28671")) == []  # the retry succeeds
    assert indexer.store.search(SearchFilter()).total == 3


def test_an_unreachable_elasticsearch_is_transient(seed_tenders):
    store = ElasticsearchStore(
        Elasticsearch(f"http://127.0.0.1:{free_port()}", request_timeout=2, max_retries=0)
    )
    with pytest.raises(TransientError, match="unavailable"):
        Indexer(store).handle(messages(seed_tenders, "30922"))


@pytest.mark.slow
def test_a_cluster_that_refuses_the_set_up_keeps_the_events_waiting(seed_tenders):
    """The real Elasticsearch node here lacks analysis-common, so the shipped template is refused:
    a fault of the cluster, not of any event. The batch is retried (TransientError), never
    dead-lettered, and the reason names the module; the set-up is tried again next time."""
    import uuid

    from tests.engines import elasticsearch_url

    indexer = Indexer(
        ElasticsearchStore(Elasticsearch(elasticsearch_url()), alias=f"t-{uuid.uuid4().hex[:8]}")
    )
    for _ in range(2):
        with pytest.raises(TransientError, match="refused the set-up.*analysis-common"):
            indexer.handle(messages(seed_tenders, "30922"))


@pytest.mark.slow
def test_credentials_refused_mid_way_keep_the_events_waiting(seed_tenders):
    """Credentials revoked after the set-up: every bulk answered 401. The node here has no
    security module, so the 401 comes from a real HTTP proxy in front of the real node (a fault
    the node itself cannot produce). The batch is retried, never dead-lettered; once the
    credentials are right again the same batch is written."""
    import uuid
    from urllib.parse import urlsplit

    from consumers.store.cluster import index_template, without_analysis_module
    from tests.deploy.peers import PlainJsonProxy
    from tests.engines import elasticsearch_url

    revoked = {"now": False}
    unauthorised = {
        "error": {"type": "security_exception", "reason": "unable to authenticate user [tw]"},
        "status": 401,
    }

    def refuse(method: str, path: str):
        return (401, unauthorised) if revoked["now"] and "_bulk" in path else None

    with PlainJsonProxy(urlsplit(elasticsearch_url()).port, refuse) as proxy:
        store = ElasticsearchStore(
            Elasticsearch(proxy.url),
            alias=f"t-{uuid.uuid4().hex[:8]}",
            template=without_analysis_module(index_template()),
        )
        indexer = Indexer(store)
        assert indexer.handle(messages(seed_tenders, "30922")) == []
        revoked["now"] = True
        with pytest.raises(TransientError, match="refused our credentials.*401"):
            indexer.handle(messages(seed_tenders, "31050"))
        revoked["now"] = False
        assert indexer.handle(messages(seed_tenders, "31050")) == []
        assert store.search(SearchFilter()).total == 2
