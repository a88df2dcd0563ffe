"""The at-scale path end to end on real engines: Apache Kafka and OpenSearch from
`tools/engines/engines.sh`. `tenderwatch setup`, then `run --once` over the replica (new,
changed and closed listings across two cycles), then `search` on the command line and the web
page, and an alert with its reasons: what the embedded default does, on the engines. On the
Elasticsearch node the path stops at `setup`, which names the module that node lacks."""

from __future__ import annotations

import email
import email.policy
import json
import os
import subprocess
import sys
import uuid

import httpx
import pytest

from consumers.broker import free_port
from crawler.sources.flextender.replica import FlextenderReplica
from tests.kafka.test_search_after_run import SEED_TIME
from tests.web.test_browser import wait_until_up

pytestmark = pytest.mark.slow


def tenderwatch(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tenderwatch.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
        check=False,
    )


def test_setup_run_search_and_alert_on_apache_kafka_and_opensearch(engines, tmp_path):
    suffix = uuid.uuid4().hex[:8]
    env = {
        "TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS": engines.kafka_bootstrap_servers,
        "TENDERWATCH_OPENSEARCH_URL": engines.opensearch_url,
        "TENDERWATCH_TENDER_EVENTS_TOPIC": f"events-{suffix}",
        "TENDERWATCH_ALERTS_TOPIC": f"alerts-{suffix}",
        "TENDERWATCH_DEAD_LETTER_TOPIC": f"dlq-{suffix}",
        "TENDERWATCH_ELASTICSEARCH_INDEX_ALIAS": f"tenders-{suffix}",
        "TENDERWATCH_DATA_DIR": str(tmp_path / "data"),
        "TENDERWATCH_NOW": SEED_TIME,
        "TENDERWATCH_AUTOTHROTTLE_START_DELAY": "0",
        "TENDERWATCH_LOG_FORMAT": "json",
        "TENDERWATCH_WEBHOOK_ALLOW_LOOPBACK": "false",
    }
    for attempt in (1, 2):  # idempotent
        setup = tenderwatch("setup", env=env)
        assert setup.returncode == 0, (attempt, setup.stderr[-2000:])
        assert (
            f"opensearch: index template tenders-{suffix}, alias tenders-{suffix} -> "
            f"tenders-{suffix}-v1: ready" in setup.stdout
        )
    added = tenderwatch(
        "saved-search",
        "add",
        "--name",
        "Overijssel schaal 11+",
        "--email",
        "anna@example.nl",
        "--region",
        "Overijssel",
        "--pay-scale-min",
        "11",
        env=env,
    )
    assert added.returncode == 0, added.stderr

    with FlextenderReplica() as site:
        closing = "30922"
        site.expired = set()
        site.listed = sorted(
            number for number in site.pages if number != "31050"
        )  # 31050 appears in cycle 2

        def cycle() -> None:
            run = tenderwatch(
                "run", "--once", "--base-url", site.url, "--api-url", site.url, env=env
            )
            assert run.returncode == 0, run.stderr[-3000:]

        cycle()
        site.listed = sorted(
            number for number in site.pages if number != closing
        )  # closed: gone from the list
        site.expired = {closing}
        cycle()

    def search(*options: str) -> list[dict]:
        result = tenderwatch("search", "--json", *options, env=env)
        assert result.returncode == 0, result.stderr[-2000:]
        return json.loads(result.stdout)

    assert {tender["external_id"] for tender in search("--region", "Overijssel")} == {
        "28671",
        "31050",
    }
    assert {
        tender["external_id"] for tender in search("--region", "Overijssel", "--status", "all")
    } == {"28671", "30922", "31050"}
    statuses = {
        tender["external_id"]: tender["status"]
        for tender in search("--keyword", "procesregisseur", "--status", "all")
    }
    assert statuses[closing] == "expired" and closing not in {
        tender["external_id"] for tender in search("--keyword", "procesregisseur")
    }
    assert [tender["external_id"] for tender in search("--keyword", "coördinatoren")] == [
        "31050"
    ]  # Dutch stemming
    assert [
        tender["external_id"]
        for tender in search("--region", "overijssel", "--pay-scale-min", "12")
    ] == ["31050"]
    by_deadline = search("--deadline-before", "2026-05-01")
    assert by_deadline and all(tender["deadline"] < "2026-05-02" for tender in by_deadline)

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tenderwatch.cli", "serve", "--port", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}")
        page = httpx.get(
            f"http://127.0.0.1:{port}/", params={"q": "coördinatoren", "lang": "en"}, timeout=30
        )
    finally:
        server.terminate()
        server.communicate(timeout=20)
    assert (
        page.status_code == 200 and "1 assignment" in page.text and "Sectorale Aanpak" in page.text
    )
    assert "Procesregisseur" not in page.text

    messages = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted((tmp_path / "data" / "mail").glob("*.eml"))
    ]
    assert [message["To"] for message in messages] == [
        "anna@example.nl"
    ] * 2  # 30922 (cycle 1), 31050 (cycle 2)
    bodies = [message.get_body(("plain",)).get_content() for message in messages]
    assert any("Coördinator Sectorale Aanpak" in body for body in bodies)
    assert all(
        "Waarom deze opdracht:" in body and "je filters: Overijssel" in body for body in bodies
    )  # the reasons, in Dutch: the saved search's language by default


def test_setup_on_the_elasticsearch_node_names_the_module_it_lacks(tmp_path):
    """End to end on Elasticsearch stops at `setup`, and says why: the node here is real
    Elasticsearch 9 (`engines.sh start elasticsearch`) without analysis-common, which Maven
    Central does not publish, and the tenders index needs its Dutch analysis. `setup` refuses
    with the missing filter and module named and creates nothing; every other part of the
    Elasticsearch adapter runs on that node in the store suite (tests/store/backends.py). The
    node's major version is the Python client's."""
    import importlib.metadata

    from tests.engines import elasticsearch_url

    url = elasticsearch_url()
    node = httpx.get(f"{url}/_nodes/_local", timeout=30).json()
    (version,) = {found["version"] for found in node["nodes"].values()}
    assert version.split(".")[0] == importlib.metadata.version("elasticsearch").split(".")[0]

    alias = f"tenders-{uuid.uuid4().hex[:8]}"
    env = {
        "TENDERWATCH_ELASTICSEARCH_URL": url,
        "TENDERWATCH_ELASTICSEARCH_INDEX_ALIAS": alias,
        "TENDERWATCH_DATA_DIR": str(tmp_path / "data"),
    }
    setup = tenderwatch("setup", env=env)
    assert setup.returncode == 1
    assert f"error: Elasticsearch at {url} cannot hold the tenders index" in setup.stderr
    assert "no token filter 'snowball'" in setup.stderr
    assert "analysis-common" in setup.stderr
    assert httpx.get(f"{url}/_alias/{alias}", timeout=30).status_code == 404
