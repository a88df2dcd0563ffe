"""The Freep spider: the complete list in one answer (`GET <TENDERWATCH_FREEP_URL>/v1/assignments`),
then a detail answer (`/v1/assignment/<slug>/`) only for assignments that are new or whose list
entry changed, never one per item per crawl; requests `TENDERWATCH_FREEP_REQUEST_DELAY` apart
(1 s by default: the documented pause). Closing: `crawler.closing` (deadline passed; missing
from two complete lists; a list that is not complete closes nothing)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
import structlog
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from common.settings import STATE_FILE
from crawler.closing import close_missing, closed_copy, deadline_passed, judge_list
from crawler.items import TenderItem
from crawler.pages.raw import UnrecognisedPage
from crawler.sources.freep.normalize import SOURCE, normalise
from crawler.sources.freep.pages import DETAIL_PATH, LIST_PATH, assignments, detail
from crawler.state import CrawlState

log = structlog.get_logger(__name__)


def entry_fingerprint(item: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(item, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


class FreepSpider(scrapy.Spider):
    name = SOURCE

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.host = str(settings.get("TENDERWATCH_FREEP_URL")).rstrip("/")
        spider.download_delay = settings.getfloat("TENDERWATCH_FREEP_REQUEST_DELAY", 1.0)
        frozen = settings.get("TENDERWATCH_NOW")
        spider.clock_frozen = bool(frozen)
        spider.now = datetime.fromisoformat(frozen) if frozen else datetime.now(UTC)
        if spider.now.tzinfo is None:
            spider.now = spider.now.replace(tzinfo=UTC)
        spider.withdraw_after_missing = settings.getint("TENDERWATCH_WITHDRAW_AFTER_MISSING", 2)
        spider.state = CrawlState(Path(settings.get("TENDERWATCH_DATA_DIR")) / STATE_FILE)
        return spider

    def closed(self, reason: str) -> None:
        self.state.close()

    async def start(self):
        yield Request(f"{self.host}{LIST_PATH}", headers={"Accept": "application/json"}, callback=self.parse_list,
                      errback=self.list_failed, dont_filter=True)

    def list_failed(self, failure: Failure):
        log.error("list_unavailable", source=SOURCE, error=failure.getErrorMessage())
        self.crawler.stats.inc_value("tenderwatch/list_failures")
        yield from self.closing(set(), complete=False, reason=f"the list failed: {failure.getErrorMessage()}")

    def parse_list(self, response: Response):
        stats = self.crawler.stats
        try:
            items = assignments(response.body)
        except UnrecognisedPage as exc:
            log.error("list_unrecognised", source=SOURCE, url=response.url, reason=str(exc))
            stats.inc_value("tenderwatch/unrecognised_pages")
            yield from self.closing(set(), complete=False, reason=f"the list was not recognised: {exc}")
            return
        unique = {str(item["id"]).strip(): item for item in items}
        verdict = judge_list(len(unique), self.state.source_status(SOURCE).last_complete_size)
        stats.set_value("tenderwatch/listed", len(unique))
        listed: set[str] = set()
        for external_id, item in unique.items():
            tender_id = f"{SOURCE}:{external_id}"
            listed.add(tender_id)
            fingerprint = entry_fingerprint(item)
            known = self.state.get(tender_id)
            if known is None or known.list_fingerprint != fingerprint or known.status != "open":
                yield self.detail_request(item, fingerprint)
            elif deadline_passed(known, self.now):
                tender = closed_copy(self.state, known, "expired", self.now)
                if tender is not None:
                    stats.inc_value("tenderwatch/tenders/expired")
                    yield TenderItem(tender=tender, list_fingerprint=fingerprint)
            else:
                stats.inc_value("tenderwatch/unchanged")
        yield from self.closing(listed, complete=verdict.complete, reason=verdict.reason)

    def closing(self, listed: set[str], *, complete: bool, reason: str | None):
        if complete:
            self.crawler.stats.set_value("tenderwatch/list_source", "api")
            self.state.record_complete_list(SOURCE, len(listed), self.now)
        else:
            log.warning("list_incomplete_closes_nothing", source=SOURCE, reason=reason, listed=len(listed))
            self.crawler.stats.set_value("tenderwatch/list_incomplete", reason)
            self.state.record_list_failure(SOURCE, reason or "incomplete list", self.now)
        yield from close_missing(self.state, SOURCE, listed, complete=complete, now=self.now,
                                 withdraw_after_missing=self.withdraw_after_missing, stats=self.crawler.stats)

    def detail_request(self, item: dict[str, Any], fingerprint: str) -> Request:
        return Request(f"{self.host}{DETAIL_PATH.format(slug=item['slug'].strip())}",
                       headers={"Accept": "application/json"}, callback=self.parse_detail, errback=self.detail_failed,
                       cb_kwargs={"item": item, "fingerprint": fingerprint})

    def parse_detail(self, response: Response, item: dict[str, Any], fingerprint: str):
        self.crawler.stats.inc_value("tenderwatch/details")
        try:
            found = detail(response.body)
        except UnrecognisedPage as exc:
            log.warning("detail_unrecognised", source=SOURCE, url=response.url, reason=str(exc))
            self.crawler.stats.inc_value("tenderwatch/detail_failures")
            yield from self.mapped(item, None, None)
            return
        yield from self.mapped(item, found, fingerprint)

    def detail_failed(self, failure: Failure):
        kwargs = failure.request.cb_kwargs
        log.warning("detail_unavailable", source=SOURCE, url=failure.request.url, error=failure.getErrorMessage())
        self.crawler.stats.inc_value("tenderwatch/detail_failures")
        yield from self.mapped(kwargs["item"], None, None)

    def mapped(self, item: dict[str, Any], found: dict[str, Any] | None, fingerprint: str | None):
        """The tender; without a detail it is recorded from the list alone and its fingerprint
        is not, so the next crawl asks for the detail again."""
        with structlog.contextvars.bound_contextvars(tender_id=f"{SOURCE}:{item['id']}", source=SOURCE):
            try:
                tender = normalise(item, found, fetched_at=self.fetch_moment(), now=self.now)
            except (TypeError, ValueError, KeyError) as exc:
                log.error("assignment_not_mapped", error=f"{type(exc).__name__}: {exc}")
                self.crawler.stats.inc_value("tenderwatch/unmapped_items")
                return
            for warning in tender.warnings:
                log.info("value_not_parsed", warning=warning)
            self.crawler.stats.inc_value(f"tenderwatch/tenders/{tender.status}")
            yield TenderItem(tender=tender, list_fingerprint=fingerprint)

    def fetch_moment(self) -> datetime:
        return self.now if self.clock_frozen else datetime.now(UTC)
