"""The Elasticsearch store (8.x/9.x; also OpenSearch-compatible servers in tests).

Index template `tenders` (consumers/store/tenders-template.json, linked from
deploy/elasticsearch/) matches `tenders-v*`; the alias `tenders` points at the live
`tenders-v<N>`, so a mapping change is a new version filled by reindexing and an alias
swap, without downtime. Writes are bulk `index` actions with `version_type=external` and
`version = sequence`: Elasticsearch itself refuses an older (or the same) sequence with a
409, which is counted as stale, never an error.
"""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from typing import Any

import structlog
from elasticsearch import ApiError, Elasticsearch, TransportError

from common.settings import Settings
from consumers.store.base import (
    HistoryEntry,
    SearchResult,
    StoreUnavailable,
    TenderStore,
    WriteFailure,
    WriteResult,
)
from schemas.events import TenderEvent
from schemas.search import SearchFilter, SearchPage
from schemas.tender import Tender

log = structlog.get_logger(__name__)

TEMPLATE_NAME = "tenders"
DERIVED_FIELDS = ("pay_scale_range", "hours_range", "sequence", "event_type", "assignment_key")
RETRIABLE_STATUS = {429, 500, 502, 503, 504}


def index_template() -> dict[str, Any]:
    return json.loads((resources.files("consumers.store") / "tenders-template.json").read_text(encoding="utf-8"))


def client_from_settings(settings: Settings, **options: Any) -> Elasticsearch:
    auth: dict[str, Any] = {}
    if settings.elasticsearch_api_key:
        auth["api_key"] = settings.elasticsearch_api_key
    elif settings.elasticsearch_username:
        auth["basic_auth"] = (settings.elasticsearch_username, settings.elasticsearch_password or "")
    if settings.elasticsearch_ca_certs:
        auth["ca_certs"] = str(settings.elasticsearch_ca_certs)
    return Elasticsearch(settings.elasticsearch_url, request_timeout=30, **auth, **options)


def document(event: TenderEvent) -> dict[str, Any]:
    tender = event.data.tender
    body = tender.model_dump(mode="json")
    body["assignment_key"] = tender.assignment
    if tender.pay_scale:
        body["pay_scale_range"] = {"gte": tender.pay_scale.min, "lte": tender.pay_scale.max}
    if tender.hours_per_week:
        body["hours_range"] = {"gte": tender.hours_per_week.min, "lte": tender.hours_per_week.max}
    body["sequence"] = event.data.sequence
    body["event_type"] = event.type
    return body


HISTORY_MAPPING = {"dynamic": False, "properties": {
    "tender_id": {"type": "keyword"}, "sequence": {"type": "long"}, "type": {"type": "keyword"},
    "time": {"type": "date"}, "changed_fields": {"type": "keyword"}}}


def history_document(event: TenderEvent) -> dict[str, Any]:
    entry = HistoryEntry.of(event)
    return {"tender_id": event.subject, "sequence": entry.sequence, "type": entry.type,
            "time": entry.time.isoformat(), "changed_fields": list(entry.changed_fields)}


def build_query(search: SearchFilter) -> dict[str, Any]:
    """`SearchFilter` → a bool query with the semantics documented in `schemas.search`."""
    filters: list[dict[str, Any]] = []
    if search.status != "all":
        filters.append({"term": {"status": search.status}})
    if search.regions:
        filters.append({"terms": {"region.folded": list(search.regions)}})
    for field, low, high in (("pay_scale_range", search.pay_scale_min, search.pay_scale_max),
                             ("hours_range", search.hours_min, search.hours_max)):
        if low is not None or high is not None:
            bounds = {key: value for key, value in (("gte", low), ("lte", high)) if value is not None}
            filters.append({"range": {field: {**bounds, "relation": "intersects"}}})
    start, end = search.deadline_bounds()
    if start or end:
        bounds = {key: value.isoformat() for key, value in (("gte", start), ("lt", end)) if value is not None}
        filters.append({"range": {"deadline": bounds}})
    for field, value in (("education_level", search.education_level), ("das", search.das),
                         ("zzp_allowed", search.zzp_allowed)):
        if value is not None:
            filters.append({"term": {field: value}})
    if search.client:
        filters.append({"term": {"client.folded": search.client}})
    if search.sources:
        filters.append({"terms": {"source": list(search.sources)}})
    must: list[dict[str, Any]] = []
    if search.keyword and search.keyword.strip():
        must.append({"multi_match": {"query": search.keyword, "fields": ["title^3", "description"],
                                     "type": "cross_fields", "operator": "and", "zero_terms_query": "all"}})
    return {"bool": {"filter": filters, "must": must}}


