"""The search page's JSON twin: the same URL query, the page's hits, total, paging links and
rate spread; described in the OpenAPI document."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from consumers.store.embedded import EmbeddedStore
from crawler.sources import platforms
from schemas.events import TenderEvent
from tenderwatch.common.settings import Settings
from tenderwatch.web.app import create_app

NOW = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def client(tmp_path, seed_tenders):
    rated = [
        seed_tenders["30922"].model_copy(
            update={
                "id": f"striive:7700{number}",
                "source": "striive",
                "external_id": f"7700{number}",
                "assignment": f"striive:7700{number}",
                "max_hourly_rate": rate,
                "status": "open",
            }
        )
        for number, rate in enumerate([85.0, 97.5, 120.0])
    ]
    store = EmbeddedStore.in_data_dir(tmp_path)
    store.setup()
    store.write(
        [
            TenderEvent.build("nl.tenderwatch.tender.published", tender, 1, NOW)
            for tender in [*seed_tenders.values(), *rated]
        ]
    )
    store.close()
    settings = Settings(data_dir=tmp_path, now=NOW.isoformat())
    with TestClient(create_app(settings, platforms=platforms())) as client:
        yield client


def test_the_twin_answers_what_the_page_shows(client):
    answer = client.get("/search.json?status=all&source=striive&source=flextender").json()
    page = client.get("/?status=all&source=striive&source=flextender&lang=nl").text
    assert answer["total"] == 8 and answer["indexed"] is True
    assert f"{answer['total']} opdrachten" in page
    titles = [hit["title"] for hit in answer["hits"]]
    assert all(html.escape(title, quote=False) in page for title in titles)
    assert {hit["platform"] for hit in answer["hits"]} == {"Flextender", "Striive"}
    striive = client.get("/search.json?source=striive").json()
    assert striive["rates"] == {"stated": 3, "lowest": 85.0, "median": 97.5, "highest": 120.0}
    striive_page = client.get("/?source=striive&lang=nl").text
    assert "€ 85" in striive_page and "€ 97,50" in striive_page and "€ 120" in striive_page
    assert answer["links"]["html"].startswith("/?status=all&source=striive")
    assert answer["links"]["next"] is None and answer["links"]["prev"] is None


def test_paging_links_keep_the_query(client):
    answer = client.get("/search.json?status=all&page=1").json()
    assert answer["pages"] == 1 and answer["page"] == 1
    beyond = client.get("/search.json?status=all&page=2").json()
    assert beyond["hits"] == [] and beyond["links"]["prev"] == "/search.json?status=all&page=1"


@pytest.mark.parametrize("query, field", [("pay_min=zeventien", "pay_min"), ("page=0", "page")])
def test_a_bad_value_is_a_400_naming_its_field(client, query, field):
    answer = client.get(f"/search.json?{query}")
    assert answer.status_code == 400 and answer.json()["field"] == field


def test_nothing_indexed_yet_is_said(tmp_path):
    with TestClient(create_app(Settings(data_dir=tmp_path / "empty"))) as client:
        answer = client.get("/search.json").json()
    assert answer["indexed"] is False and answer["total"] == 0 and answer["hits"] == []


def test_the_openapi_document_describes_it(client):
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/search.json"]["get"]
    assert "200" in operation["responses"] and "400" in operation["responses"]
    schema = document["components"]["schemas"]["SearchAnswer"]
    assert {"hits", "total", "rates", "links"} <= set(schema["properties"])
