"""The sources tenderwatch crawls: one folder each under `crawler/sources/`, one entry each in
`SOURCES` below, the only list of sources. Everything else reads it: the settings of each
source (`crawler.settings.CrawlerSettings`), the command line (`crawl SOURCE`, `run`,
`replica`, `demo`, `sources`, the search filter's choices), Scrapy's `SPIDER_MODULES`, the
replicas the tests serve (`crawler.replicas`), the web app's platforms and the README's
sources tables (`python -m crawler.sources` writes them). What a source folder must provide,
and what else adding one touches, is in `crawler/sources/README.md`.

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
class Setting:
    """One setting of a source: the `Settings` field `name`, read from `TENDERWATCH_<NAME>`
    (`crawler.settings.CrawlerSettings` adds it); a `host` is an http(s) URL the source is read
    from, which a replica answers for in tests, `demo` and `replica`."""

    name: str
    default: str | float
    description: str
    host: bool = True
    minimum: float | None = None
    against_replica: str | float | None = (
        None  # its value when a local replica answers (no politeness needed)
    )

    @property
    def variable(self) -> str:
        return f"TENDERWATCH_{self.name.upper()}"


@dataclass(frozen=True)
class Source:
    name: str  # the spider's name, the tender id prefix (`flextender:<id>`) and `crawl NAME`
    label: str  # the platform's own name, as people write it
    covers: str  # which clients and assignments it lists
    reading: str  # how its list and listings are read
    closing: str  # how a listing is found expired or withdrawn
    spider: str  # "module:Class" of its Scrapy spider
    replica: str  # "module:Class" of its local replica server (tests, demo, `tenderwatch replica`)
    settings: tuple[Setting, ...]  # its hosts (real URLs as defaults) and its own knobs

    @property
    def description(self) -> str:
        """What it covers, how it is read and how closing is detected, in one line."""
        return f"{self.label}: {self.covers}; {self.reading}; {self.closing}"

    @property
    def host_settings(self) -> tuple[str, ...]:
        """The settings naming its hosts; a replica answers for all of them."""
        return tuple(setting.name for setting in self.settings if setting.host)

    @property
    def spider_module(self) -> str:
        return self.spider.partition(":")[0]

    def spider_class(self) -> type:
        return _load(self.spider)

    def replica_class(self) -> type:
        """A class started as a context manager (`port=` keyword, 0 for a free port) with `url`
        and `summary()` (what it serves, in one line)."""
        return _load(self.replica)

    def default(self, name: str) -> Any:
        """The default of one of its settings (a host's: the real URL)."""
        return next(setting.default for setting in self.settings if setting.name == name)

    def hosts(self, settings: Any) -> list[str]:
        """The hosts the settings name for this source, each once."""
        return list(dict.fromkeys(str(getattr(settings, name)) for name in self.host_settings))

    def replica_values(self, url: str) -> dict[str, Any]:
        """Settings values that crawl a replica at `url`: every host there, and the knobs that
        have a value for a replica."""
        return {
            **{name: url for name in self.host_settings},
            **{
                setting.name: setting.against_replica
                for setting in self.settings
                if setting.against_replica is not None
            },
        }

    def replica_variables(self, url: str) -> dict[str, str]:
        """The same as `TENDERWATCH_*` variables."""
        return {
            f"TENDERWATCH_{name.upper()}": str(value)
            for name, value in self.replica_values(url).items()
        }


SOURCES: dict[str, Source] = {
    "flextender": Source(
        name="flextender",
        label="Flextender",
        covers="municipalities, provinces and regions (Overijssel, Drenthe, Gelderland, ...)",
        reading="JSON API list (`/v1/getjobs`), the WordPress listing as fallback; an HTML "
        "detail page per new or changed listing",
        closing="a listing gone from a complete list gets its detail page again: expired notice "
        "or passed deadline → `expired`, else (or 404/410) → `withdrawn`; an empty list, "
        "or one that shrank by more than half, closes nothing",
        spider="crawler.sources.flextender.spider:FlextenderSpider",
        replica="crawler.sources.flextender.replica:FlextenderReplica",
        settings=(
            Setting(
                "flextender_base_url",
                "https://www.flextender.nl",
                "Flextender's www site: listing, AJAX list, detail pages",
            ),
            Setting(
                "flextender_api_url", "https://api.flextender.nl", "Flextender's JSON API host"
            ),
        ),
    ),
    "striive": Source(
        name="striive",
        label="Striive",
        covers="Striive's brands (Between, HeadFirst, HeadFirst Select, YellowFriday, "
        "StarApple): central government (Belastingdienst, Defensie, DJI, SSC-ICT, ...) "
        "and more",
        reading="public JSON list, 25 a page, paged to the end (stop at a short page, at `total` "
        "ids, or 40 pages); the item is the whole listing",
        closing="deadline passed → `expired`; missing from 2 complete lists in a row → "
        "`withdrawn`; a list that is not complete (a failed or unrecognised page, an "
        "empty list, one that shrank by more than half) closes nothing and `crawl` exits "
        "4",
        spider="crawler.sources.striive.spider:StriiveSpider",
        replica="crawler.sources.striive.replica:StriiveReplica",
        settings=(
            Setting(
                "striive_url",
                "https://striive-cms.codebridge.nl",
                "Striive's list API host (`/api/jobs?open=true&page=N`)",
            ),
        ),
    ),
    "inhuurdesk": Source(
        name="inhuurdesk",
        label="Inhuurdesk",
        covers="Nétive/Staffing desks: municipalities, provinces, public companies",
        reading="the same schema as Striive (one shared mapping, `crawler/sources/headfirst/`), "
        "paged until an empty page or `total` ids",
        closing="as Striive",
        spider="crawler.sources.inhuurdesk.spider:InhuurdeskSpider",
        replica="crawler.sources.inhuurdesk.replica:InhuurdeskReplica",
        settings=(
            Setting(
                "inhuurdesk_url",
                "https://www.inhuurdesk.nl",
                "Inhuurdesk host (`/wp-json/headfirst-assignments/search?page=N`)",
            ),
        ),
    ),
    "freep": Source(
        name="freep",
        label="Freep",
        covers="ministries and agencies (several hundred open assignments)",
        reading="the complete list in one JSON answer; a detail answer (closing date, dates, "
        "rates, text) only for assignments that are new or whose list entry changed, 1 s "
        "apart",
        closing="as Striive; the deadline is the detail's closing date (a date without a time "
        "closes at 23:59:59, with a warning)",
        spider="crawler.sources.freep.spider:FreepSpider",
        replica="crawler.sources.freep.replica:FreepReplica",
        settings=(
            Setting(
                "freep_url",
                "https://api.freep.nl",
                "Freep's API host (`/v1/assignments`, `/v1/assignment/<slug>/`)",
            ),
            Setting(
                "freep_request_delay",
                1.0,
                "Seconds between two requests to Freep",
                host=False,
                minimum=0,
                against_replica=0.0,
            ),
        ),
    ),
    "opdrachtoverheid": Source(
        name="opdrachtoverheid",
        label="Opdrachtoverheid",
        covers="an aggregator (~400 open public-sector assignments copied from Striive, Harvey "
        "Nash, Mercell, municipal portals, ...)",
        reading="the site's own search endpoint (POST with the site's filter body, 100 a page, "
        "paged by offset); when it fails or answers an unknown shape, the sitemap and "
        "each detail page's JobPosting JSON-LD (new listings only, nothing closed, the "
        "source marked failing); the original platform and URL kept as `origin`",
        closing="as Striive; the deadline is Opdrachtoverheid's own closing moment "
        "(`tender_offline_date`, a working day before the source's)",
        spider="crawler.sources.opdrachtoverheid.spider:OpdrachtoverheidSpider",
        replica="crawler.sources.opdrachtoverheid.replica:OpdrachtoverheidReplica",
        settings=(
            Setting(
                "opdrachtoverheid_api_url",
                "https://kbenp-match-api.azurewebsites.net",
                "Opdrachtoverheid's search endpoint host (`/v7/vacancies/search`)",
            ),
            Setting(
                "opdrachtoverheid_url",
                "https://www.opdrachtoverheid.nl",
                "Opdrachtoverheid's site: sitemap and detail pages (the fallback)",
            ),
        ),
    ),
    "haert": Source(
        name="haert",
        label="Haert",
        covers="Haert (Driessen Groep): municipalities (Voorne aan Zee, Hoeksche Waard, Gorinchem, "
        "...), GGDs, Avres, ROCs, universities and utilities",
        reading="its sitemap (`/sitemap.xml`); each assignment page that is new, changed or not "
        "read today, for its JobPosting JSON-LD, header list and text, 2 s apart",
        closing='deadline passed (`validThrough`, a date: closing at 23:59:59) or "Reactietermijn '
        'gesloten" on the page → `expired`; missing from 2 complete sitemaps → '
        "`withdrawn`; an empty or halved sitemap closes nothing",
        spider="crawler.sources.haert.spider:HaertSpider",
        replica="crawler.sources.haert.replica:HaertReplica",
        settings=(
            Setting(
                "haert_url",
                "https://www.haert.nl",
                "Haert's site (`/sitemap.xml`, `/opdrachten/<slug>-<number>`)",
            ),
            Setting(
                "haert_request_delay",
                2.0,
                "Seconds between two requests to Haert",
                host=False,
                minimum=0,
                against_replica=0.0,
            ),
        ),
    ),
    "bluetrail": Source(
        name="bluetrail",
        label="BlueTrail",
        covers="BlueTrail (Bconnect before; the Circle8 group): interim and ICT listings, public "
        "bodies among the named end clients (Belastingdienst, Defensie, UWV, municipalities)",
        reading="its job sitemap (`/job-sitemap.xml`, query URLs dropped as robots asks); each "
        "listing page that is new, changed or not read today, for its JobPosting JSON-LD "
        'and "In het kort" table, 5 s apart (its robots\' Crawl-delay)',
        closing="deadline (the table's Sluitingsdatum and time, never `validThrough`) passed → "
        "`expired`; missing from 2 complete sitemaps → `withdrawn`; an empty or halved "
        "sitemap closes nothing",
        spider="crawler.sources.bluetrail.spider:BlueTrailSpider",
        replica="crawler.sources.bluetrail.replica:BlueTrailReplica",
        settings=(
            Setting(
                "bluetrail_url",
                "https://www.bluetrail.nl",
                "BlueTrail's site (`/job-sitemap.xml`, `/opdrachten/<category>/<slug>/`)",
            ),
            Setting(
                "bluetrail_request_delay",
                5.0,
                "Seconds between two requests to BlueTrail (its robots.txt asks 5)",
                host=False,
                minimum=0,
                against_replica=0.0,
            ),
        ),
    ),
    "needstaffing": Source(
        name="needstaffing",
        label="Need Staffing",
        covers="Need Staffing: nearly all central government (Defensie, Belastingdienst, DUO, VWS, "
        "CJIB, RIVM, NVWA, NEa, RVO) and a few universities",
        reading="its paged HTML list (20 cards a page, collected by id; complete when the distinct "
        'ids equal its "N opdrachten" total); a detail page only for new or changed '
        "cards; dates from the epoch attributes, never the visible text",
        closing="deadline passed → `expired` (cards stay listed after it); missing from 2 complete "
        "lists → `withdrawn`; an incomplete list closes nothing",
        spider="crawler.sources.needstaffing.spider:NeedStaffingSpider",
        replica="crawler.sources.needstaffing.replica:NeedStaffingReplica",
        settings=(
            Setting(
                "needstaffing_url",
                "https://www.needstaffing.nl",
                "Need Staffing's site (`/Opdrachten?PageNumber=N`, `/Opdrachten/<id>`)",
            ),
            Setting(
                "needstaffing_request_delay",
                1.0,
                "Seconds between two requests to Need Staffing",
                host=False,
                minimum=0,
                against_replica=0.0,
            ),
        ),
    ),
}


def platforms() -> dict[str, str]:
    """Name → label of every source: the web app's source filter and footer."""
    return {name: source.label for name, source in SOURCES.items()}


def enabled(sources: str) -> list[str]:
    """The sources a `TENDERWATCH_SOURCES` value names: `all`, or registered names separated by
    commas. ValueError, naming the known ones, for an unknown name or a value that names none."""
    if sources.strip() == "all":
        return list(SOURCES)
    names = [name.strip() for name in sources.split(",") if name.strip()]
    unknown = [name for name in names if name not in SOURCES]
    if unknown:
        raise ValueError(
            f"unknown source {', '.join(unknown)} (known: {', '.join(SOURCES)}, or all)"
        )
    if not names:
        raise ValueError(f"{sources!r} names no known source (known: {', '.join(SOURCES)}, or all)")
    return names
