"""The store backends the shared suite runs on, each opting in (or skipped with a named reason).

- embedded: always; `embedded-split` is the same store with keyword searches split over three
  reader threads even for a handful of tenders, so the merge of parts runs every case.
- opensearch: a real OpenSearch 2.19 node (`tools/engines/engines.sh`, started once per test
  run by `tests/engines.py`), through `opensearch-py`: every capability, nothing skipped.
- elasticsearch: a real Elasticsearch 9 node (`engines.sh start elasticsearch`), through the
  official client (`consumers.store.elasticsearch`). Maven Central has its server and HTTP
  module but not analysis-common, mapper-extras, aggregations or reindex, so the index is made
  with the shipped template's analysis reduced to what the node has (`without_analysis_module`)
  and what needs a missing module is skipped, naming it and where it is proven instead
  (`ES_NODE_CANNOT`). A full cluster is used as it is, with the shipped template and nothing
  skipped, when TENDERWATCH_TEST_ES_URL is set (optionally TENDERWATCH_TEST_ES_API_KEY /
  _USERNAME / _PASSWORD / _CA_CERTS).

The `osmem-server` emulator (`osmem` fixture, `PlainJsonNode`) is no longer a store backend: the
real node covers the client adapter. It stays for one thing no engine here can do:
`tenderwatch setup` with the whole shipped template through the official client
(tests/deploy/test_setup.py), which the node refuses for want of analysis-common.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from elastic_transport import Urllib3HttpNode

from consumers.broker import free_port
from consumers.store.cluster import index_template, without_analysis_module
from consumers.store.elasticsearch import ElasticsearchStore
from consumers.store.embedded import EmbeddedStore

ES_NODE_CANNOT: dict[str, str] = {
    "keyword_search": (
        "Dutch stemming and ASCII folding need Elasticsearch's analysis-common module (filters "
        "snowball, asciifolding), which Maven Central does not publish; the node indexes with "
        "lowercase and Dutch stop words only. Keyword search is proven on a real OpenSearch 2.19 "
        "node and the embedded store (same template, same queries)"
    ),
    "ascii_folding": (
        'a filter on a region or client written without its accents ("Fryslan") needs the '
        "asciifolding filter of Elasticsearch's analysis-common module, which Maven Central does "
        "not publish; proven on a real OpenSearch 2.19 node and the embedded store"
    ),
    "reindex": (
        "_reindex is Elasticsearch's reindex module, which Maven Central does not publish; the "
        "version bump is proven on a real OpenSearch 2.19 node (same code in "
        "consumers/store/cluster.py)"
    ),
}


class PlainJsonNode(Urllib3HttpNode):
    """Turns the ES 8/9 compatibility media type (`application/vnd.elasticsearch+json;
    compatible-with=N`) back into `application/json`, which the emulator understands.
    Test-only: real Elasticsearch gets the client's own headers."""

    def perform_request(self, method, target, body=None, headers=None, **options):
        if headers is not None:
            fixed = {
                name: ("application/json" if "compatible-with" in str(value) else value)
                for name, value in headers.items()
            }
            headers = type(headers)(fixed)
        return super().perform_request(method, target, body=body, headers=headers, **options)


class OsmemServer:
    def __init__(self, log_path: Path) -> None:
        import osmem_server

        binary = Path(osmem_server.__file__).parent / "bin" / "osmem-server"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(binary), "-addr", f"127.0.0.1:{self.port}", "-no-stdin-watch"],
            stdout=open(log_path, "wb"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        import socket

        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("osmem-server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def real_es_client():
    from elasticsearch import Elasticsearch

    options = {}
    if os.environ.get("TENDERWATCH_TEST_ES_API_KEY"):
        options["api_key"] = os.environ["TENDERWATCH_TEST_ES_API_KEY"]
    elif os.environ.get("TENDERWATCH_TEST_ES_USERNAME"):
        options["basic_auth"] = (
            os.environ["TENDERWATCH_TEST_ES_USERNAME"],
            os.environ.get("TENDERWATCH_TEST_ES_PASSWORD", ""),
        )
    if os.environ.get("TENDERWATCH_TEST_ES_CA_CERTS"):
        options["ca_certs"] = os.environ["TENDERWATCH_TEST_ES_CA_CERTS"]
    return Elasticsearch(os.environ["TENDERWATCH_TEST_ES_URL"], **options)


@pytest.fixture(scope="session")
def osmem(tmp_path_factory):
    try:
        server = OsmemServer(tmp_path_factory.mktemp("osmem") / "osmem.log")
    except (ImportError, FileNotFoundError) as exc:
        pytest.skip(f"osmem-server emulator not installed: {exc}")
    yield server
    server.stop()


# The real engine is slow to start (once per run): the fast loop (`-m "not slow"`) needs no engine.
BACKENDS = [
    "embedded",
    "embedded-split",
    pytest.param("opensearch", marks=pytest.mark.slow),
    pytest.param("elasticsearch", marks=pytest.mark.slow),
]


def make_store(backend: str, request, tmp_path):
    """A fresh, set-up store of `backend` (its own index alias), or a skip with the reason."""
    from elasticsearch import Elasticsearch

    if backend == "embedded":
        store = EmbeddedStore(tmp_path / "search.sqlite3", search_workers=1)
    elif backend == "embedded-split":
        store = EmbeddedStore(
            tmp_path / "search.sqlite3", search_workers=3, docs_per_search_worker=1
        )
    elif backend == "opensearch":
        from opensearchpy import OpenSearch

        from consumers.store.opensearch import OpenSearchStore

        running = request.getfixturevalue("engines")
        store = OpenSearchStore(
            OpenSearch(running.opensearch_url), alias=f"tenders-{uuid.uuid4().hex[:8]}"
        )
    elif os.environ.get("TENDERWATCH_TEST_ES_URL"):
        store = ElasticsearchStore(real_es_client(), alias=f"tenders-test-{uuid.uuid4().hex[:8]}")
    else:
        from tests.engines import elasticsearch_url

        store = ElasticsearchStore(
            Elasticsearch(elasticsearch_url()),
            alias=f"tenders-{uuid.uuid4().hex[:8]}",
            template=without_analysis_module(index_template()),
        )
    store.setup()
    return store


def skip_unsupported(backend: str, capability: str) -> None:
    if (
        backend == "elasticsearch"
        and not os.environ.get("TENDERWATCH_TEST_ES_URL")
        and capability in ES_NODE_CANNOT
    ):
        pytest.skip(f"the Elasticsearch node here cannot: {ES_NODE_CANNOT[capability]}")


def analyzed(store, text: str) -> list[str]:
    """The terms the store's `tender_dutch` analyzer makes of `text`, through its own client."""
    if store.backend == "opensearch":
        response = store.client.indices.analyze(
            index=store.index, body={"analyzer": "tender_dutch", "text": text}
        )
    else:
        response = store.client.indices.analyze(
            index=store.index, analyzer="tender_dutch", text=text
        )
    return [token["token"] for token in response["tokens"]]
