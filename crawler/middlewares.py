"""Downloader middlewares: retries that back off instead of hammering a struggling site."""

from __future__ import annotations

import asyncio
import random
import time

import scrapy.exceptions
from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from twisted.internet.error import (
    ConnectError,
    ConnectionRefusedError,
    DNSLookupError,
    NoRouteError,
    TCPTimedOutError,
)

NOT_BEFORE = "tenderwatch_not_before"


# A host that cannot be reached (no network, a wrong name, a server that is down) is tried
# again once, not RETRY_TIMES times with back-off: a crawl of an unreachable source ends in
# seconds and says so, instead of waiting out every retry silently.
# Scrapy 2.14+ wraps Twisted's errors in its own (CannotResolveHostError, ...); both are listed.
UNREACHABLE = (
    DNSLookupError,
    ConnectionRefusedError,
    ConnectError,
    NoRouteError,
    TCPTimedOutError,
) + tuple(
    getattr(scrapy.exceptions, name)
    for name in ("CannotResolveHostError", "DownloadConnectionRefusedError")
    if hasattr(scrapy.exceptions, name)
)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware (same settings: RETRY_TIMES, RETRY_HTTP_CODES, ...), but the
    n-th retry of a request is not sent before `base * 2**(n-1)` seconds (with ±20 % jitter,
    capped at TENDERWATCH_RETRY_BACKOFF_MAX). Counted in stats as `tenderwatch/retry_backoff_s`.
    A host that cannot be reached gets TENDERWATCH_UNREACHABLE_RETRIES (1) retries at most,
    counted as `tenderwatch/unreachable`."""

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.unreachable_retries = settings.getint("TENDERWATCH_UNREACHABLE_RETRIES", 1)
        self.backoff_base = settings.getfloat("TENDERWATCH_RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("TENDERWATCH_RETRY_BACKOFF_MAX", 30.0)
        if self.backoff_base < 0 or self.backoff_max < 0:
            raise NotConfigured("negative retry backoff")

    def process_exception(self, request: Request, exception: Exception, spider=None):
        if (
            isinstance(exception, UNREACHABLE)
            and request.meta.get("retry_times", 0) >= self.unreachable_retries
        ):
            self.crawler.stats.inc_value("tenderwatch/unreachable")
            return None  # the request's errback says what failed
        return super().process_exception(request, exception, spider)

    def _retry(self, request: Request, reason) -> Request | None:
        retry = super()._retry(request, reason)
        if retry is not None:
            attempt = retry.meta.get("retry_times", 1)
            delay = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)) * random.uniform(
                0.8, 1.2
            )
            retry.meta[NOT_BEFORE] = time.monotonic() + delay
            self.crawler.stats.inc_value("tenderwatch/retry_backoff_s", round(delay, 3))
        return retry

    async def process_request(self, request: Request, spider=None) -> None:
        wait = request.meta.get(NOT_BEFORE, 0) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
