"""Scrapy settings for tenderwatch: polite by default. `tenderwatch crawl` overlays the
`TENDERWATCH_*` environment settings (see `crawler.settings.CrawlerSettings`)."""

from crawler.crawl import crawl_environment
from crawler.settings import CrawlerSettings
from crawler.sources import SOURCES
from tenderwatch.common.logs import configure_logging

_settings = CrawlerSettings()
# `scrapy crawl` enters here: one logging set-up (stderr, JSON or console), no second root handler.
configure_logging(_settings.log_format, _settings.log_level)
LOG_INSTALL_ROOT_HANDLER = False

BOT_NAME = "tenderwatch"
SPIDER_MODULES = [source.spider_module for source in SOURCES.values()]

USER_AGENT = _settings.user_agent()
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS_PER_DOMAIN = _settings.concurrent_requests_per_domain
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = _settings.autothrottle_start_delay
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 10  # Scrapy's default is 60 s: offline, each name would hang a minute
# A listing page is ~15 KB; anything near these sizes is not one (the page parser accepts
# huge text nodes, so the cap lives here).
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
TENDERWATCH_RETRY_BACKOFF_MAX = 30.0
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
}
ITEM_PIPELINES = {
    "crawler.pipelines.ValidateTenderPipeline": 100,
    "crawler.pipelines.OutboxPipeline": 200,
    "crawler.pipelines.JsonLinesPipeline": 300,
}

globals().update(crawl_environment(_settings))  # TENDERWATCH_DATA_DIR, every source's hosts, ...
TENDERWATCH_OUTPUT = "-"  # `scrapy crawl` prints tenders; `tenderwatch crawl` decides

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = _settings.log_level
