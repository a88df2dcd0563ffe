"""A search cluster as the tender store: Elasticsearch (8.x/9.x) or OpenSearch (2.x).

Everything is written once here (the index definition and analyzers, the documents, the
queries, collapse and counting, history, the versioned writes) against `ClusterCalls`, the
few calls a store makes; each engine's module only adapts its own client to them
(`consumers.store.elasticsearch`, `consumers.store.opensearch`).

Index template `tenders` (consumers/store/tenders-template.json, linked from
deploy/elasticsearch/) matches `tenders-v*`; the alias `tenders` points at the live
`tenders-v<N>`, so a mapping change is a new version filled by reindexing and an alias
swap, without downtime. Writes are bulk `index` actions with `version_type=external` and
`version = sequence`: Elasticsearch itself refuses an older (or the same) sequence with a
409, which is counted as stale, never an error.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime
from importlib import resources
from typing import Any, Protocol

import structlog

from consumers.store.base import (
    HistoryEntry,
    RateSpread,
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
ACCESS_REFUSED_STATUS = {401, 403}


RATE_BUCKETS = 5000


class ClusterRefused(Exception):
    """The cluster answered and refused a request for good (a 4xx, a server that is not the
    engine the client expects): retrying will not help; the message says why."""


class AccessRefused(ClusterRefused):
    """The cluster refused our credentials (401/403): a matter for the operator, not of any
    request's content; the same request may succeed once the credentials are put right."""


class AnalysisMissing(ClusterRefused):
    """The cluster lacks the token filters the Dutch analysis is built of (ASCII folding, the
    Snowball stemmer): they come with the engine's analysis-common module, which every
    distribution ships but a node assembled without it does not have."""


# How Elasticsearch and OpenSearch say that a filter of an index's analysis does not exist.
MISSING_FILTER = re.compile(
    r"Unknown filter type \[(\w+)\]|failed to find global filter under \[(\w+)\]"
)


class ClusterCalls(Protocol):
    """What a store asks of a cluster, in the engines' shared REST dialect. Implementations
    raise `StoreUnavailable` for an unreachable or overloaded cluster (retry later) and
    `ClusterRefused` for a refusal."""

    def put_index_template(self, name: str, body: dict[str, Any]) -> None: ...
    def alias_exists(self, name: str) -> bool: ...
    def index_exists(self, index: str) -> bool: ...
    def create_index(self, index: str, body: dict[str, Any] | None = None) -> None: ...
    def put_write_alias(self, index: str, alias: str) -> None: ...
    def alias_indices(self, alias: str) -> list[str]: ...
    def reindex(
        self, body: dict[str, Any]
    ) -> dict[str, Any]: ...  # waits for completion, refreshes
    def update_aliases(self, actions: list[dict[str, Any]]) -> None: ...
    def bulk(
        self, operations: list[dict[str, Any]]
    ) -> dict[str, Any]: ...  # no refresh: the caller decides
    def refresh(self, indices: list[str]) -> None: ...
    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]: ...
    def close(self) -> None: ...


def index_operations(alias: str, events: list[TenderEvent]) -> list[dict[str, Any]]:
    """Bulk `index` actions for the tenders of `events`, each guarded by its sequence as the
    external version (the cluster itself refuses an older or the same one with a 409)."""
    operations: list[dict[str, Any]] = []
    for event in events:
        operations.append(
            {
                "index": {
                    "_index": alias,
                    "_id": event.subject,
                    "version": event.data.sequence,
                    "version_type": "external",
                }
            }
        )
        operations.append(document(event))
    return operations


def index_template() -> dict[str, Any]:
    return json.loads(
        (resources.files("consumers.store") / "tenders-template.json").read_text(encoding="utf-8")
    )


def without_analysis_module(template: dict[str, Any]) -> dict[str, Any]:
    """`template` with its analysis reduced to the filters an engine's server has by itself
    (lowercase, stop): no ASCII folding, no Snowball stemmer. For a node assembled without the
    analysis-common module (the Elasticsearch node `tools/engines/engines.sh` runs, since Maven
    Central does not publish that module), so the tests and `bench` can still use it; mappings,
    settings and queries stay the shipped ones. Never used by `setup`."""
    reduced = copy.deepcopy(template)
    analysis = reduced["template"]["settings"]["analysis"]
    del analysis["filter"]["tender_dutch_stemmer"]
    analysis["analyzer"]["tender_dutch"]["filter"] = ["lowercase", "tender_dutch_stop"]
    analysis["normalizer"]["folded"]["filter"] = ["lowercase"]
    return reduced


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


HISTORY_MAPPING = {
    "dynamic": False,
    "properties": {
        "tender_id": {"type": "keyword"},
        "sequence": {"type": "long"},
        "type": {"type": "keyword"},
        "time": {"type": "date"},
        "changed_fields": {"type": "keyword"},
    },
}


