"""Running one crawl in this process and judging its outcome."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings as ScrapySettings

from crawler.sources import SOURCES
from schemas.events import EXPIRED, PUBLISHED, UPDATED, WITHDRAWN
from tenderwatch.common.settings import Settings, environment

EXIT_OK = 0
EXIT_LAYOUT_CHANGED = 3
EXIT_LIST_UNAVAILABLE = 4


@dataclass(frozen=True)
class CrawlOutcome:
    stats: dict

    @property
    def exit_code(self) -> int:
        if self.stats.get("tenderwatch/unrecognised_pages"):
            return EXIT_LAYOUT_CHANGED
        if "tenderwatch/list_source" not in self.stats or self.stats.get(
            "tenderwatch/list_incomplete"
        ):
            return EXIT_LIST_UNAVAILABLE
        return EXIT_OK

    def counts(self) -> dict:
        """What the crawl found, in the words of the per-source log line."""

        def events(event_type: str) -> int:
            return self.stats.get(f"tenderwatch/events/{event_type}", 0)

        return {
            "found": self.stats.get("tenderwatch/listed", 0),
            "new": events(PUBLISHED),
            "changed": events(UPDATED),
            "closed": events(EXPIRED) + events(WITHDRAWN),
        }

    def failure(self, recorded_error: str | None = None) -> str | None:
        """Why the crawl failed, in words (None when it did not); `recorded_error`: the error
        the spider recorded for the source in the crawl state, for a list it could not fetch."""
        if self.stats.get("tenderwatch/unrecognised_pages"):
            return "a page was not recognised: has the site's layout changed?"
        if self.exit_code == EXIT_OK:
            return None
        return in_words(
            self.stats.get("tenderwatch/list_incomplete")
            or recorded_error
            or "no list of open listings came back"
        )

    def summary(self) -> dict:
        return {
            key.removeprefix("tenderwatch/"): value
            for key, value in sorted(self.stats.items())
            if key.startswith("tenderwatch/")
        }


_FAILURES_IN_WORDS = (
    (
        re.compile(
            r"DNS lookup failed.*?lookup: ([\w.-]*\w)|[Cc]annot resolve host.*?([\w.-]+\.\w+)",
            re.DOTALL,
        ),
        "cannot find host {host}: no network, or a wrong host name",
    ),
    (
        re.compile(r"[Cc]onnection (?:was )?refused"),
        "the host refused the connection: is it down, or the port wrong?",
    ),
    (re.compile(r"timed? ?out|took longer than", re.IGNORECASE), "the host did not answer in time"),
    (re.compile(r"No route to host", re.IGNORECASE), "no route to the host: no network?"),
)


def in_words(error: str) -> str:
    """A crawl error as a person reads it: what failed and what to check, then the detail."""
    for pattern, words in _FAILURES_IN_WORDS:
        found = pattern.search(error)
        if found:
            host = next((group for group in found.groups() if group), "") if found.groups() else ""
            return f"{words.format(host=host).replace('host  ', 'host ')} ({error.strip()[:200]})"
    return error.strip()[:300]


def crawl_environment(settings: Settings) -> dict[str, str]:
    """The `TENDERWATCH_*` variables of a crawl, from the settings: what `run` gives its crawl
    child and what Scrapy's settings carry to the spiders (read back there as
    `CrawlerSettings`). Secrets are left out (a crawl sends no mail and reads no cluster), and so
    is the broker: a crawl writes its outbox, and `run` publishes it."""
    secret = {name for name, field in type(settings).model_fields.items() if field.repr is False}
    return {
        name: value
        for name, value in environment(settings).items()
        if name.removeprefix("TENDERWATCH_").lower() not in secret | {"kafka_bootstrap_servers"}
    }


def scrapy_settings(
    settings: Settings, *, output: str | None, overrides: dict | None = None
) -> ScrapySettings:
    scrapy = ScrapySettings()
    scrapy.setmodule("crawler.scrapy_settings", priority="project")
    pipelines = dict(scrapy.getdict("ITEM_PIPELINES"))
    if not output:
        pipelines.pop("crawler.pipelines.JsonLinesPipeline", None)
    scrapy.setdict(
        {
            "USER_AGENT": settings.user_agent(),
            "CONCURRENT_REQUESTS_PER_DOMAIN": settings.concurrent_requests_per_domain,
            "AUTOTHROTTLE_START_DELAY": settings.autothrottle_start_delay,
            **crawl_environment(settings),
            "TENDERWATCH_OUTPUT": output,
            "ITEM_PIPELINES": pipelines,
            "LOG_LEVEL": settings.log_level.upper(),
            "LOG_INSTALL_ROOT_HANDLER": False,
            **(overrides or {}),
        },
        priority="cmdline",
    )
    return scrapy


def run_crawl(
    spider_name: str, settings: Settings, *, output: str | None, overrides: dict | None = None
) -> CrawlOutcome:
    """One crawl, blocking. Scrapy's reactor cannot restart: one call per process."""
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    process = CrawlerProcess(scrapy_settings(settings, output=output, overrides=overrides))
    crawler = process.create_crawler(SOURCES[spider_name].spider_class())
    process.crawl(crawler)
    process.start()
    return CrawlOutcome(stats=dict(crawler.stats.get_stats()))
