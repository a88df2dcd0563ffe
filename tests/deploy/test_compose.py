"""The production stack, checked statically (no Docker engine runs here): the compose file,
its environment against the settings the app reads, the image, the Kibana saved objects
against the index template's mappings."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from consumers.kibana.saved_objects import saved_objects
from consumers.store.elasticsearch import index_template
from crawler.settings import CrawlerSettings
from tenderwatch.common.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
TENDERWATCH_SERVICES = ["setup", "crawler", "indexer", "alerts", "api"]
ONE_SHOTS = {"setup", "elasticsearch-setup"}


def test_every_service_has_an_image_or_build_and_a_healthcheck():
    assert {"kafka", "elasticsearch", "kibana", *TENDERWATCH_SERVICES} <= set(SERVICES)
    for name, service in SERVICES.items():
        assert service.get("image") or service.get("build"), name
        assert "healthcheck" in service, f"{name} has no healthcheck"
        if (
            name in ONE_SHOTS
        ):  # run once and exit: dependants wait for successful completion instead
            assert service["healthcheck"] == {"disable": True} and service["restart"] == "no", name
            assert any(
                dependency.get(name, {}).get("condition") == "service_completed_successfully"
                for dependency in (other.get("depends_on", {}) for other in SERVICES.values())
            ), name
        else:
            assert service["healthcheck"]["test"] and service["restart"] == "unless-stopped", name


def test_dependencies_exist_wait_for_health_and_have_no_cycle():
    for name, service in SERVICES.items():
        for dependency, rule in service.get("depends_on", {}).items():
            assert dependency in SERVICES, f"{name} depends on unknown {dependency}"
            expected = (
                "service_completed_successfully" if dependency in ONE_SHOTS else "service_healthy"
            )
            assert rule["condition"] == expected, (name, dependency)

    def needs(name: str, seen: tuple[str, ...] = ()) -> set[str]:
        assert name not in seen, f"dependency cycle: {' -> '.join((*seen, name))}"
        direct = set(SERVICES[name].get("depends_on", {}))
        return direct.union(*(needs(dependency, (*seen, name)) for dependency in direct))

    for name in ["crawler", "indexer", "alerts", "api"]:
        assert {"setup", "kafka", "elasticsearch", "kibana"} <= needs(name), name


def test_the_tenderwatch_services_share_one_image_built_from_the_dockerfile():
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert 'ENTRYPOINT ["tenderwatch"]' in dockerfile and "USER tenderwatch" in dockerfile
    for name in TENDERWATCH_SERVICES:
        build = SERVICES[name]["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == (
            DEPLOY / "Dockerfile"
        ).resolve()
        assert SERVICES[name]["image"] == "tenderwatch:local"
    for copied in re.findall(r"^COPY (\S+) ", dockerfile, flags=re.MULTILINE):
        assert (ROOT / copied).exists(), copied


@pytest.mark.parametrize("name", TENDERWATCH_SERVICES)
def test_each_service_command_is_a_real_command_line(name):
    command = [part.replace("${CRAWL_INTERVAL:-15m}", "15m") for part in SERVICES[name]["command"]]
    if name == "setup":
        command = ["setup"]
    result = subprocess.run(
        [sys.executable, "-m", "tenderwatch.cli", *command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for option in (part for part in command if part.startswith("--")):
        assert option in result.stdout, (
            f"{name}: {option} is not an option of `tenderwatch {command[0]}`"
        )


def test_the_environment_the_app_reads_is_set_or_documented():
    settings_variables = {f"TENDERWATCH_{name.upper()}" for name in CrawlerSettings.model_fields}
    set_in_compose = set(SERVICES["crawler"]["environment"])
    assert {
        variable for variable in set_in_compose if variable.startswith("TENDERWATCH_")
    } <= settings_variables
    for name in TENDERWATCH_SERVICES:  # every tenderwatch service gets the same environment
        own = (
            {"TENDERWATCH_TRUSTED_PROXIES"} if name == "api" else set()
        )  # only the web app is behind the proxy
        assert set(SERVICES[name]["environment"]) == set_in_compose | own, name
    assert {
        "TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS",
        "TENDERWATCH_ELASTICSEARCH_URL",
        "TENDERWATCH_KIBANA_URL",
        "TENDERWATCH_SECRET_KEY",
        "TENDERWATCH_DATA_DIR",
    } <= set_in_compose
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\|[^|]*`(TENDERWATCH_[A-Z_]+)`", readme, flags=re.MULTILINE))
    documented |= set(re.findall(r"`(TENDERWATCH_[A-Z_]+)`, `(?:TENDERWATCH_[A-Z_]+)`", readme))
    documented |= set(re.findall(r"`TENDERWATCH_[A-Z_]+`, `(TENDERWATCH_[A-Z_]+)`", readme))
    assert settings_variables - documented == set(), "settings missing from the README's tables"
    env_example = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    example_keys = set(re.findall(r"^([A-Z_]+)=", env_example, flags=re.MULTILINE))
    compose_text = (DEPLOY / "docker-compose.yml").read_text(encoding="utf-8")
    interpolated = set(re.findall(r"\$\{([A-Z_]+)", compose_text))
    assert interpolated - example_keys == set(), (
        "variables the compose file reads but .env.example does not show"
    )


def test_a_tls_proxy_is_the_way_in_and_the_only_client_the_web_app_believes():
    import ipaddress

    proxy, api = SERVICES["proxy"], SERVICES["api"]
    (subnet,) = [entry["subnet"] for entry in COMPOSE["networks"]["edge"]["ipam"]["config"]]
    assert api["environment"]["TENDERWATCH_TRUSTED_PROXIES"] == subnet
    assert (
        ipaddress.ip_network(subnet).is_private and ipaddress.ip_network(subnet).num_addresses <= 8
    )
    assert proxy["networks"] == ["edge"] and "edge" in api["networks"]
    assert not any(
        "edge" in service.get("networks", [])
        for name, service in SERVICES.items()
        if name not in ("proxy", "api")
    ), "only the proxy and the web app share the trusted network"
    assert {port.split(":")[-1] for port in proxy["ports"]} == {"80", "443"}
    assert all(
        port.startswith("127.0.0.1:") for port in api["ports"]
    )  # users come through the proxy
    assert proxy["depends_on"] == {"api": {"condition": "service_healthy"}}
    caddyfile = (DEPLOY / "proxy" / "Caddyfile").read_text(encoding="utf-8")
    mounted = {volume.split(":")[0] for volume in proxy["volumes"]}
    assert "./proxy/Caddyfile" in mounted and "reverse_proxy api:8000" in caddyfile
    assert (
        "header_up X-Forwarded-For {remote_host}" in caddyfile
    )  # a client's own header is replaced
    assert api["environment"]["TENDERWATCH_PUBLIC_URL"].startswith(
        "${TENDERWATCH_PUBLIC_URL:-https://"
    )
    assert Settings(public_url="https://localhost").served_over_https


def mappings(properties: dict | None = None) -> dict[str, str]:
    """Field path → type, from the index template or a mapping an engine returned (sub-fields
    included)."""
    found: dict[str, str] = {}

    def walk(properties: dict, prefix: str) -> None:
        for name, spec in properties.items():
            path = f"{prefix}{name}"
            if "properties" in spec:
                walk(spec["properties"], f"{path}.")
                continue
            found[path] = spec["type"]
            for sub, sub_spec in spec.get("fields", {}).items():
                found[f"{path}.{sub}"] = sub_spec["type"]

    walk(
        properties
        if properties is not None
        else index_template()["template"]["mappings"]["properties"],
        "",
    )
    return found


AGGREGATABLE = {"keyword", "date", "integer", "long", "float", "boolean", "short", "double"}


def referenced_fields(item: dict) -> tuple[set[str], set[str]]:
    """(fields used anywhere, fields aggregated or sorted on) by one saved object."""
    attributes = item["attributes"]
    used, aggregated = set(), set()
    if item["type"] == "index-pattern":
        aggregated.add(attributes["timeFieldName"])
    if item["type"] == "search":
        used |= set(attributes["columns"])
        aggregated |= {field for field, _ in attributes["sort"]}
    if item["type"] == "visualization":
        for aggregation in json.loads(attributes["visState"])["aggs"]:
            if "field" in aggregation["params"]:
                aggregated.add(aggregation["params"]["field"])
    source = json.loads(attributes.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON", "{}"))
    used |= set(re.findall(r"([a-z_.]+) :", source.get("query", {}).get("query", "")))
    for query_filter in source.get("filter", []):
        aggregated |= set(query_filter["query"]["range"])
    return used | aggregated, aggregated


def test_every_field_a_kibana_object_uses_is_mapped_and_aggregatable_where_aggregated():
    check_saved_objects_against(mappings())


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["opensearch", "elasticsearch"])
def test_the_saved_objects_fit_the_mapping_a_real_engine_returns(engine, request):
    """The same check against `GET <alias>/_mapping` of a real OpenSearch node and a real
    Elasticsearch node after `setup` (the index as the engine made it from the template, not the
    template as written). The Elasticsearch node lacks analysis-common, so its index has the
    reduced analysis (tests/store/backends.py); the mapping, which Kibana reads, is the shipped
    one."""
    import uuid

    import httpx

    alias = f"tenders-kibana-{uuid.uuid4().hex[:8]}"
    if engine == "opensearch":
        from opensearchpy import OpenSearch

        from consumers.store.opensearch import OpenSearchStore

        url = request.getfixturevalue("engines").opensearch_url
        store = OpenSearchStore(OpenSearch(url), alias=alias)
    else:
        from elasticsearch import Elasticsearch

        from consumers.store.cluster import without_analysis_module
        from consumers.store.elasticsearch import ElasticsearchStore
        from tests.engines import elasticsearch_url

        url = elasticsearch_url()
        store = ElasticsearchStore(
            Elasticsearch(url), alias=alias, template=without_analysis_module(index_template())
        )
    store.setup()
    store.close()
    answer = httpx.get(f"{url}/{alias}/_mapping", timeout=30).json()
    (index,) = answer
    assert index == f"{alias}-v1"
    check_saved_objects_against(mappings(answer[index]["mappings"]["properties"]))


def check_saved_objects_against(fields: dict[str, str]) -> None:
    objects = saved_objects()
    assert {item["type"] for item in objects} == {
        "index-pattern",
        "search",
        "visualization",
        "dashboard",
    }
    checked = 0
    for item in objects:
        used, aggregated = referenced_fields(item)
        for field in used:
            assert field in fields, f"{item['id']} uses {field}, which the template does not map"
        for field in aggregated:
            assert fields[field] in AGGREGATABLE, (
                f"{item['id']} aggregates on {field} ({fields[field]})"
            )
        checked += len(used)
    assert checked >= 15


def test_saved_objects_reference_each_other_consistently():
    objects = saved_objects("my-alias")
    by_id = {item["id"]: item for item in objects}
    assert by_id["tenderwatch-tenders"]["attributes"]["title"] == "my-alias"
    titles = {item["attributes"]["title"] for item in objects}
    assert {"Open tenders by deadline", "Closing within 7 days", "tenderwatch: tenders"} <= titles
    for item in objects:
        for reference in item["references"]:
            assert (
                reference["id"] in by_id and by_id[reference["id"]]["type"] == reference["type"]
            ), reference
        source = json.loads(
            item["attributes"].get("kibanaSavedObjectMeta", {}).get("searchSourceJSON", "{}")
        )
        if "indexRefName" in source:
            assert source["indexRefName"] in {reference["name"] for reference in item["references"]}
    dashboard = by_id["tenderwatch-dashboard"]
    panel_refs = {
        panel["panelRefName"] for panel in json.loads(dashboard["attributes"]["panelsJSON"])
    }
    assert panel_refs == {reference["name"] for reference in dashboard["references"]}
    visualised = {
        by_id[reference["id"]]["attributes"]["title"] for reference in dashboard["references"]
    }
    assert {
        "Open tenders per region",
        "Deadlines over the coming weeks",
        "New tenders per day",
    } <= visualised
    assert any("Pay scale" in title for title in visualised)


def test_deploy_assets_are_the_files_the_code_installs():
    assert (DEPLOY / "elasticsearch" / "tenders-template.json").resolve() == (
        ROOT / "consumers" / "store" / "tenders-template.json"
    ).resolve()
    assert (DEPLOY / "kibana" / "tenderwatch.ndjson").resolve() == (
        ROOT / "consumers" / "kibana" / "tenderwatch.ndjson"
    ).resolve()


def test_health_follows_the_heartbeat(tmp_path):
    import os
    import time

    from tenderwatch.common.health import Heartbeat, heartbeat_path

    def health() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "tenderwatch.cli", "health", "indexer", "--max-age", "60"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "TENDERWATCH_DATA_DIR": str(tmp_path)},
        )

    assert health().returncode == 1 and "no heartbeat" in health().stderr
    settings = Settings(data_dir=tmp_path)
    Heartbeat(settings, "indexer").beat()
    assert health().returncode == 0
    old = time.time() - 300
    os.utime(heartbeat_path(settings, "indexer"), (old, old))
    stale = health()
    assert stale.returncode == 1 and re.search(r"last heartbeat 3\d\d s ago", stale.stderr)


def test_every_python_directory_is_a_package_the_image_installs():
    """The image installs with `pip install .`: a directory without __init__.py would be left
    out."""
    for top in ("crawler", "consumers", "tenderwatch", "schemas"):
        for directory in {path.parent for path in (ROOT / top).rglob("*.py")}:
            if "__pycache__" not in directory.parts:
                assert (directory / "__init__.py").exists(), directory.relative_to(ROOT)


def test_compose_runs_the_kafka_and_the_elasticsearch_the_tests_run_with_the_clients_major():
    import importlib.metadata

    pom = (ROOT / "tools" / "engines" / "kafka" / "pom.xml").read_text(encoding="utf-8")
    tested = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom).group(1)
    assert SERVICES["kafka"]["image"] == f"apache/kafka:{tested}"
    pom = (ROOT / "tools" / "engines" / "elasticsearch" / "pom.xml").read_text(encoding="utf-8")
    tested = re.search(r"<elasticsearch.version>([^<]+)</elasticsearch.version>", pom).group(1)
    for name, image in (
        ("elasticsearch", "elasticsearch/elasticsearch"),
        ("kibana", "kibana/kibana"),
    ):
        assert SERVICES[name]["image"] == f"docker.elastic.co/{image}:${{STACK_VERSION:-{tested}}}"
    assert f"STACK_VERSION={tested}\n" in (DEPLOY / ".env.example").read_text(encoding="utf-8")
    assert importlib.metadata.version("elasticsearch").split(".")[0] == tested.split(".")[0]


def test_the_opensearch_profile_runs_the_opensearch_the_tests_run():
    pom = (ROOT / "tools" / "engines" / "opensearch" / "pom.xml").read_text(encoding="utf-8")
    tested = re.search(r"<opensearch.version>([^<]+)</opensearch.version>", pom).group(1)
    assert SERVICES["opensearch"]["image"] == f"opensearchproject/opensearch:{tested}"
    assert (
        SERVICES["opensearch-dashboards"]["image"]
        == f"opensearchproject/opensearch-dashboards:{tested}"
    )
    for name in ("opensearch", "opensearch-dashboards"):
        assert SERVICES[name]["profiles"] == ["opensearch"]
    for name in ("elasticsearch", "elasticsearch-setup", "kibana"):
        assert SERVICES[name]["profiles"] == ["elastic"]
    setup_needs = SERVICES["setup"]["depends_on"]
    assert all(
        setup_needs[name].get("required") is False
        for name in ("elasticsearch", "kibana", "opensearch")
    )
    example = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    assert "COMPOSE_PROFILES=elastic" in example  # the default stack; `opensearch` is the other
    environment = SERVICES["setup"]["environment"]
    assert environment["TENDERWATCH_OPENSEARCH_URL"] == "${TENDERWATCH_OPENSEARCH_URL:-}"
