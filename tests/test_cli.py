"""The command line as a user runs it."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from crawler.sources import SOURCES
from crawler.sources.flextender.replica.server import bundled_pages


def tenderwatch(
    *args: str, stdin: bytes | None = None, env: dict | None = None, cwd=None
) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-m", "tenderwatch.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


def test_parse_a_saved_page(tmp_path):
    page = tmp_path / "31050.html"
    page.write_text(bundled_pages()["31050"], encoding="utf-8")
    result = tenderwatch("parse", str(page), env={"TENDERWATCH_NOW": "2026-03-01T00:00:00+01:00"})
    assert result.returncode == 0, result.stderr
    tender = json.loads(result.stdout)
    assert tender["id"] == "flextender:31050" and tender["status"] == "open"
    assert tender["start"] == {"date": None, "precision": None, "asap": True}


def test_parse_from_stdin():
    result = tenderwatch("parse", "-", stdin=bundled_pages()["30498"].encode())
    assert result.returncode == 0
    assert json.loads(result.stdout)["status"] == "expired"


@pytest.mark.parametrize(
    "body", [b"", b"<html><body>Pagina niet gevonden</body></html>", b"\xff\xfe garbage", b"{}"]
)
def test_parse_refuses_what_is_not_a_listing_with_one_line(body):
    result = tenderwatch("parse", "-", stdin=body)
    assert result.returncode == 2
    assert result.stdout == b""
    message = result.stderr.decode().strip()
    assert message.startswith("error:") and "\n" not in message and "Traceback" not in message


def test_parse_a_missing_file():
    result = tenderwatch("parse", "/no/such/page.html")
    assert result.returncode == 2 and b"cannot read" in result.stderr


def test_help_explains_every_command():
    result = tenderwatch("--help")
    assert result.returncode == 0
    for command in (b"crawl", b"parse", b"demo", b"replica", b"run", b"setup", b"consume"):
        assert command in result.stdout
    crawl_help = tenderwatch("crawl", "--help").stdout
    for option in (
        b"--base-url",
        b"--api-url",
        b"--output",
        b"--data-dir",
        b"TENDERWATCH_FLEXTENDER_BASE_URL",
    ):
        assert option in crawl_help


def test_unknown_source_is_refused():
    result = tenderwatch("crawl", "monsterboard")
    assert (
        result.returncode == 2 and b"Invalid value" in result.stderr and b"striive" in result.stderr
    )


def test_demo_crawls_every_source_offline_and_keeps_its_data_to_search(tmp_path):
    result = tenderwatch("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.decode().splitlines()
    assert header.split()[:3] == ["source", "last", "event"] and "title" in header
    by_source = {
        source: sum(1 for line in lines if line.split()[0] == source) for source in SOURCES
    }
    assert all(by_source.values()), by_source  # every registered source's replica answered
    assert by_source["flextender"] == 3  # of its five real listings, the open ones
    events = [line.split()[1] for line in lines]
    # Some listings were updated after their publication: another listing of their assignment
    # appeared in a later source's crawl. Two listings of one assignment in the same crawl are
    # each published once, already grouped: a crawl settles assignments once.
    assert (
        {"tender.published", "tender.updated"}
        <= set(events)
        <= {
            "tender.published",
            "tender.updated",
            "tender.expired",  # a listing first seen closed (a sitemap keeps closed pages)
        }
    )
    assert events.count("tender.updated") >= 4
    received = int(re.search(rb"(\d+) tenders received by the consumers", result.stderr).group(1))
    assert received == len(lines) == sum(by_source.values())
    assert (
        b"5 real listings, 3 open and 2 closed" in result.stderr
    )  # why three of Flextender's five
    assert b"tenderwatch search --data-dir .tenderwatch-demo" in result.stderr
    assert b"tenderwatch serve --data-dir .tenderwatch-demo" in result.stderr
    assert b"Warning" not in result.stderr and b"deprecated" not in result.stderr
    searched = tenderwatch(
        "search", "--data-dir", ".tenderwatch-demo", "--limit", "100", cwd=tmp_path
    )
    assert searched.returncode == 0, searched.stderr
    shown, total = map(int, re.search(rb"(\d+) of (\d+) tenders", searched.stderr).groups())
    assert shown == total < received  # one hit per assignment: fewer than the listings
    assert len(re.findall(r"flextender:\d+", searched.stdout.decode())) == 3