def history_document(event: TenderEvent) -> dict[str, Any]:
    entry = HistoryEntry.of(event)
    return {
        "tender_id": event.subject,
        "sequence": entry.sequence,
        "type": entry.type,
        "time": entry.time.isoformat(),
        "changed_fields": list(entry.changed_fields),
    }


def build_query(search: SearchFilter) -> dict[str, Any]:
    """`SearchFilter` → a bool query with the semantics documented in `schemas.search`."""
    filters: list[dict[str, Any]] = []
    if search.status != "all":
        filters.append({"term": {"status": search.status}})
    if search.regions:
        filters.append({"terms": {"region.folded": list(search.regions)}})
    for field, low, high in (
        ("pay_scale_range", search.pay_scale_min, search.pay_scale_max),
        ("hours_range", search.hours_min, search.hours_max),
    ):
        if low is not None or high is not None:
            bounds = {
                key: value for key, value in (("gte", low), ("lte", high)) if value is not None
            }
            filters.append({"range": {field: {**bounds, "relation": "intersects"}}})
    start, end = search.deadline_bounds()
    if start or end:
        bounds = {
            key: value.isoformat()
            for key, value in (("gte", start), ("lt", end))
            if value is not None
        }
        filters.append({"range": {"deadline": bounds}})
    for field, value in (
        ("education_level", search.education_level),
        ("das", search.das),
        ("zzp_allowed", search.zzp_allowed),
    ):
        if value is not None:
            filters.append({"term": {field: value}})
    if search.client:
        filters.append({"term": {"client.folded": search.client}})
    if search.sources:
        filters.append({"terms": {"source": list(search.sources)}})
    must: list[dict[str, Any]] = []
    if search.keyword and search.keyword.strip():
        must.append(
            {
                "multi_match": {
                    "query": search.keyword,
                    "fields": ["title^3", "description"],
                    "type": "cross_fields",
                    "operator": "and",
                    "zero_terms_query": "all",
                }
            }
        )
    return {"bool": {"filter": filters, "must": must}}


