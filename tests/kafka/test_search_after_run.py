"""`tenderwatch search` after `tenderwatch run --once` against the replica: every filter alone
and combined, through the real command line, on the embedded broker and store."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from crawler.sources.flextender.replica import FlextenderReplica

SEED_TIME = "2026-03-01T12:00:00+01:00"


def tenderwatch(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tenderwatch.cli", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """Two cycles: first all five listings were listed and open (27001's deadline had passed
    already); then the replica as the seeds show it, 30498 expired and gone from the list."""
    directory = tmp_path_factory.mktemp("run")
    env = {
        "TENDERWATCH_NOW": SEED_TIME,
        "TENDERWATCH_AUTOTHROTTLE_START_DELAY": "0",
        "TENDERWATCH_LOG_FORMAT": "json",
    }
    with FlextenderReplica() as site:
        expired_in_seeds = set(site.expired)
        site.expired, site.listed = set(), sorted(site.pages)
        for cycle in (1, 2):
            if cycle == 2:
                site.expired = expired_in_seeds
                site.listed = [
                    number for number in sorted(site.pages) if number not in expired_in_seeds
                ]
            result = tenderwatch(
                "run",
                "--once",
                "--base-url",
                site.url,
                "--api-url",
                site.url,
                "--data-dir",
                str(directory),
                env=env,
            )
            assert result.returncode == 0, result.stderr[-3000:]
    return directory


def search(data_dir, *args: str) -> list[str]:
    result = tenderwatch("search", "--data-dir", str(data_dir), "--json", *args)
    assert result.returncode == 0, result.stderr
    return [tender["external_id"] for tender in json.loads(result.stdout)]


CASES = [
    ((), ["28671", "30922", "31050"]),
    (("--status", "all"), ["27001", "28671", "30498", "30922", "31050"]),
    (("--status", "expired"), ["27001", "30498"]),
    (("--status", "withdrawn"), []),
    (("--region", "Drenthe", "--status", "all"), ["30498"]),
    (("--region", "gelderland", "--region", "Drenthe", "--status", "all"), ["27001", "30498"]),
    (("--pay-scale-min", "12"), ["31050"]),
    (("--pay-scale-max", "10"), ["28671"]),
    (
        ("--pay-scale-min", "11", "--pay-scale-max", "12", "--status", "all"),
        ["30498", "30922", "31050"],
    ),
    (("--hours-min", "20"), ["28671"]),
    (("--hours-max", "16"), ["28671", "31050"]),
    (("--deadline-after", "2026-07-08"), ["30922", "31050"]),
    (("--deadline-before", "2026-07-08"), ["28671", "30922"]),
    (("--keyword", "coordinator"), ["31050"]),
    (("--keyword", "procesregisseurs jeugdhulp", "--status", "all"), ["30498"]),
    (("--education-level", "WO"), ["31050"]),
    (("--das",), ["28671", "31050"]),
    (("--no-das",), ["30922"]),
    (("--zzp", "--status", "all"), ["30498", "30922"]),
    (("--no-zzp", "--status", "all"), ["27001"]),
    (("--client", "zwolle"), ["30922", "31050"]),
    (("--region", "overijssel", "--pay-scale-min", "11", "--das"), ["31050"]),
    (
        ("--keyword", "procesregisseur", "--region", "Overijssel", "--hours-max", "40"),
        [],
    ),  # 30922 has no hours
    (("--limit", "1", "--offset", "1"), ["30922"]),
]


@pytest.mark.parametrize(
    ("args", "expected"), CASES, ids=[" ".join(args) or "default" for args, _ in CASES]
)
def test_filter(data_dir, args, expected):
    assert search(data_dir, *args) == expected


def test_expired_tender_kept_its_content(data_dir):
    result = tenderwatch(
        "search",
        "--data-dir",
        str(data_dir),
        "--json",
        "--status",
        "expired",
        "--region",
        "Drenthe",
    )
    [tender] = json.loads(result.stdout)
    assert (
        tender["title"] == "Procesregisseur lichte vormen van jeugdhulp"
        and tender["fee_per_hour"] == 2.25
    )


def test_table_for_people(data_dir):
    result = tenderwatch("search", "--data-dir", str(data_dir), "--keyword", "hotspot")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["deadline", "status", "region"]
    assert (
        "2026-04-07 09:00" in lines[1] and "Procesbegeleider Periodieke Hotspot-monitor" in lines[1]
    )
    assert "1 of 1 tender" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("--deadline-after", "31-12-2026"),
        ("--status", "gone"),
        ("--pay-scale-min", "40"),
        ("--hours-min", "30", "--hours-max", "20"),
        ("--frobnicate",),
    ],
)
def test_bad_input_is_one_line_and_exit_2(data_dir, args):
    result = tenderwatch("search", "--data-dir", str(data_dir), *args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error:") and result.stderr.count("\n") == 1
