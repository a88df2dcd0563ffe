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
    """Records each tender and the news it is (`CrawlState.record`); when the crawl ends, its
    events go to the outbox at once (`CrawlState.settle`), one per listing, with assignments
    as the whole crawl left them. A crawl that was killed before it settled is settled when
    the next one opens. Tenders that are not news are counted and dropped quietly."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None) -> None:
        self._settle()

    def close_spider(self, spider=None) -> None:
        self._settle()

    def process_item(self, item: TenderItem, spider=None) -> TenderItem:
        spider = self.crawler.spider
        if (
            spider.state.record(
                item.tender, list_fingerprint=item.list_fingerprint, seen_at=spider.now
            )
            is None
        ):
            self.crawler.stats.inc_value("tenderwatch/unchanged")
            raise DropItem(f"unchanged: {item.tender.id}", log_level="DEBUG")
        return item

    def _settle(self) -> None:
        spider = self.crawler.spider
        for event in spider.state.settle(spider.now):
            self.crawler.stats.inc_value(f"tenderwatch/events/{event.type}")
            log.info(
                "tender_event_recorded",
                tender_id=event.subject,
                event_type=event.type,
                sequence=event.data.sequence,
                changed_fields=event.data.changed_fields,
            )


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
