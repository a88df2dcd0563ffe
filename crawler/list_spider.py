"""What every source's spider shares (`SourceSpider`): its settings (`CrawlerSettings`, read
back from Scrapy's settings), one clock per crawl (`TENDERWATCH_NOW` when frozen), the crawl
state, whether a list may close listings, and which listings are unchanged. A list-only source
(`ListSourceSpider`: every source but Flextender) also shares its host from
one setting, the end of a list (recorded as complete or not, then `crawler.closing`), and
turning one listing into a `TenderItem` without letting one bad listing stop the crawl."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import scrapy
import structlog

from crawler.closing import Completeness, close_missing, deadline_passed, judge_list
from crawler.items import TenderItem
from crawler.settings import CrawlerSettings
from crawler.state import CrawlState
from schemas.tender import Tender
from tenderwatch.common.settings import settings_from

log = structlog.get_logger(__name__)


class SourceSpider(scrapy.Spider):
    source: str  # the source name: tender ids are `<source>:<external id>`

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.config = settings_from(CrawlerSettings, crawler.settings)
        spider.clock_frozen = spider.config.now is not None
        spider.now = spider.config.now or datetime.now(UTC)
        if spider.now.tzinfo is None:
            spider.now = spider.now.replace(tzinfo=UTC)
        spider.withdraw_after_missing = spider.config.withdraw_after_missing
        spider.state = CrawlState(spider.config.state_path)
        return spider

    def closed(self, reason: str) -> None:
        self.state.close()

    def fetch_moment(self) -> datetime:
        """`fetched_at` of an answer: when it came in (the crawl's clock when frozen). Deadlines
        are still judged against one clock per crawl, `now`."""
        return self.now if self.clock_frozen else datetime.now(UTC)

    def fetch_failed(self, failure, event: str = "detail_unavailable") -> None:
        """A detail page (or a listed page) that did not come back: logged with its URL as
        `event`, counted as a detail failure."""
        log.warning(
            event, source=self.source, url=failure.request.url, error=failure.getErrorMessage()
        )
        self.crawler.stats.inc_value("tenderwatch/detail_failures")

    def judge(self, size: int) -> Completeness:
        """Whether a list of `size` that came back whole may close listings (`judge_list`)."""
        return judge_list(size, self.state.source_status(self.source).last_complete_size)

    def unchanged(self, tender_id: str, fingerprint: str) -> bool:
        """Known, open, its deadline not passed and its list entry as last time: nothing to map
        (counted as unchanged)."""
        known = self.state.get(tender_id)
        if (
            known is None
            or known.list_fingerprint != fingerprint
            or known.status != "open"
            or deadline_passed(known, self.now)
        ):
            return False
        self.crawler.stats.inc_value("tenderwatch/unchanged")
        return True


class ListSourceSpider(SourceSpider):
    host_setting: str  # the setting naming its host, e.g. "freep_url"
    delay_setting: str | None = None  # the setting of its pause between requests, if it has one

    @classmethod
    def update_settings(cls, settings) -> None:
        """Its pause between requests as Scrapy's DOWNLOAD_DELAY, set for this spider's crawler
        (the `download_delay` attribute is deprecated in Scrapy)."""
        super().update_settings(settings)
        if cls.delay_setting:
            delay = getattr(settings_from(CrawlerSettings, settings), cls.delay_setting)
            settings.set("DOWNLOAD_DELAY", delay, priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.host = str(getattr(spider.config, spider.host_setting)).rstrip("/")
        return spider

    def list_failed(self, failure):
        """The list did not come back: recorded as the source's error, nothing closed."""
        log.error("list_unavailable", source=self.source, error=failure.getErrorMessage())
        self.crawler.stats.inc_value("tenderwatch/list_failures")
        yield from self.finish_list(
            set(), complete=False, reason=f"the list failed: {failure.getErrorMessage()}"
        )

    def finish_list(
        self, listed: set[str], *, complete: bool, reason: str | None, fallback: str | None = None
    ) -> Iterator[TenderItem]:
        """Record how the list went, then the closing events (only a complete list withdraws).
        `fallback`: the list came from a fallback that is not trusted to be complete (e.g. a
        sitemap): the crawl succeeds, the source's error is recorded, nothing is withdrawn."""
        stats = self.crawler.stats
        stats.set_value("tenderwatch/listed", len(listed))
        if complete:
            stats.set_value("tenderwatch/list_source", "api")
            self.state.record_complete_list(self.source, len(listed), self.now)
        else:
            log.warning(
                "list_incomplete_closes_nothing",
                source=self.source,
                reason=reason,
                listed=len(listed),
            )
            if fallback:
                stats.set_value("tenderwatch/list_source", fallback)
            else:
                stats.set_value("tenderwatch/list_incomplete", reason)
            self.state.record_list_failure(self.source, reason or "incomplete list", self.now)
        yield from close_missing(
            self.state,
            self.source,
            listed,
            complete=complete,
            now=self.now,
            withdraw_after_missing=self.withdraw_after_missing,
            stats=stats,
        )

    def item_of(
        self, external_id: str, build: Callable[[], Tender], fingerprint: str | None
    ) -> Iterator[TenderItem]:
        """The listing's `TenderItem`; a listing that cannot be mapped is logged and skipped."""
        with structlog.contextvars.bound_contextvars(
            tender_id=f"{self.source}:{external_id}", source=self.source
        ):
            try:
                tender = build()
            except (TypeError, ValueError, KeyError) as exc:
                log.error("listing_not_mapped", error=f"{type(exc).__name__}: {exc}")
                self.crawler.stats.inc_value("tenderwatch/unmapped_items")
                return
            for warning in tender.warnings:
                log.info("value_not_parsed", warning=warning)
            self.crawler.stats.inc_value(f"tenderwatch/tenders/{tender.status}")
            yield TenderItem(tender=tender, list_fingerprint=fingerprint)
