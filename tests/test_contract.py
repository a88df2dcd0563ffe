"""The contract for downstream services: checked-in JSON Schemas and the AsyncAPI document."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import jsonschema
import pytest
import yaml

from schemas.events import (
    DATASCHEMA,
    ENVELOPE_SCHEMA,
    EVENT_TYPES,
    EXPIRED,
    PUBLISHED,
    UPDATED,
    SerializationError,
    TenderEvent,
    decode_event,
)
from schemas.generate import SCHEMAS, render
from schemas.saved_search import ALERT_ENVELOPE_SCHEMA, ALERT_MATCHED, AlertEvent
from tests.schema_registry import SCHEMA_DIR, cloudevents_validator, schema_registry, validator_for


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_checked_in_schema_is_current(name):
    assert (SCHEMA_DIR / name).read_text(encoding="utf-8") == render(*SCHEMAS[name]), (
        f"schemas/{name} is stale: run python -m schemas.generate"
    )


def test_real_events_validate_against_the_published_schema(seed_tenders):
    schema = json.loads((SCHEMA_DIR / "tender-event.schema.json").read_text(encoding="utf-8"))
    for tender in seed_tenders.values():
        event = TenderEvent.build(
            "nl.tenderwatch.tender.updated",
            tender,
            2,
            datetime(2026, 3, 1, tzinfo=UTC),
            ["deadline"],
        )
        jsonschema.validate(json.loads(event.encode()), schema)
    broken = json.loads(event.encode())
    broken["data"]["tender"]["hours_per_week"] = {"min": "veel"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def resolved(document: dict, node: dict) -> dict:
    """A local `$ref` (`#/components/...`) followed; anything else as it is."""
    while isinstance(node, dict) and str(node.get("$ref", "")).startswith("#/"):
        target = document
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def asyncapi_document() -> dict:
    return yaml.safe_load((SCHEMA_DIR / "asyncapi.yaml").read_text(encoding="utf-8"))


def test_asyncapi_document_matches_the_code():
    from tenderwatch.common.settings import Settings

    document = asyncapi_document()
    assert document["asyncapi"] == "3.1.0"
    settings = Settings()
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == set(settings.topics)
    messages = document["components"]["messages"]
    names = {message["name"] for message in messages.values()}
    assert set(EVENT_TYPES) | {ALERT_MATCHED} <= names
    for message in messages.values():
        payload = resolved(document, message["payload"])
        if "schema" in payload:
            assert payload["schemaFormat"] == "application/schema+json;version=2020-12"
            assert (SCHEMA_DIR / payload["schema"]["$ref"].removeprefix("./")).exists()
    dlq_headers = messages["deadLetter"]["headers"]["required"]
    assert set(dlq_headers) == {
        "dlq.reason",
        "dlq.topic",
        "dlq.partition",
        "dlq.offset",
        "dlq.consumer",
        "dlq.time",
    }
    assert (
        messages["deadLetter"]["contentType"] == "application/octet-stream"
    )  # the payload may be anything


def test_every_tender_message_declares_the_kafka_key_and_every_binding_its_version():
    document = asyncapi_document()
    tender_messages = [
        message
        for message in document["components"]["messages"].values()
        if message["name"] in EVENT_TYPES
    ]
    assert len(tender_messages) == len(EVENT_TYPES)
    for message in tender_messages:
        kafka = resolved(document, message["bindings"])["kafka"]
        assert kafka["key"]["type"] == "string" and "tender id" in kafka["key"]["description"], (
            message["name"]
        )
        assert (
            resolved(document, message["payload"])["schema"]["$ref"] == "./tender-event.schema.json"
        )
        headers = resolved(document, message["headers"])
        assert not any(name.startswith("ce_") for name in headers["properties"]), message["name"]

    def bindings(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "kafka" and isinstance(value, dict):  # a Kafka binding, wherever it is
                    yield value
                yield from bindings(value)
        elif isinstance(node, list):
            for item in node:
                yield from bindings(item)

    found = list(bindings(document))
    assert len(found) == 6 and all(binding["bindingVersion"] == "0.5.0" for binding in found)


def test_dataschema_resolves_to_the_schema_of_data_in_a_registry_of_the_schema_files(seed_tenders):
    registry = schema_registry()
    event = json.loads(
        TenderEvent.build(
            UPDATED, seed_tenders["30922"], 2, datetime(2026, 3, 1, tzinfo=UTC), ["deadline"]
        ).encode()
    )
    data_schema = validator_for(registry, event["dataschema"])
    data_schema.validate(event["data"])
    with pytest.raises(jsonschema.ValidationError):
        data_schema.validate(event)  # the envelope is not what dataschema describes
    validator_for(registry, ENVELOPE_SCHEMA).validate(event)
    cloudevents_validator().validate(event)
    assert event["dataschema"] == DATASCHEMA and event["type"] == "nl.tenderwatch.tender.updated"
    ids = [json.loads(path.read_text())["$id"] for path in SCHEMA_DIR.glob("*.schema.json")]
    assert len(ids) == len(set(ids)) == len(SCHEMAS)


@pytest.mark.parametrize(
    "attribute, value",
    [
        ("specversion", None),
        ("source", ""),
        ("id", ""),
        ("type", None),
        ("type", "tender.published"),
    ],
)
def test_the_envelope_schemas_are_as_strict_as_cloudevents(seed_tenders, attribute, value):
    """Required attributes may not be left out or empty; a version-1 type is not produced any
    more."""
    registry = schema_registry()
    tender_event = json.loads(
        TenderEvent.build(
            PUBLISHED, seed_tenders["30922"], 1, datetime(2026, 3, 1, tzinfo=UTC)
        ).encode()
    )
    for document, schema_id in (
        (tender_event, ENVELOPE_SCHEMA),
        (alert_event(seed_tenders), ALERT_ENVELOPE_SCHEMA),
    ):
        if value is None:
            del document[attribute]
        else:
            document[attribute] = value
        with pytest.raises(jsonschema.ValidationError):
            validator_for(registry, schema_id).validate(document)


def test_version_1_events_still_in_topics_are_read_as_version_2(seed_tenders):
    """One release of overlap: old records decode, with their types and dataschema upgraded."""
    document = json.loads(
        TenderEvent.build(
            EXPIRED, seed_tenders["30498"], 3, datetime(2026, 3, 1, tzinfo=UTC)
        ).encode()
    )
    document.update(type="tender.expired", dataschema="urn:tenderwatch:schema:tender-event:1")
    event = decode_event(json.dumps(document).encode())
    assert (event.type, event.dataschema) == (EXPIRED, DATASCHEMA)
    alert = alert_event(seed_tenders)
    alert["type"] = "alert.matched"
    assert AlertEvent.model_validate(alert).type == ALERT_MATCHED
    document["type"] = "com.example.tender.expired"
    with pytest.raises(SerializationError, match="type"):
        decode_event(json.dumps(document).encode())


def alert_event(seed_tenders) -> dict:
    from schemas.saved_search import Alert, KeywordHit, Reasons, SavedSearchRef

    alert = Alert(
        id="ss_1/flextender:30922",
        saved_search=SavedSearchRef(id="ss_1", name="Zwolle", owner="anna"),
        kind="new",
        event=PUBLISHED,
        event_id="flextender:30922/1",
        sequence=1,
        tender=seed_tenders["30922"],
        created=datetime(2026, 3, 1, tzinfo=UTC),
        reasons=Reasons(
            keywords=[
                KeywordHit(keyword="procesregisseurs", term="procesregisseur", found_in=["title"])
            ],
            filters=["region is Overijssel"],
        ),
    )
    return json.loads(AlertEvent.of(alert).encode())


def test_an_alert_event_validates_against_its_published_schema(seed_tenders):
    document = alert_event(seed_tenders)
    registry = schema_registry()
    validator_for(registry, ALERT_ENVELOPE_SCHEMA).validate(document)
    validator_for(registry, document["dataschema"]).validate(document["data"])
    assert AlertEvent.model_validate(document).data.id == "ss_1/flextender:30922"
    document["data"]["kind"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        validator_for(registry, ALERT_ENVELOPE_SCHEMA).validate(document)
