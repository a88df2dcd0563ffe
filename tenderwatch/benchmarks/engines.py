"""The real engines beside the embedded ones, in the same `tenderwatch bench` run: bulk
indexing (docs/s) and collapsed search p95 on OpenSearch and Elasticsearch at the size the
embedded store was measured at, and produce/consume on Apache Kafka beside Tansu. Measured when
the engines' addresses are in the environment (`eval "$(tools/engines/engines.sh start)"`, and
`eval "$(tools/engines/engines.sh start elasticsearch)"`); otherwise the figures say they were
not measured and why."""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from pathlib import Path

from consumers.store.cluster import index_operations
from consumers.topics import create_topics
from tenderwatch.benchmarks.events import measure_consume, measure_produce, realistic_events
from tenderwatch.benchmarks.search import measure_search, synthetic_events
from tenderwatch.common.settings import Settings

MEASURED_WRITES = (
    5000  # indexer-like writes timed; each batch waits for the next refresh (about a second)
)
NOT_RUNNING = (
    'not measured: no engine in the environment (eval "$(tools/engines/engines.sh start)" first)'
)


def opensearch(size: int, index_events: int, addresses: dict[str, str]) -> dict:
    url = addresses.get("TENDERWATCH_OPENSEARCH_URL")
    if not url:
        return {"opensearch": NOT_RUNNING}
    from opensearchpy import OpenSearch

    from consumers.store.opensearch import OpenSearchStore

    store = OpenSearchStore(OpenSearch(url, timeout=120), alias=f"bench-{uuid.uuid4().hex[:8]}")
    store.setup()
    return measure_cluster("opensearch", store, size, index_events)


def elasticsearch(size: int, index_events: int, addresses: dict[str, str]) -> dict:
    """On the Elasticsearch of `engines.sh start elasticsearch`. That node lacks analysis-common
    (not on Maven Central): the index then gets the analysis reduced to lowercase and stop words,
    and the figures say so (`elasticsearch_analysis`)."""
    url = addresses.get("TENDERWATCH_ELASTICSEARCH_URL")
    if not url:
        return {
            "elasticsearch": "not measured: no engine in the environment "
            '(eval "$(tools/engines/engines.sh start elasticsearch)" first)'
        }
    from elasticsearch import Elasticsearch

    from consumers.store.cluster import AnalysisMissing, without_analysis_module
    from consumers.store.elasticsearch import ElasticsearchStore

    alias = f"bench-{uuid.uuid4().hex[:8]}"
    store = ElasticsearchStore(Elasticsearch(url, request_timeout=120), alias=alias)
    analysis = "the shipped Dutch analysis"
    try:
        store.setup()
    except AnalysisMissing as exc:
        store.template = without_analysis_module(store.template)
        store.setup()
        analysis = f"reduced to lowercase and stop words ({exc})"
    return {
        "elasticsearch_analysis": analysis,
        **measure_cluster("elasticsearch", store, size, index_events),
    }


def measure_cluster(engine: str, store, size: int, index_events: int) -> dict:
    """Indexer-like bulk writes (docs/s), then `size` tenders in all and the collapsed search
    p95 over them; the indices are deleted afterwards."""
    measured = min(index_events, MEASURED_WRITES)
    events = synthetic_events(max(size, measured))
    try:
        started = time.perf_counter()
        for start in range(
            0, measured, 500
        ):  # as the indexer writes: batches of 500, visible on return
            store.write(events[start : start + 500])
        bulk = measured / (time.perf_counter() - started)
        for start in range(
            measured, size, 1000
        ):  # the rest only to search in: no wait for visibility
            store.calls.bulk(index_operations(store.alias, events[start : min(size, start + 1000)]))
        store.client.indices.refresh(index=store.index)
        measure_search(store)  # warm-up: caches, the first collapse
        _, p95 = measure_search(store)
        _, every_p95 = measure_search(store, all_listings=True)
    finally:
        for index in (store.index, store.history_index):
            store.client.indices.delete(index=index, ignore_unavailable=True)
        store.close()
    label = f"{size // 1000}k"
    return {
        f"{engine}_index_docs_per_s": round(bulk, 1),
        f"{engine}_search_p95_ms_{label}": round(p95, 2),
        f"{engine}_search_all_listings_p95_ms_{label}": round(every_p95, 2),
    }


def apache_kafka(count: int, addresses: dict[str, str]) -> dict:
    servers = addresses.get("TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS")
    if not servers:
        return {"apache_kafka": NOT_RUNNING}
    events = realistic_events(count)
    payloads = [(event.key, event.encode()) for event in events]
    with tempfile.TemporaryDirectory() as work:
        settings = Settings(
            kafka_bootstrap_servers=servers,
            data_dir=Path(work),
            tender_events_topic=f"bench-{uuid.uuid4().hex[:6]}",
            opensearch_url=None,  # Kafka alone: both search clusters may be in the environment
            elasticsearch_url=None,
        )
        create_topics(settings)
        rates = measure_produce(settings, payloads)
        consumed, join_s = measure_consume(
            settings, 1000 + len(rates) * ((count - 1000) // len(rates))
        )
    return {
        "apache_kafka_produce_events_per_s": round(statistics.median(rates), 1),
        "apache_kafka_consume_events_per_s": round(consumed, 1),
        "apache_kafka_consumer_group_join_s": round(join_s, 2),
    }


def run(size: int, index_events: int, events: int, addresses: dict[str, str]) -> dict:
    """`addresses`: the engines' `TENDERWATCH_*` variables, as `engines.sh start` exports them."""
    return {
        **opensearch(size, index_events, addresses),
        **elasticsearch(size, index_events, addresses),
        **apache_kafka(events, addresses),
    }
