"""Tender events: CloudEvents 1.0 in *structured mode* on Kafka.

Each Kafka record's value is the whole CloudEvent as JSON (`content-type:
application/cloudevents+json; charset=utf-8` header), its key the tender id, so all
events of one tender land in one partition, in order. Structured mode was chosen over
binary mode because the event survives intact wherever the value is copied (dead-letter
topic, archives, other brokers) and the contract is one JSON Schema.

`data` carries the full `Tender`, a per-tender `sequence` (1, 2, 3, ... in the order the
crawler decided the events) and, for `tender.updated`, the names of the changed fields.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from schemas.tender import Tender

EventType = Literal["tender.published", "tender.updated", "tender.expired", "tender.withdrawn"]
EVENT_TYPES: tuple[str, ...] = ("tender.published", "tender.updated", "tender.expired", "tender.withdrawn")
STATUS_EVENT = {"expired": "tender.expired", "withdrawn": "tender.withdrawn"}
DATASCHEMA = "urn:tenderwatch:schema:tender-event:1"
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


class SerializationError(ValueError):
    """A Kafka record that is not a tender event this version understands."""


class TenderEventData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tender: Tender
    sequence: int = Field(ge=1, description="Per tender, strictly increasing")
    changed_fields: list[str] = Field(default_factory=list, description="Only for tender.updated")


class TenderEvent(BaseModel):
    """A CloudEvents 1.0 event about one tender."""

    model_config = ConfigDict(extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(description="`<tender id>/<sequence>`: the same event redelivered keeps its id")
    source: str = Field(description="URI reference of the producer, e.g. /tenderwatch/crawler/flextender")
    type: EventType
    time: datetime
    subject: str = Field(description="The tender id")
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: Literal["urn:tenderwatch:schema:tender-event:1"] = DATASCHEMA
    data: TenderEventData

    @classmethod
    def build(cls, event_type: str, tender: Tender, sequence: int, time: datetime, changed_fields: list[str] | None = None) -> TenderEvent:
        return cls(
            id=f"{tender.id}/{sequence}",
            source=f"/tenderwatch/crawler/{tender.source}",
            type=event_type,
            time=time,
            subject=tender.id,
            data=TenderEventData(tender=tender, sequence=sequence, changed_fields=changed_fields or []),
        )

    @property
    def key(self) -> bytes:
        return self.subject.encode("utf-8")

    def encode(self) -> bytes:
        return self.model_dump_json().encode("utf-8")


def decode_event(value: bytes | None) -> TenderEvent:
    """Kafka record value → `TenderEvent`; anything else raises `SerializationError` with the reason.

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
    if document.get("dataschema") != DATASCHEMA:
        return SerializationError(f"unknown dataschema {document.get('dataschema')!r} (this version reads {DATASCHEMA})")
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return SerializationError(f"invalid tender event at {where}: {first['msg']}")
