"""Kibana saved objects of tenderwatch (`tenderwatch.ndjson`, linked from deploy/kibana/):
a data view over the tenders alias, two saved searches, four visualisations, a dashboard.

`tenderwatch setup` imports them through Kibana's saved objects API (`overwrite=true`, so a
second run replaces rather than duplicates), with the data view renamed to the configured
alias.
"""

from __future__ import annotations

import json
from importlib import resources

import httpx

from tenderwatch.common.settings import Settings

DATA_VIEW_ID = "tenderwatch-tenders"


class KibanaUnavailable(Exception):
    """Kibana could not be reached or refused the import; the message says why."""


def saved_objects(alias: str = "tenders") -> list[dict]:
    text = (resources.files("consumers.kibana") / "tenderwatch.ndjson").read_text(encoding="utf-8")
    objects = [json.loads(line) for line in text.splitlines() if line.strip()]
    for item in objects:
        if item["id"] == DATA_VIEW_ID:
            item["attributes"]["title"] = alias
    return objects


def import_saved_objects(settings: Settings) -> int:
    """Import (overwrite) the objects; returns how many Kibana took."""
    assert settings.kibana_url
    body = "".join(
        json.dumps(item, ensure_ascii=False) + "\n"
        for item in saved_objects(settings.elasticsearch_index_alias)
    )
    username = settings.kibana_username or settings.elasticsearch_username
    password = settings.kibana_password or settings.elasticsearch_password
    try:
        response = httpx.post(
            f"{settings.kibana_url.rstrip('/')}/api/saved_objects/_import",
            params={"overwrite": "true"},
            headers={"kbn-xsrf": "tenderwatch"},
            files={"file": ("tenderwatch.ndjson", body.encode(), "application/ndjson")},
            auth=(username, password or "") if username else None,
            timeout=60,
            verify=str(settings.elasticsearch_ca_certs)
            if settings.elasticsearch_ca_certs
            else True,
        )
    except httpx.HTTPError as exc:
        raise KibanaUnavailable(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code != 200:
        raise KibanaUnavailable(f"HTTP {response.status_code}: {response.text[:300]}")
    answer = response.json()
    if not answer.get("success"):
        raise KibanaUnavailable(f"import errors: {json.dumps(answer.get('errors', []))[:500]}")
    return int(answer.get("successCount", 0))
