"""Item pipelines, one job each: validate → detect change → write → record state.

State is recorded only after the tender was written, so a failed write means the next
crawl emits it again rather than losing it.
"""

from __future__ import annotations

import sys
from typing import IO

import structlog
from scrapy.exceptions import DropItem, NotConfigured

from crawler.items import TenderItem

log = structlog.get_logger(__name__)


class ValidateTenderPipeline:
    def process_item(self, item: TenderItem, spider=None) -> TenderItem:
        tender = item.tender
        if not tender.external_id:
            raise DropItem(f"no request number: {tender.url}")
        if not tender.title:
            raise DropItem(f"no title: {tender.id}")
        return item


class ChangeDetectionPipeline:
    """Drops a tender whose content and status are what the state already holds (its list
    entry changed, its content did not)."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item: TenderItem, spider=None) -> TenderItem:
        tender = item.tender
        known = self.crawler.spider.state.get(tender.id)
        if known is not None and known.content_hash == tender.content_hash and known.status == tender.status:
            self.crawler.spider.state.record(**_state_fields(item, self.crawler.spider.now))
            self.crawler.stats.inc_value("tenderwatch/unchanged")
            raise DropItem(f"unchanged: {tender.id}")
        return item


class JsonLinesPipeline:
    """Writes each tender as one JSON line to TENDERWATCH_OUTPUT (a path, or `-` for stdout).
    Switched off with TENDERWATCH_OUTPUT = None (e.g. when events go to Kafka instead)."""

    def __init__(self, crawler, target: str) -> None:
        self.crawler, self.target = crawler, target
        self.stream: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler):
        target = crawler.settings.get("TENDERWATCH_OUTPUT")
        if not target:
            raise NotConfigured("TENDERWATCH_OUTPUT not set")
        return cls(crawler, target)

    def open_spider(self, spider=None) -> None:
        self.stream = sys.stdout if self.target == "-" else open(self.target, "a", encoding="utf-8")

    def close_spider(self, spider=None) -> None:
        if self.stream is not None and self.stream is not sys.stdout:
            self.stream.close()

    def process_item(self, item: TenderItem, spider=None) -> TenderItem:
        assert self.stream is not None
        self.stream.write(item.tender.model_dump_json() + "\n")
        self.stream.flush()
        self.crawler.stats.inc_value("tenderwatch/written")
        return item


class RecordStatePipeline:
    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item: TenderItem, spider=None) -> TenderItem:
        self.crawler.spider.state.record(**_state_fields(item, self.crawler.spider.now))
        log.info("tender_recorded", tender_id=item.tender.id, status=item.tender.status)
        return item


def _state_fields(item: TenderItem, now) -> dict:
    tender = item.tender
    return {
        "tender_id": tender.id,
        "source": tender.source,
        "external_id": tender.external_id,
        "url": tender.url,
        "status": tender.status,
        "content_hash": tender.content_hash,
        "tender_json": tender.model_dump_json(),
        "deadline": tender.deadline,
        "list_fingerprint": item.list_fingerprint,
        "seen_at": now,
    }
