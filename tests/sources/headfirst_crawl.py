"""Running `tenderwatch crawl SOURCE` against a source's replica, for the spider tests: a real
subprocess, a real HTTP server, a real SQLite state."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

from crawler.sources import SOURCES

NOW = "2026-09-01T12:00:00+02:00"  # every replica listing is open then


class Crawler:
    def __init__(self, source: str, host_variable: str, site, data_dir: Path) -> None:
        self.source, self.host_variable, self.site, self.data_dir, self.runs = (
            source,
            host_variable,
            site,
            data_dir,
            0,
        )

    def __call__(self, now: str = NOW) -> tuple[int, list[dict], str]:
        self.runs += 1
        output = self.data_dir.parent / f"{self.source}-{self.runs}.jsonl"
        env = {
            **os.environ,
            "TENDERWATCH_NOW": now,
            "TENDERWATCH_AUTOTHROTTLE_START_DELAY": "0",
            "TENDERWATCH_RETRY_BACKOFF_BASE": "0.05",
            "TENDERWATCH_LOG_FORMAT": "json",
            self.host_variable: self.site.url,
            **SOURCES[self.source].replica_variables(self.site.url),  # its knobs for a replica too
        }
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "tenderwatch.cli",
                "crawl",
                self.source,
                "--output",
                str(output),
                "--data-dir",
                str(self.data_dir),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        tenders = (
            [json.loads(line) for line in output.read_text().splitlines()]
            if output.exists()
            else []
        )
        return result.returncode, tenders, result.stderr

    def status(self) -> dict:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "tenderwatch.cli",
                "sources",
                "--json",
                "--data-dir",
                str(self.data_dir),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        return {row["source"]: row for row in json.loads(result.stdout)}[self.source]


def many_items(site, count: int) -> list[dict]:
    """`count` listings: copies of the replica's first item under new ids (a list long enough to
    page)."""
    template = site.items[0]
    made = []
    for number in range(count):
        item = copy.deepcopy(template)
        item["id"] = f"00000000-0000-4000-8000-{number:012d}"
        item["title"] = f"{template['title']} {number}"
        item["brokerUrl"] = None
        made.append(item)
    return made


def events(tenders: list[dict], status: str) -> list[str]:
    return sorted(tender["id"] for tender in tenders if tender["status"] == status)
