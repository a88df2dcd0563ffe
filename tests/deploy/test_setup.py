"""`tenderwatch setup` twice against the embedded broker, the Elasticsearch stand-in (osmem)
and a Kibana replica: both runs succeed and leave the same state. osmem, not the real
Elasticsearch node of tools/engines: that node lacks analysis-common (not on Maven Central), so
`setup` refuses it (tests/engines_e2e/test_at_scale.py); setup twice on a real engine is proven
on OpenSearch."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from elasticsearch import Elasticsearch
from kafka import KafkaConsumer

from tests.deploy.peers import KibanaReplica, PlainJsonProxy
from tests.store.backends import PlainJsonNode, osmem  # noqa: F401  (the emulator fixture)


def setup_command(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tenderwatch.cli", "setup"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
        check=False,
    )


def test_setup_twice_creates_topics_index_alias_and_kibana_objects(broker, osmem):  # noqa: F811
    suffix = uuid.uuid4().hex[:8]
    alias = f"tenders-{suffix}"
    with PlainJsonProxy(osmem.port) as elasticsearch, KibanaReplica("elastic", "s3cret") as kibana:
        env = {
            "TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
            "TENDERWATCH_TENDER_EVENTS_TOPIC": f"events-{suffix}",
            "TENDERWATCH_ALERTS_TOPIC": f"alerts-{suffix}",
            "TENDERWATCH_DEAD_LETTER_TOPIC": f"dlq-{suffix}",
            "TENDERWATCH_TOPIC_PARTITIONS": "6",
            "TENDERWATCH_ELASTICSEARCH_URL": elasticsearch.url,
            "TENDERWATCH_ELASTICSEARCH_USERNAME": "elastic",
            "TENDERWATCH_ELASTICSEARCH_PASSWORD": "s3cret",
            "TENDERWATCH_ELASTICSEARCH_INDEX_ALIAS": alias,
            "TENDERWATCH_KIBANA_URL": kibana.url,
            "TENDERWATCH_LOG_FORMAT": "json",
        }
        first, second = setup_command(env), setup_command(env)
        assert first.returncode == 0, first.stderr
        assert second.returncode == 0, second.stderr
        assert (
            f"topic events-{suffix}: created" in first.stdout
            and f"topic events-{suffix}: exists" in second.stdout
        )
        assert (
            "kibana: 9 saved objects imported" in first.stdout
            and "kibana: 9 saved objects imported" in second.stdout
        )
        assert [entry["overwrite"] for entry in kibana.imports] == [True, True]
        assert len(kibana.objects) == 9
        per_source = kibana.objects[("visualization", "tenderwatch-listings-per-source")][
            "attributes"
        ]
        assert '"field": "source"' in per_source["visState"]  # the listings-per-source panel
        assert (
            kibana.objects[("index-pattern", "tenderwatch-tenders")]["attributes"]["title"] == alias
        )

    probe = KafkaConsumer(bootstrap_servers=broker.bootstrap_servers)
    try:
        partitions = {
            topic: len(probe.partitions_for_topic(topic) or [])
            for topic in (f"events-{suffix}", f"alerts-{suffix}", f"dlq-{suffix}")
        }
    finally:
        probe.close()
    assert partitions == {f"events-{suffix}": 6, f"alerts-{suffix}": 6, f"dlq-{suffix}": 6}
    client = Elasticsearch(osmem.url, node_class=PlainJsonNode)
    assert list(client.indices.get_alias(name=alias)) == [f"{alias}-v1"]
    assert client.indices.exists_index_template(name=alias)


def test_setup_says_which_service_it_cannot_reach():
    result = setup_command(
        {
            "TENDERWATCH_KIBANA_URL": "http://127.0.0.1:9",
            "TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS": "",
            "TENDERWATCH_ELASTICSEARCH_URL": "",
        }
    )
    assert result.returncode == 1
    assert (
        "error: cannot import the saved objects into Kibana at http://127.0.0.1:9" in result.stderr
    )
    assert (
        setup_command(
            {
                "TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS": "",
                "TENDERWATCH_ELASTICSEARCH_URL": "",
                "TENDERWATCH_KIBANA_URL": "",
            }
        ).returncode
        == 2
    )


def test_setup_explains_a_server_that_is_not_the_elasticsearch_it_expects(osmem):  # noqa: F811
    result = setup_command(
        {
            "TENDERWATCH_ELASTICSEARCH_URL": osmem.url,
            "TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS": "",
            "TENDERWATCH_KIBANA_URL": "",
        }
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"error: Elasticsearch at {osmem.url} refused the set-up" in result.stderr