class ElasticsearchStore(TenderStore):
    name = "elasticsearch"

    def __init__(self, client: Elasticsearch, alias: str = "tenders", version: int = 1) -> None:
        self.client, self.alias, self.version = client, alias, version

    @classmethod
    def from_settings(cls, settings: Settings) -> ElasticsearchStore:
        return cls(client_from_settings(settings), settings.elasticsearch_index_alias, settings.elasticsearch_index_version)

    @property
    def index(self) -> str:
        return f"{self.alias}-v{self.version}"

    @property
    def history_index(self) -> str:
        """What happened to each tender, one document per event (id: the event id)."""
        return f"{self.alias}-history"

    def setup(self) -> None:
        template = index_template()
        template["index_patterns"] = [f"{self.alias}-v*"]
        try:
            self.client.indices.put_index_template(name=self.alias, **template)
            if not self.client.indices.exists_alias(name=self.alias):
                if not self.client.indices.exists(index=self.index):
                    self.client.indices.create(index=self.index)
                self.client.indices.put_alias(index=self.index, name=self.alias, is_write_index=True)
            if not self.client.indices.exists(index=self.history_index):
                self.client.indices.create(index=self.history_index, mappings=HISTORY_MAPPING)
        except TransportError as exc:
            raise StoreUnavailable(str(exc)) from exc

    def close(self) -> None:
        self.client.close()

    def write(self, events: list[TenderEvent]) -> WriteResult:
        operations: list[dict[str, Any]] = []
        for event in events:
            operations.append({"index": {"_index": self.alias, "_id": event.subject, "version": event.data.sequence,
                                         "version_type": "external"}})
            operations.append(document(event))
        try:
            response = self.client.bulk(operations=operations, refresh="wait_for")
        except TransportError as exc:
            raise StoreUnavailable(str(exc)) from exc
        except ApiError as exc:
            if exc.meta.status in RETRIABLE_STATUS:
                raise StoreUnavailable(f"{exc.meta.status}: {exc.message}") from exc
            raise
        result = WriteResult()
        history: list[dict[str, Any]] = []
        for event, item in zip(events, response["items"]):
            outcome = item.get("index", {})
            status = outcome.get("status", 500)
            if status < 300:
                result.written += 1
                history += [{"index": {"_index": self.history_index, "_id": event.id}}, history_document(event)]
            elif status == 409:
                result.stale += 1
            else:
                error = outcome.get("error") or {}
                reason = f"{status} {error.get('type', '')}: {error.get('reason', '')}".strip()
                result.failures.append(WriteFailure(event.id, reason, retriable=status in RETRIABLE_STATUS))
        if history:
            try:
                self.client.bulk(operations=history, refresh="wait_for")
            except TransportError as exc:  # the tenders are written: the history of this batch waits for a replay
                log.warning("history_not_written", error=str(exc), events=len(history) // 2)
        return result

    def history(self, tender_id: str) -> list[HistoryEntry]:
        try:
            response = self.client.search(index=self.history_index, query={"term": {"tender_id": tender_id}},
                                          sort=[{"sequence": {"order": "asc"}}], size=1000)
        except TransportError as exc:
            raise StoreUnavailable(str(exc)) from exc
        return [HistoryEntry(hit["_source"]["sequence"], hit["_source"]["type"],
                             datetime.fromisoformat(hit["_source"]["time"]), tuple(hit["_source"]["changed_fields"]))
                for hit in response["hits"]["hits"]]

    def get(self, tender_id: str) -> Tender | None:
        try:
            response = self.client.search(index=self.alias, query={"ids": {"values": [tender_id]}}, size=1)
        except TransportError as exc:
            raise StoreUnavailable(str(exc)) from exc
        hits = response["hits"]["hits"]
        return self._tender(hits[0]["_source"]) if hits else None

    def search(self, search: SearchFilter, page: SearchPage | None = None) -> SearchResult:
        page = page or SearchPage()
        by_deadline = [{"deadline": {"order": "asc", "missing": "_last"}}, {"id": {"order": "asc"}}]
        has_keyword = bool(search.keyword and search.keyword.strip())
        sort = [{"_score": {"order": "desc"}}, *by_deadline] if has_keyword else by_deadline
        # One hit per assignment: `collapse` keeps each assignment's best placed listing; the
        # count of assignments is a cardinality aggregation (exact below 40,000 assignments).
        one_per_assignment: dict[str, Any] = {} if page.all_listings else {
            "collapse": {"field": "assignment_key"},
            "aggs": {"assignments": {"cardinality": {"field": "assignment_key", "precision_threshold": 40000}}}}
        try:
            response = self.client.search(index=self.alias, query=build_query(search), sort=sort,
                                          size=page.limit, from_=page.offset, track_total_hits=True,
                                          **one_per_assignment)
        except TransportError as exc:
            raise StoreUnavailable(str(exc)) from exc
        total = response["hits"]["total"]
        count = total["value"] if isinstance(total, dict) else int(total)
        if not page.all_listings:
            count = response["aggregations"]["assignments"]["value"]
        return SearchResult(total=count, tenders=[self._tender(hit["_source"]) for hit in response["hits"]["hits"]])

    @staticmethod
    def _tender(source: dict[str, Any]) -> Tender:
        return Tender.model_validate({key: value for key, value in source.items() if key not in DERIVED_FIELDS})
