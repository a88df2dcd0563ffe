"""The sources tenderwatch crawls: one folder each under `crawler/sources/`, one line each in
`SOURCES` below. The command line (`crawl SOURCE`, `run`, `replica`, `demo`) and Scrapy's
`SPIDER_MODULES` read this registry, so adding a source is its folder plus its line here.
What a source folder must provide is in `crawler/sources/README.md`.

The registry names classes by import path, so reading it (for `--help`, for the choice of
`crawl SOURCE`) imports no spider, page object or replica.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any


def _load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(import_module(module), name)


@dataclass(frozen=True)
class Source:
    name: str  # the spider's name, the tender id prefix (`flextender:<id>`) and `crawl NAME`
    description: str  # what it covers and how it is read, in one line
    spider: str  # "module:Class" of its Scrapy spider
    replica: str  # "module:Class" of its local replica server (tests, demo, `tenderwatch replica`)
    host_settings: tuple[str, ...]  # the Settings fields naming its hosts; a replica answers for all of them

    @property
    def spider_module(self) -> str:
        return self.spider.partition(":")[0]

    def spider_class(self) -> type:
        return _load(self.spider)

    def replica_class(self) -> type:
        """A class started as a context manager (`port=` keyword, 0 for a free port) with `url`
        and `summary()` (what it serves, in one line)."""
        return _load(self.replica)

    def host_values(self, settings: Any) -> dict[str, str]:
        """`TENDERWATCH_<HOST SETTING>` → the host the settings name, for every host of this source."""
        return {f"TENDERWATCH_{setting.upper()}": str(getattr(settings, setting)) for setting in self.host_settings}

    def host_variables(self, url: str) -> dict[str, str]:
        """The environment that points every host of this source at `url` (a replica)."""
        return {f"TENDERWATCH_{setting.upper()}": url for setting in self.host_settings}


SOURCES: dict[str, Source] = {
    "flextender": Source(
        name="flextender",
        description="Flextender: municipalities, provinces and regions; JSON API list (WordPress AJAX list as "
                    "fallback), HTML detail pages; closed = expired notice or deadline passed, withdrawn = gone",
        spider="crawler.sources.flextender.spider:FlextenderSpider",
        replica="crawler.sources.flextender.replica:FlextenderReplica",
        host_settings=("flextender_base_url", "flextender_api_url"),
    ),
    "striive": Source(
        name="striive",
        description="Striive (Between, HeadFirst, YellowFriday, StarApple): central government and more; public "
                    "JSON list, 25 a page; closed = deadline passed, withdrawn = missing from two complete lists",
        spider="crawler.sources.striive.spider:StriiveSpider",
        replica="crawler.sources.striive.replica:StriiveReplica",
        host_settings=("striive_url",),
    ),
    "inhuurdesk": Source(
        name="inhuurdesk",
        description="Inhuurdesk (Nétive/Staffing desks): municipalities, provinces, public companies; public "
                    "JSON list (HeadFirst schema); closed = deadline passed, withdrawn = missing from two complete lists",
        spider="crawler.sources.inhuurdesk.spider:InhuurdeskSpider",
        replica="crawler.sources.inhuurdesk.replica:InhuurdeskReplica",
        host_settings=("inhuurdesk_url",),
    ),
    "freep": Source(
        name="freep",
        description="Freep: ministries and agencies; the complete public JSON list in one answer, a detail answer "
                    "(closing date, dates, rates, text) only for new or changed assignments; closed = deadline "
                    "passed, withdrawn = missing from two complete lists",
        spider="crawler.sources.freep.spider:FreepSpider",
        replica="crawler.sources.freep.replica:FreepReplica",
        host_settings=("freep_url",),
    ),
    "opdrachtoverheid": Source(
        name="opdrachtoverheid",
        description="Opdrachtoverheid: an aggregator of public-sector assignments (keeps each one's original "
                    "platform and URL); the site's own search endpoint, 100 a page, with the sitemap and the "
                    "detail pages' JSON-LD as fallback; closed = deadline (its own closing moment) passed, "
                    "withdrawn = missing from two complete lists",
        spider="crawler.sources.opdrachtoverheid.spider:OpdrachtoverheidSpider",
        replica="crawler.sources.opdrachtoverheid.replica:OpdrachtoverheidReplica",
        host_settings=("opdrachtoverheid_api_url", "opdrachtoverheid_url"),
    ),
}


def enabled(sources: str) -> list[str]:
    """The sources a `TENDERWATCH_SOURCES` value names: `all`, or registered names separated by
    commas. ValueError, naming the known ones, for an unknown name or a value that names none."""
    if sources.strip() == "all":
        return list(SOURCES)
    names = [name.strip() for name in sources.split(",") if name.strip()]
    unknown = [name for name in names if name not in SOURCES]
    if unknown:
        raise ValueError(f"unknown source {', '.join(unknown)} (known: {', '.join(SOURCES)}, or all)")
    if not names:
        raise ValueError(f"{sources!r} names no known source (known: {', '.join(SOURCES)}, or all)")
    return names
