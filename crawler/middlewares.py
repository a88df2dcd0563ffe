"""Downloader middlewares: retries that back off instead of hammering a struggling site."""

from __future__ import annotations

import asyncio
import random
import time

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured

NOT_BEFORE = "tenderwatch_not_before"


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware (same settings: RETRY_TIMES, RETRY_HTTP_CODES, ...), but the
    n-th retry of a request is not sent before `base * 2**(n-1)` seconds (with ±20 % jitter,
    capped at TENDERWATCH_RETRY_BACKOFF_MAX). Counted in stats as `tenderwatch/retry_backoff_s`."""

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("TENDERWATCH_RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("TENDERWATCH_RETRY_BACKOFF_MAX", 30.0)
        if self.backoff_base < 0 or self.backoff_max < 0:
            raise NotConfigured("negative retry backoff")

    def _retry(self, request: Request, reason) -> Request | None:
        retry = super()._retry(request, reason)
        if retry is not None:
            attempt = retry.meta.get("retry_times", 1)
            delay = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)
            retry.meta[NOT_BEFORE] = time.monotonic() + delay
            self.crawler.stats.inc_value("tenderwatch/retry_backoff_s", round(delay, 3))
        return retry

    async def process_request(self, request: Request, spider=None) -> None:
        wait = request.meta.get(NOT_BEFORE, 0) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
