"""Writes the JSON Schema files of the public models next to this module.

`python -m schemas.generate` after changing a model; a test fails while the checked-in
files are stale.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from schemas.events import TenderEvent
from schemas.saved_search import AlertEvent, SavedSearch, SavedSearchRequest
from schemas.tender import Tender

SCHEMAS: dict[str, type[BaseModel]] = {
    "tender.schema.json": Tender,
    "tender-event.schema.json": TenderEvent,
    "saved-search.schema.json": SavedSearch,
    "saved-search-request.schema.json": SavedSearchRequest,
    "alert-event.schema.json": AlertEvent,
}
HERE = Path(__file__).parent


def render(model: type[BaseModel]) -> str:
    schema = model.model_json_schema(mode="serialization")
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "$id": f"urn:tenderwatch:schema:{model.__name__.lower()}", **schema}
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main() -> None:
    for name, model in SCHEMAS.items():
        (HERE / name).write_text(render(model), encoding="utf-8")
        print(f"wrote schemas/{name}")


if __name__ == "__main__":
    main()
