"""The flextender spider against the replica: real HTTP server, real `tenderwatch crawl`
processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.sources.flextender.replica import FlextenderReplica
from crawler.sources.flextender.replica.server import open_copy
from tests.sources.flextender.test_seed_listings import EXPECTED

OPEN_AT_SEED_TIME = ["28671", "30922", "31050"]
SEED_TIME = "2026-03-01T12:00:00+01:00"
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def replica():
    with FlextenderReplica() as site:
        yield site


class Crawler:
    """Runs `tenderwatch crawl flextender` against the replica with one data directory."""

    def __init__(self, site: FlextenderReplica, data_dir: Path) -> None:
        self.site, self.data_dir, self.runs = site, data_dir, 0

    def __call__(
        self, now: str = SEED_TIME, *, api_url: str | None = None
    ) -> tuple[int, list[dict], str]:
        self.runs += 1
        output = self.data_dir.parent / f"crawl-{self.runs}.jsonl"
        env = {
            **os.environ,
            "TENDERWATCH_NOW": now,
            "TENDERWATCH_AUTOTHROTTLE_START_DELAY": "0",
            "TENDERWATCH_RETRY_BACKOFF_BASE": "0.2",
            "TENDERWATCH_LOG_FORMAT": "json",
        }
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "tenderwatch.cli",
                "crawl",
                "flextender",
                "--base-url",
                self.site.url,
                "--api-url",
                api_url or self.site.url,
                "--output",
                str(output),
                "--data-dir",
                str(self.data_dir),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        lines = output.read_text(encoding="utf-8").splitlines() if output.exists() else []
        return result.returncode, [json.loads(line) for line in lines], result.stderr


@pytest.fixture
def crawl(replica, tmp_path):
    return Crawler(replica, tmp_path / "data")


def by_number(tenders: list[dict]) -> dict[str, dict]:
    return {tender["external_id"]: tender for tender in tenders}


def test_full_crawl_yields_every_open_listing_once_with_all_fields(crawl, replica, seed_tenders):
    code, tenders, stderr = crawl()
    assert code == 0, stderr
    assert sorted(tender["external_id"] for tender in tenders) == OPEN_AT_SEED_TIME
    for number, tender in by_number(tenders).items():
        expected = seed_tenders[number].model_dump(
            mode="json", exclude={"url", "fetched_at", "status", "fields_of_work", "content_hash"}
        )
        actual = {key: value for key, value in tender.items() if key in expected}
        assert actual == expected, number
        assert tender["status"] == "open"
        assert tender["url"] == f"{replica.url}/opdracht/?aanvraagnr={number}"
        assert tender["fields_of_work"] == ["Sociaal domein"]  # from the API job
        assert tender["title"] == EXPECTED[number]["title"]
    assert replica.requests_to("/robots.txt") == 1
    assert '"list_source": "api"' in stderr


def test_unchanged_site_recrawled_writes_nothing_and_fetches_no_detail_page(crawl, replica):
    assert crawl()[0] == 0
    details_before = replica.requests_to("/opdracht/")
    code, tenders, stderr = crawl()
    assert (code, tenders) == (0, [])
    assert replica.requests_to("/opdracht/") == details_before


def test_an_expired_page_yields_status_expired(crawl, replica):
    replica.expired.add("31050")  # still in the list, but its page shows the expired notice
    code, tenders, _ = crawl()
    assert code == 0
    assert {number: tender["status"] for number, tender in by_number(tenders).items()} == {
        "28671": "open",
        "30922": "open",
        "31050": "expired",
    }


def test_listings_removed_between_two_crawls_are_reported_closed(crawl, replica):
    assert crawl()[0] == 0
    replica.pages.update({"40001": open_copy(40001), "40002": open_copy(40002)})
    replica.listed = ["40001", "40002"]  # two new ones: the list did not shrink by more than half
    replica.expired.add("28671")  # page now shows the expired notice → expired
    del replica.pages["31050"]  # page gone (404) → withdrawn, from the last record
    # 30922: page unchanged, deadline in the future → withdrawn
    code, tenders, stderr = crawl()
    assert code == 0, stderr
    assert {number: tender["status"] for number, tender in by_number(tenders).items()} == {
        "28671": "expired",
        "30922": "withdrawn",
        "31050": "withdrawn",
        "40001": "open",
        "40002": "open",
    }
    assert by_number(tenders)["31050"]["title"] == "Coördinator Sectorale Aanpak"
    assert crawl()[1] == []  # reported once


def test_an_empty_list_closes_nothing_and_fails_the_crawl(crawl, replica):
    """The shared rule of `crawler.closing.judge_list`: an empty answer is not believed."""
    assert crawl()[0] == 0
    replica.listed = []
    code, tenders, stderr = crawl()
    assert code == 4 and tenders == []
    assert "the list is empty" in stderr


def test_a_passed_deadline_expires_a_listing_still_in_the_list(crawl):
    assert crawl()[0] == 0
    code, tenders, _ = crawl(now="2026-04-07T09:00:00+02:00")  # 28671 closes at this very moment
    assert code == 0
    assert {number: tender["status"] for number, tender in by_number(tenders).items()} == {
        "28671": "expired"
    }


def test_api_failure_falls_back_to_the_listing_page(crawl, replica):
    replica.api_status = 502
    code, tenders, stderr = crawl()
    assert code == 0, stderr
    assert sorted(by_number(tenders)) == OPEN_AT_SEED_TIME
    assert replica.requests_to("/wp-admin/admin-ajax.php") == 1
    assert replica.requests_to("/v1/getjobs") == 4  # one try and three retries
    assert '"list_source": "listing"' in stderr
    assert all(
        tender["fields_of_work"] == [] for tender in tenders
    )  # cards carry no fields of work


def test_transient_errors_are_retried_with_backoff(crawl, replica):
    replica.fail_next("/opdracht/", times=2, status=503)
    code, tenders, stderr = crawl()
    assert code == 0, stderr
    assert sorted(by_number(tenders)) == OPEN_AT_SEED_TIME
    assert replica.requests_to("/opdracht/") == 5
    assert '"retry_backoff_s"' in stderr


def test_changed_layout_is_reported_and_emits_nothing(crawl, replica):
    replica.layout_changed = True
    code, tenders, stderr = crawl()
    assert code == 3
    assert tenders == []
    assert "page_not_recognised_layout_changed" in stderr


def test_no_list_at_all_exits_4(crawl, replica):
    replica.api_status = 500
    replica.fail_next("/opdrachten/", times=10, status=500)
    code, tenders, stderr = crawl()
    assert code == 4 and tenders == []
    assert "listing_unavailable" in stderr


def test_scrapy_crawl_from_the_repo_root(replica, tmp_path):
    env = {
        **os.environ,
        "TENDERWATCH_NOW": SEED_TIME,
        "TENDERWATCH_DATA_DIR": str(tmp_path),
        "TENDERWATCH_FLEXTENDER_BASE_URL": replica.url,
        "TENDERWATCH_FLEXTENDER_API_URL": replica.url,
        "TENDERWATCH_AUTOTHROTTLE_START_DELAY": "0",
    }
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "flextender", "-s", "LOG_LEVEL=WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (
        sorted(json.loads(line)["external_id"] for line in result.stdout.splitlines())
        == OPEN_AT_SEED_TIME
    )
