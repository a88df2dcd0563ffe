"""Writes the JSON Schema files of the public models next to this module.

`python -m schemas.generate` after changing a model; a test fails while the checked-in
files are stale. Each file's `$id` is a versioned URN; an event's `dataschema` is the `$id`
of the schema of its `data`, so a registry built from these files resolves it.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from schemas.events import (
    CONTRACT_VERSION,
    DATASCHEMA,
    ENVELOPE_SCHEMA,
    TenderEvent,
    TenderEventData,
)
from schemas.saved_search import (
    ALERT_DATASCHEMA,
    ALERT_ENVELOPE_SCHEMA,
    Alert,
    AlertEvent,
    SavedSearch,
    SavedSearchRequest,
)
from schemas.tender import Tender

# file name → (model, `$id`)
SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "tender.schema.json": (Tender, f"urn:tenderwatch:schema:tender:{CONTRACT_VERSION}"),
    "tender-event.schema.json": (TenderEvent, ENVELOPE_SCHEMA),
    "tender-event-data.schema.json": (TenderEventData, DATASCHEMA),
    "alert-event.schema.json": (AlertEvent, ALERT_ENVELOPE_SCHEMA),
    "alert.schema.json": (Alert, ALERT_DATASCHEMA),
    "saved-search.schema.json": (
        SavedSearch,
        f"urn:tenderwatch:schema:saved-search:{CONTRACT_VERSION}",
    ),
    "saved-search-request.schema.json": (
        SavedSearchRequest,
        f"urn:tenderwatch:schema:saved-search-request:{CONTRACT_VERSION}",
    ),
}
HERE = Path(__file__).parent


def render(model: type[BaseModel], schema_id: str) -> str:
    schema = model.model_json_schema(mode="serialization")
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id, **schema}
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main() -> None:
    for name, (model, schema_id) in SCHEMAS.items():
        (HERE / name).write_text(render(model, schema_id), encoding="utf-8")
        print(f"wrote schemas/{name}")


if __name__ == "__main__":
    main()
