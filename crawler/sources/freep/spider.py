"""The Freep spider: the complete list in one answer (`GET <TENDERWATCH_FREEP_URL>/v1/assignments`),
then a detail answer (`/v1/assignment/<slug>/`) only for assignments that are new or whose list
entry changed, never one per item per crawl; requests `TENDERWATCH_FREEP_REQUEST_DELAY` apart
(1 s by default: the documented pause). Closing: `crawler.closing` (deadline passed; missing
from two complete lists; a list that is not complete closes nothing)."""

from __future__ import annotations

from typing import Any

import structlog
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawler.closing import closed_copy, deadline_passed
from crawler.items import TenderItem, entry_fingerprint
from crawler.list_spider import ListSourceSpider
from crawler.pages.raw import UnrecognisedPage
from crawler.sources.freep.normalize import SOURCE, normalise
from crawler.sources.freep.pages import DETAIL_PATH, LIST_PATH, assignments, detail

log = structlog.get_logger(__name__)


class FreepSpider(ListSourceSpider):
    name = SOURCE
    source = SOURCE
    host_setting = "freep_url"
    delay_setting = "freep_request_delay"

    async def start(self):
        yield Request(
            f"{self.host}{LIST_PATH}",
            headers={"Accept": "application/json"},
            callback=self.parse_list,
            errback=self.list_failed,
            dont_filter=True,
        )

    def parse_list(self, response: Response):
        stats = self.crawler.stats
        try:
            items = assignments(response.body)
        except UnrecognisedPage as exc:
            log.error("list_unrecognised", source=SOURCE, url=response.url, reason=str(exc))
            stats.inc_value("tenderwatch/unrecognised_pages")
            yield from self.finish_list(
                set(), complete=False, reason=f"the list was not recognised: {exc}"
            )
            return
        unique = {str(item["id"]).strip(): item for item in items}
        verdict = self.judge(len(unique))
        listed: set[str] = set()
        for external_id, item in unique.items():
            tender_id = f"{SOURCE}:{external_id}"
            listed.add(tender_id)
            fingerprint = entry_fingerprint(item)
            known = self.state.get(tender_id)
            if known is None or known.list_fingerprint != fingerprint or known.status != "open":
                yield self.detail_request(item, fingerprint)
            elif deadline_passed(known, self.now):  # the deadline is known from the last detail
                tender = closed_copy(self.state, known, "expired", self.now)
                if tender is not None:
                    stats.inc_value("tenderwatch/tenders/expired")
                    yield TenderItem(tender=tender, list_fingerprint=fingerprint)
            else:
                stats.inc_value("tenderwatch/unchanged")
        yield from self.finish_list(listed, complete=verdict.complete, reason=verdict.reason)

    def detail_request(self, item: dict[str, Any], fingerprint: str) -> Request:
        return Request(
            f"{self.host}{DETAIL_PATH.format(slug=item['slug'].strip())}",
            headers={"Accept": "application/json"},
            callback=self.parse_detail,
            errback=self.detail_failed,
            cb_kwargs={"item": item, "fingerprint": fingerprint},
        )

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
        self.fetch_failed(failure)
        yield from self.mapped(failure.request.cb_kwargs["item"], None, None)

    def mapped(self, item: dict[str, Any], found: dict[str, Any] | None, fingerprint: str | None):
        """Without a detail the assignment is recorded from the list alone and its fingerprint
        is not, so the next crawl asks for the detail again."""
        yield from self.item_of(
            str(item["id"]),
            lambda: normalise(item, found, fetched_at=self.fetch_moment(), now=self.now),
            fingerprint,
        )
