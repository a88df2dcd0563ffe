"""Keyword search gives the same hits on the embedded store (SQLite FTS5 + the Python Dutch
analysis) and on a real OpenSearch node (the `tender_dutch` analyzer of the index template),
over one corpus of real listings: the five Flextender seeds and every Striive and Inhuurdesk
sample (21 listings). The queries cover Dutch inflections, compounds, diacritics, stop words,
codes and punctuation. On Elasticsearch too when a whole cluster is given
(TENDERWATCH_TEST_ES_URL): the node started here lacks the analysis module. Where the two
analyses cannot agree, `KNOWN_DIFFERENCES` names the case
with the reason, the test checks the difference is exactly that, and the README says so."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from schemas.events import TenderEvent
from schemas.search import SearchFilter, SearchPage
from tests.sources.test_headfirst_mapping import items, mapped
from tests.store.backends import ES_NODE_CANNOT, make_store

pytestmark = pytest.mark.slow  # a real OpenSearch node

NOW = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)

QUERIES = [
    # inflections: plurals, -en/-s, diminutive-free stems
    "projectleiders",
    "projectleider",
    "adviseurs",
    "adviseur",
    "coördinatoren",
    "beheerders",
    "consultants",
    "klantmanagers",
    "procesregisseurs",
    "specialisten",
    "contractmanagers",
    # compounds: a whole compound matches, a part of one does not (on either engine)
    "netcongestie",
    "congestie",
    "schulddienstverlening",
    "veiligheidshuis",
    "hotspot-monitor",
    "hotspot monitor",
    "woningbouwprogramma",
    # diacritics, folded on both sides
    "coordinator",
    "Coördinator",
    "COÖRDINATOR",
    "Fryslân",
    "fryslan",
    "ijsselland",
    # stop words among real words
    "de projectleider",
    "van het sociaal domein",
    "klimaat en water",
    "openbare ruimte",
    # codes, abbreviations, punctuation
    "SRQ202742",
    "SO26-1614",
    "SAP",
    "UX'er",
    "zzp'ers",
    "dbt",
    "Snowflake Matillion",
    "Zorg- & Veiligheidshuis",
    "informatiemanager",
    "data engineer",
]

# query → (only on the embedded store, only on OpenSearch, why the analyses differ)
KNOWN_DIFFERENCES: dict[str, tuple[set[str], set[str], str]] = {}


def corpus(seed_tenders) -> list[TenderEvent]:
    tenders = list(seed_tenders.values())
    for source in ("striive", "inhuurdesk"):
        tenders += [mapped(source, item_id) for item_id in items(source)]
    return [
        TenderEvent.build("nl.tenderwatch.tender.published", tender, 1, NOW) for tender in tenders
    ]


@pytest.fixture(scope="module")
def stores(request, tmp_path_factory, seed_tenders):
    events = corpus(seed_tenders)
    assert len(events) == 21
    built = {}
    for backend in ("embedded", "opensearch"):
        store = make_store(backend, request, tmp_path_factory.mktemp(backend))
        result = store.write(events)
        assert (result.written, result.failures) == (len(events), [])
        built[backend] = store
    yield built
    for store in built.values():
        store.close()


def hits(store, query: str) -> set[str]:
    result = store.search(
        SearchFilter(keyword=query, status="all"), SearchPage(limit=100, all_listings=True)
    )
    assert result.total == len(result.tenders)
    return {tender.id for tender in result.tenders}


def assert_same_hits(embedded_store, engine_store, query: str) -> None:
    """The same hits on both, or exactly the difference `KNOWN_DIFFERENCES` names."""
    embedded, engine = hits(embedded_store, query), hits(engine_store, query)
    if query in KNOWN_DIFFERENCES:
        only_embedded, only_engine, _ = KNOWN_DIFFERENCES[query]
        assert (embedded - engine, engine - embedded) == (only_embedded, only_engine), query
    else:
        assert embedded == engine, (query, sorted(embedded - engine), sorted(engine - embedded))


@pytest.mark.parametrize("query", QUERIES)
def test_the_same_hits_on_the_embedded_store_and_on_opensearch(stores, query):
    assert_same_hits(stores["embedded"], stores["opensearch"], query)


def test_the_queries_find_something_and_tell_cases_apart(stores):
    """Guard against a parity of empty answers: most queries hit, and not all the same listings."""
    answers = {query: frozenset(hits(stores["embedded"], query)) for query in QUERIES}
    assert len(QUERIES) >= 30
    assert sum(1 for found in answers.values() if found) >= 25
    assert len(set(answers.values())) >= 20


def test_the_same_hits_on_the_embedded_store_and_on_elasticsearch(
    stores, request, tmp_path_factory
):
    """The same parity on Elasticsearch, where its Dutch analysis runs."""
    if not os.environ.get("TENDERWATCH_TEST_ES_URL"):
        pytest.skip(
            "no Elasticsearch with its analysis here (set TENDERWATCH_TEST_ES_URL to a whole "
            f"cluster): {ES_NODE_CANNOT['keyword_search']}"
        )
    elasticsearch = make_store("elasticsearch", request, tmp_path_factory.mktemp("elasticsearch"))
    try:
        events = corpus(request.getfixturevalue("seed_tenders"))
        assert elasticsearch.write(events).written == len(events)
        for query in QUERIES:
            assert_same_hits(stores["embedded"], elasticsearch, query)
    finally:
        elasticsearch.close()
