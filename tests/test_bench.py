"""`tenderwatch bench --quick --json`: one JSON object with every named figure, each measured."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tenderwatch.benchmarks.suite import KEYS


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_quick_bench_prints_every_figure_as_a_measurement():
    env = {key: value for key, value in os.environ.items() if not key.startswith("TENDERWATCH_")}
    result = subprocess.run(
        [sys.executable, "-m", "tenderwatch.cli", "bench", "--quick", "--json"],
        capture_output=True,
        text=True,
        timeout=280,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout)
    assert set(KEYS) <= set(figures)
    for key in KEYS:
        assert isinstance(figures[key], int | float) and figures[key] > 0, (key, figures[key])
    assert figures["quick"] is True and set(figures["seconds"]) == {
        "parse",
        "events",
        "search",
        "alerts",
        "dedupe",
        "crawl_state",
        "engines",
    }
    for engine in ("opensearch", "elasticsearch"):  # none in this environment, and it says so
        assert figures[engine].startswith("not measured: no engine")
    # Ratios are computed from their two measurements, not given.
    assert figures["parse_vs_lxml_ratio"] == pytest.approx(
        figures["parse_pages_per_s"] / figures["lxml_pages_per_s"], rel=0.01, abs=0.001
    )
    assert figures["index_bulk_vs_single_ratio"] == pytest.approx(
        figures["index_events_per_s"] / figures["index_single_events_per_s"], rel=0.05, abs=0.1
    )


@pytest.mark.slow
def test_the_engine_figures_are_measured_on_the_real_engines(engines):
    from tenderwatch.benchmarks import engines as engine_bench
    from tests.engines import elasticsearch_url

    addresses = {
        "TENDERWATCH_OPENSEARCH_URL": engines.opensearch_url,
        "TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS": engines.kafka_bootstrap_servers,
        "TENDERWATCH_ELASTICSEARCH_URL": elasticsearch_url(),
    }
    figures = engine_bench.run(size=1500, index_events=500, events=2000, addresses=addresses)
    assert figures["elasticsearch_analysis"].startswith("reduced to lowercase and stop words")
    for key in (
        "opensearch_index_docs_per_s",
        "opensearch_search_p95_ms_1k",
        "elasticsearch_index_docs_per_s",
        "elasticsearch_search_p95_ms_1k",
        "apache_kafka_produce_events_per_s",
        "apache_kafka_consume_events_per_s",
    ):
        assert isinstance(figures[key], float) and figures[key] > 0, (key, figures)