class ClusterStore(TenderStore):
    """The tender store on a search cluster, whichever engine `calls` speaks to."""

    name = "cluster"

    def __init__(
        self,
        calls: ClusterCalls,
        alias: str = "tenders",
        version: int = 1,
        template: dict[str, Any] | None = None,
    ) -> None:
        """`template`: the index template; the shipped one (`tenders-template.json`) unless the
        tests or `bench` give a variant for a node without the analysis module
        (`without_analysis_module`)."""
        self.calls, self.alias, self.version = calls, alias, version
        self.template = template if template is not None else index_template()

    @property
    def index(self) -> str:
        return f"{self.alias}-v{self.version}"

    @property
    def history_index(self) -> str:
        """What happened to each tender, one document per event (id: the event id)."""
        return f"{self.alias}-history"

    def setup(self) -> None:
        template = {**self.template, "index_patterns": [f"{self.alias}-v*"]}
        try:
            self.calls.put_index_template(self.alias, template)
        except ClusterRefused as exc:
            missing = MISSING_FILTER.search(str(exc))
            if missing is None:
                raise
            raise AnalysisMissing(
                f"the cluster has no token filter {missing.group(1) or missing.group(2)!r}: the "
                "Dutch analysis of the tenders index (lowercase, asciifolding, Dutch stop words, "
                "the Snowball Dutch stemmer) needs the engine's analysis-common module"
            ) from exc
        if not self.calls.alias_exists(self.alias):
            if not self.calls.index_exists(self.index):
                self.calls.create_index(self.index)
            self.calls.put_write_alias(self.index, self.alias)
        else:
            current = self.calls.alias_indices(self.alias)
            if self.index not in current:
                self._reindex_into_this_version(current)
        if not self.calls.index_exists(self.history_index):
            self.calls.create_index(self.history_index, {"mappings": HISTORY_MAPPING})

    def _reindex_into_this_version(self, current: list[str]) -> None:
        """A version bump (`TENDERWATCH_ELASTICSEARCH_INDEX_VERSION`): the new index gets the
        template's mapping, every tender is copied with its sequence as external version, and the
        alias moves in one step, so searches never see a half-filled index. Run with the indexers
        stopped (events wait in Kafka); `setup` again is harmless."""
        if not self.calls.index_exists(self.index):
            self.calls.create_index(self.index)
        copied = 0
        for old in current:
            answer = self.calls.reindex(
                {
                    "conflicts": "proceed",
                    "source": {"index": old},
                    "dest": {"index": self.index, "version_type": "external"},
                }
            )
            copied += answer.get("created", 0) + answer.get("updated", 0)
            if answer.get("failures"):
                raise ClusterRefused(
                    f"reindex {old} → {self.index} failed: {answer['failures'][:3]}"
                )
        self.calls.update_aliases(
            [
                *({"remove": {"index": old, "alias": self.alias}} for old in current),
                {"add": {"index": self.index, "alias": self.alias, "is_write_index": True}},
            ]
        )
        log.info("reindexed", alias=self.alias, source=current, index=self.index, tenders=copied)

    def close(self) -> None:
        self.calls.close()

    def write(self, events: list[TenderEvent]) -> WriteResult:
        operations = index_operations(self.alias, events)
        # Visible when `write` returns (the indexer commits after it; a search right after finds
        # the batch): both bulks unrefreshed, then one refresh of both indices, instead of waiting
        # for the next scheduled refresh once per bulk (about a second each).
        response = self.calls.bulk(operations)
        result = WriteResult()
        history: list[dict[str, Any]] = []
        for event, item in zip(events, response["items"]):
            outcome = item.get("index", {})
            status = outcome.get("status", 500)
            if status < 300:
                result.written += 1
                history += [
                    {"index": {"_index": self.history_index, "_id": event.id}},
                    history_document(event),
                ]
            elif status == 409:
                result.stale += 1
            else:
                error = outcome.get("error") or {}
                reason = f"{status} {error.get('type', '')}: {error.get('reason', '')}".strip()
                result.failures.append(
                    WriteFailure(event.id, reason, retriable=status in RETRIABLE_STATUS)
                )
        refreshed = [self.alias]
        if history:
            try:
                self.calls.bulk(history)
                refreshed.append(self.history_index)
            except (
                StoreUnavailable
            ) as exc:  # the tenders are written: the history of this batch waits for a replay
                log.warning("history_not_written", error=str(exc), events=len(history) // 2)
        self.calls.refresh(refreshed)
        return result

    def history(self, tender_id: str) -> list[HistoryEntry]:
        response = self.calls.search(
            self.history_index,
            {
                "query": {"term": {"tender_id": tender_id}},
                "sort": [{"sequence": {"order": "asc"}}],
                "size": 1000,
            },
        )
        return [
            HistoryEntry(
                hit["_source"]["sequence"],
                hit["_source"]["type"],
                datetime.fromisoformat(hit["_source"]["time"]),
                tuple(hit["_source"]["changed_fields"]),
            )
            for hit in response["hits"]["hits"]
        ]

    def get(self, tender_id: str) -> Tender | None:
        response = self.calls.search(
            self.alias, {"query": {"ids": {"values": [tender_id]}}, "size": 1}
        )
        hits = response["hits"]["hits"]
        return self._tender(hits[0]["_source"]) if hits else None

    def search(self, search: SearchFilter, page: SearchPage | None = None) -> SearchResult:
        page = page or SearchPage()
        by_deadline = [{"deadline": {"order": "asc", "missing": "_last"}}, {"id": {"order": "asc"}}]
        has_keyword = bool(search.keyword and search.keyword.strip())
        sort = [{"_score": {"order": "desc"}}, *by_deadline] if has_keyword else by_deadline
        body: dict[str, Any] = {
            "query": build_query(search),
            "sort": sort,
            "size": page.limit,
            "from": page.offset,
            "track_total_hits": True,
        }
        if not page.all_listings:
            # One hit per assignment: `collapse` keeps each assignment's best placed listing; the
            # count of assignments is a cardinality aggregation (exact below 40,000 assignments).
            body["collapse"] = {"field": "assignment_key"}
            body["aggs"] = {
                "assignments": {
                    "cardinality": {"field": "assignment_key", "precision_threshold": 40000}
                }
            }
        response = self.calls.search(self.alias, body)
        total = response["hits"]["total"]
        count = total["value"] if isinstance(total, dict) else int(total)
        if not page.all_listings:
            count = response["aggregations"]["assignments"]["value"]
        return SearchResult(
            total=count, tenders=[self._tender(hit["_source"]) for hit in response["hits"]["hits"]]
        )

    def rate_spread(self, search: SearchFilter) -> RateSpread:
        """A `terms` aggregation per distinct rate (exact, unlike `percentiles`' t-digest), the
        figures worked out as the embedded store does. Rates are few: the distinct ones beyond
        RATE_BUCKETS would be left out, and that is logged."""
        body = {
            "query": build_query(search.model_copy(update={"status": "open"})),
            "size": 0,
            "track_total_hits": False,
            "aggs": {
                "rates": {"terms": {"field": "max_hourly_rate", "size": RATE_BUCKETS}},
            },
        }
        rates = self.calls.search(self.alias, body)["aggregations"]["rates"]
        if rates.get("sum_other_doc_count"):
            log.warning("rate_spread_cut", left_out=rates["sum_other_doc_count"])
        return RateSpread.of_counts(
            [(bucket["key"], bucket["doc_count"]) for bucket in rates["buckets"]]
        )

    @staticmethod
    def _tender(source: dict[str, Any]) -> Tender:
        return Tender.model_validate(
            {key: value for key, value in source.items() if key not in DERIVED_FIELDS}
        )
