"""Item pipelines, one job each: validate → record state and event (outbox) → optional
JSON-lines copy. Publishing to Kafka happens from the outbox (`crawler.publisher`)."""

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


class OutboxPipeline:
    """Records the tender and, when it is news, its event in the outbox (one SQLite
    transaction, see `crawler.state`). Tenders that are not news are dropped here."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item: TenderItem, spider=None) -> TenderItem:
        spider = self.crawler.spider
        event = spider.state.apply(item.tender, list_fingerprint=item.list_fingerprint, seen_at=spider.now)
        if event is None:
            self.crawler.stats.inc_value("tenderwatch/unchanged")
            raise DropItem(f"unchanged: {item.tender.id}")
        self.crawler.stats.inc_value(f"tenderwatch/events/{event.type}")
        log.info("tender_event_recorded", tender_id=item.tender.id, event_type=event.type,
                 sequence=event.data.sequence, changed_fields=event.data.changed_fields)
        return item


class JsonLinesPipeline:
    """Writes each tender that made an event as one JSON line to TENDERWATCH_OUTPUT (a
    path, or `-` for stdout). Off when TENDERWATCH_OUTPUT is empty."""

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
