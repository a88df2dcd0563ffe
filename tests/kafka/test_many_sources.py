"""`tenderwatch run --once` against the replicas of every source: all indexed and searchable
by source, a log line per source, and saved searches alerting on a new Striive listing and a
new Freep assignment. Real processes: the replicas, the embedded broker, `run`, the CLI."""

from __future__ import annotations

import json
import re

import pytest

from crawler.sources import SOURCES
from tests.kafka.test_search_after_run import SEED_TIME, tenderwatch

pytestmark = pytest.mark.slow  # whole run --once cycles against replicas: tens of seconds each


def search_ids(data_dir: str, *options: str) -> list[str]:
    result = tenderwatch("search", "--json", "--limit", "100", "--data-dir", data_dir, *options)
    assert result.returncode == 0, result.stderr
    return sorted(tender["id"] for tender in json.loads(result.stdout))


def test_run_once_indexes_every_source_and_a_new_striive_listing_alerts(tmp_path, replicas):
    striive, freep = replicas["striive"], replicas["freep"]
    data_dir = str(tmp_path / "data")
    env = {
        "TENDERWATCH_NOW": SEED_TIME,
        "TENDERWATCH_AUTOTHROTTLE_START_DELAY": "0",
        "TENDERWATCH_LOG_FORMAT": "json",
        "TENDERWATCH_SOURCES": "all",
        **replicas.environment(),
    }
    new_listing = (
        striive.items.pop()
    )  # "Beheerder Openbare Ruimte" (HeadFirst's, for DICTU), published later
    new_assignment = freep.items.pop()  # "Beleidsmedewerker klimaat", published later

    def cycle() -> str:
        result = tenderwatch("run", "--once", "--data-dir", data_dir, env=env)
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stderr

    log = cycle()
    crawled = [json.loads(line) for line in log.splitlines() if '"source_crawled"' in line]
    assert sorted(line["source"] for line in crawled) == sorted(SOURCES)
    assert all(line["exit_code"] == 0 and line["last_complete_crawl"] for line in crawled)
    open_listings = {line["source"]: line["open_listings"] for line in crawled}
    assert all(open_listings.values()), open_listings
    assert (
        open_listings.items()
        >= {
            "flextender": 3,
            "striive": 9,
            "inhuurdesk": 6,
            "freep": 4,
            "opdrachtoverheid": 5,
        }.items()
    )
    assert len(search_ids(data_dir, "--source", "flextender")) == 3
    assert len(search_ids(data_dir, "--source", "inhuurdesk")) == 6
    assert len(search_ids(data_dir, "--source", "opdrachtoverheid")) == 5
    assert search_ids(data_dir, "--source", "striive", "--region", "Zuid-Holland") == [
        "striive:08443f5d-66d3-4a94-893a-fa26a02bedc6",
        "striive:43aa4842-aea7-451a-9a4b-9e9c2f7fc935",
        "striive:445d466d-538f-4974-95b2-67621dbba674",
        "striive:7601f27b-6341-4a6a-98e5-c7ceee7998c4",
        "striive:c86af53e-dddb-4f96-9852-52189ed8a623",
    ]
    both = search_ids(
        data_dir, "--source", "striive", "--source", "inhuurdesk", "--region", "Zuid-Holland"
    )
    assert len(both) == 6 and "inhuurdesk:92c6acf6-2f34-4342-8dc0-80e23b0a5d48" in both

    added = tenderwatch(
        "saved-search",
        "add",
        "--name",
        "Striive, anything",
        "--email",
        "anna@example.nl",
        "--source",
        "striive",
        "--data-dir",
        data_dir,
        env=env,
    )
    assert added.returncode == 0, added.stderr
    assert "9 tenders indexed already match" in added.stderr
    assert len(search_ids(data_dir, "--source", "freep")) == 4
    added = tenderwatch(
        "saved-search",
        "add",
        "--name",
        "Freep, klimaat",
        "--email",
        "bram@example.nl",
        "--source",
        "freep",
        "--keyword",
        "klimaat",
        "--data-dir",
        data_dir,
        env=env,
    )
    assert added.returncode == 0, added.stderr

    striive.items.append(new_listing)
    freep.items.append(new_assignment)
    cycle()
    mails = sorted(
        path.read_text(encoding="utf-8", errors="replace")
        for path in (tmp_path / "data" / "mail").glob("*.eml")
    )
    assert len(mails) == 2
    (to_anna,) = [mail for mail in mails if "To: anna@example.nl" in mail]
    (to_bram,) = [mail for mail in mails if "To: bram@example.nl" in mail]
    assert "Beheerder Openbare Ruimte" in to_anna and re.search(r"je filters: .*Striive", to_anna)
    assert (
        "Beleidsmedewerker klimaat" in to_bram
        and "https://www.freep.nl/opdracht/beleidsmedewerker-klimaat" in to_bram
    )
    health = tenderwatch("health", "crawler", "--data-dir", data_dir, "--max-age", "3600")
    assert "striive: 10 open, last complete crawl" in health.stderr + health.stdout
