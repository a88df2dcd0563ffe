"""Tender events: CloudEvents 1.0 in *structured mode* on Kafka.

Each Kafka record's value is the whole CloudEvent as JSON (`content-type:
application/cloudevents+json; charset=utf-8` header), its key the tender id, so all
events of one tender land in one partition, in order. Structured mode was chosen over
binary mode because the event survives intact wherever the value is copied (dead-letter
topic, archives, other brokers) and the contract is one JSON Schema. A record carries no
`ce_*` header: the Kafka binding of CloudEvents reads any `ce_` header as a sign of binary
mode, so clients that detect the mode (the CloudEvents SDK's `from_kafka`) would misread it.

`data` carries the full `Tender`, a per-tender `sequence` (1, 2, 3, ... in the order the
crawler decided the events) and, for updates, the names of the changed fields.
`dataschema` names the JSON Schema of `data` (its `$id`, see `schemas.generate`).

Contract version 2 prefixed the types (`nl.tenderwatch.tender.published`); version-1
events (`tender.published`, dataschema `...:tender-event:1`) still sit in topics, so
`decode_event` reads them as their version-2 equivalent until release 0.3.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from schemas.tender import Tender

TYPE_PREFIX = "nl.tenderwatch."
PUBLISHED = "nl.tenderwatch.tender.published"
UPDATED = "nl.tenderwatch.tender.updated"
EXPIRED = "nl.tenderwatch.tender.expired"
WITHDRAWN = "nl.tenderwatch.tender.withdrawn"
EventType = Literal[
    "nl.tenderwatch.tender.published",
    "nl.tenderwatch.tender.updated",
    "nl.tenderwatch.tender.expired",
    "nl.tenderwatch.tender.withdrawn",
]
EVENT_TYPES: tuple[str, ...] = (PUBLISHED, UPDATED, EXPIRED, WITHDRAWN)
STATUS_EVENT = {"expired": EXPIRED, "withdrawn": WITHDRAWN}
CONTRACT_VERSION = 2
DATASCHEMA = "urn:tenderwatch:schema:tender-event-data:2"
ENVELOPE_SCHEMA = "urn:tenderwatch:schema:tender-event:2"
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
# Version 1 (until release 0.2): read as their version-2 equivalents until release 0.3.
LEGACY_TYPES = {
    legacy: TYPE_PREFIX + legacy
    for legacy in (
        "tender.published",
        "tender.updated",
        "tender.expired",
        "tender.withdrawn",
        "alert.matched",
    )
}
LEGACY_DATASCHEMAS = {"urn:tenderwatch:schema:tender-event:1": DATASCHEMA}
# Serialized JSON Schemas list every attribute with a default as required: a producer must send
# them.
EVENT_CONFIG = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)


def current_type(event_type: object) -> object:
    """A version-1 type → its version-2 name; anything else unchanged (validation judges it)."""
    return LEGACY_TYPES.get(event_type, event_type) if isinstance(event_type, str) else event_type


# On an event's `type`: version-1 events still in topics are read as version 2.
ReadsLegacyType = BeforeValidator(current_type)


class SerializationError(ValueError):
    """A Kafka record that is not a tender event this version understands."""


class TenderEventData(BaseModel):
    """The `data` of a tender event; its JSON Schema is the one `dataschema` names."""

    model_config = EVENT_CONFIG

    tender: Tender
    sequence: int = Field(ge=1, description="Per tender, strictly increasing")
    changed_fields: list[str] = Field(
        default_factory=list, description="Only for updates: the fields that changed"
    )


class TenderEvent(BaseModel):
    """A CloudEvents 1.0 event about one tender."""

    model_config = EVENT_CONFIG

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(
        min_length=1,
        description="`<tender id>/<sequence>`: the same event redelivered keeps its id",
    )
    source: str = Field(
        min_length=1,
        description="URI reference of the producer, e.g. /tenderwatch/crawler/flextender",
    )
    type: Annotated[EventType, ReadsLegacyType]
    time: datetime
    subject: str = Field(min_length=1, description="The tender id")
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: Literal["urn:tenderwatch:schema:tender-event-data:2"] = Field(
        DATASCHEMA, description="The `$id` of the JSON Schema of `data`"
    )
    data: TenderEventData

    @field_validator("dataschema", mode="before")
    @classmethod
    def _read_legacy_dataschema(cls, value: object) -> object:
        return LEGACY_DATASCHEMAS.get(value, value) if isinstance(value, str) else value

    @classmethod
    def build(
        cls,
        event_type: str,
        tender: Tender,
        sequence: int,
        time: datetime,
        changed_fields: list[str] | None = None,
    ) -> TenderEvent:
        return cls(
            id=f"{tender.id}/{sequence}",
            source=f"/tenderwatch/crawler/{tender.source}",
            type=event_type,
            time=time,
            subject=tender.id,
            data=TenderEventData(
                tender=tender, sequence=sequence, changed_fields=changed_fields or []
            ),
        )

    @property
    def key(self) -> bytes:
        return self.subject.encode("utf-8")

    def encode(self) -> bytes:
        return self.model_dump_json().encode("utf-8")


def decode_event(value: bytes | None) -> TenderEvent:
    """Kafka record value → `TenderEvent`; anything else raises `SerializationError` with the
    reason.

    The happy path is one pass of pydantic's JSON parser; only a failure is parsed again to
    say why (not JSON, another schema version, or which field is wrong)."""
    if value is None:
        raise SerializationError("empty record (tombstone)")
    try:
        return TenderEvent.model_validate_json(value)
    except ValidationError as exc:
        raise _reason(value, exc) from exc


def _reason(value: bytes, exc: ValidationError) -> SerializationError:
    try:
        document = json.loads(value)
    except (UnicodeDecodeError, ValueError) as not_json:
        return SerializationError(f"not JSON: {not_json}")
    if not isinstance(document, dict):
        return SerializationError("not a JSON object")
    if LEGACY_DATASCHEMAS.get(document.get("dataschema"), document.get("dataschema")) != DATASCHEMA:
        return SerializationError(
            f"unknown dataschema {document.get('dataschema')!r} (this version reads {DATASCHEMA})"
        )
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return SerializationError(f"invalid tender event at {where}: {first['msg']}")
