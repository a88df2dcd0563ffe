"""The contract for downstream services: checked-in JSON Schemas and the AsyncAPI document."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
import yaml

from schemas.events import EVENT_TYPES, TenderEvent
from schemas.generate import SCHEMAS, render

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_checked_in_schema_is_current(name):
    assert (SCHEMA_DIR / name).read_text(encoding="utf-8") == render(SCHEMAS[name]), \
        f"schemas/{name} is stale: run python -m schemas.generate"


def test_real_events_validate_against_the_published_schema(seed_tenders):
    schema = json.loads((SCHEMA_DIR / "tender-event.schema.json").read_text(encoding="utf-8"))
    for number, tender in seed_tenders.items():
        event = TenderEvent.build("tender.updated", tender, 2, datetime(2026, 3, 1, tzinfo=UTC), ["deadline"])
        jsonschema.validate(json.loads(event.encode()), schema)
    broken = json.loads(event.encode())
    broken["data"]["tender"]["hours_per_week"] = {"min": "veel"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_asyncapi_document_matches_the_code():
    from common.settings import Settings

    document = yaml.safe_load((SCHEMA_DIR / "asyncapi.yaml").read_text(encoding="utf-8"))
    assert document["asyncapi"].startswith("3.")
    settings = Settings()
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == set(settings.topics)
    names = {message["name"] for message in document["components"]["messages"].values()}
    assert set(EVENT_TYPES) <= names
    for message in document["components"]["messages"].values():
        reference = message["payload"].get("$ref") if isinstance(message["payload"], dict) else None
        if reference and reference.startswith("./"):
            assert (SCHEMA_DIR / reference[2:]).exists()
    dlq_headers = document["components"]["messages"]["deadLetter"]["headers"]["required"]
    assert set(dlq_headers) == {"dlq.reason", "dlq.topic", "dlq.partition", "dlq.offset", "dlq.consumer", "dlq.time"}


def test_an_alert_event_validates_against_its_published_schema(seed_tenders):
    from datetime import UTC, datetime

    from schemas.saved_search import Alert, AlertEvent, KeywordHit, Reasons, SavedSearchRef

    alert = Alert(id="ss_1/flextender:30922", saved_search=SavedSearchRef(id="ss_1", name="Zwolle", owner="anna"),
                  kind="new", event="tender.published", event_id="flextender:30922/1", sequence=1,
                  tender=seed_tenders["30922"], created=datetime(2026, 3, 1, tzinfo=UTC),
                  reasons=Reasons(keywords=[KeywordHit(keyword="procesregisseurs", term="procesregisseur",
                                                       found_in=["title"])], filters=["region is Overijssel"]))
    schema = json.loads((SCHEMA_DIR / "alert-event.schema.json").read_text(encoding="utf-8"))
    document = json.loads(AlertEvent.of(alert).encode())
    jsonschema.validate(document, schema)
    assert AlertEvent.model_validate(document).data == alert
    document["data"]["kind"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)
