"""The JSON Schemas of `schemas/` as a downstream service would load them: a registry keyed
by each file's `$id`, in which an event's `dataschema` resolves to the schema of its `data`."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas"
CLOUDEVENTS_SCHEMA = json.loads(
    (Path(__file__).parent / "fixtures" / "cloudevents-1.0.schema.json").read_text()
)


def schema_registry(directory: Path = SCHEMA_DIR) -> Registry:
    resources = [
        Resource.from_contents(json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(directory.glob("*.schema.json"))
    ]
    return Registry().with_resources((resource.id(), resource) for resource in resources)


def validator_for(registry: Registry, schema_id: str) -> Draft202012Validator:
    """The validator of the schema `schema_id` names (KeyError-like `Unresolvable` if it names
    none)."""
    schema = registry.resolver().lookup(schema_id).contents
    return Draft202012Validator(
        schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def cloudevents_validator() -> Draft202012Validator:
    return Draft202012Validator(
        CLOUDEVENTS_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
