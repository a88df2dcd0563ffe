"""What one crawl of one source came to, as the crawl child reports it (`crawl --summary-file`)
and `run` and `crawl all` show it: one row per source (ok or failed with the reason in words,
how long it took, what it found)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from tenderwatch.tables import table


@dataclass(frozen=True)
class SourceSummary:
    source: str
    exit_code: int
    seconds: float
    found: int = 0
    new: int = 0
    changed: int = 0
    closed: int = 0
    unchanged: int = 0
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def line(self) -> str:
        """One line for the end of a source's crawl."""
        if not self.ok:
            return (
                f"{self.source}: failed after {self.seconds:.1f} s: "
                f"{self.failure or f'exit {self.exit_code}'}"
            )
        return (
            f"{self.source}: ok in {self.seconds:.1f} s: {self.found} listed, {self.new} new, "
            f"{self.changed} "
            f"changed, {self.closed} closed, {self.unchanged} unchanged"
        )

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)), encoding="utf-8")

    @classmethod
    def read(cls, path: Path, source: str, exit_code: int, seconds: float) -> SourceSummary:
        """The summary a crawl child wrote; a child that died before writing it is a failure
        described by its exit code."""
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return cls(
                source,
                exit_code,
                seconds,
                failure=f"the crawl ended with exit code {exit_code} before it "
                "could report (see the log above)",
            )


def summary_table(summaries: list[SourceSummary]) -> str:
    rows = [
        [
            summary.source,
            "ok" if summary.ok else "FAILED",
            f"{summary.seconds:.1f} s",
            str(summary.found),
            str(summary.new),
            str(summary.changed),
            str(summary.closed),
            summary.failure or "",
        ]
        for summary in summaries
    ]
    return table(
        ["source", "result", "took", "listed", "new", "changed", "closed", "reason"],
        rows,
        right=frozenset({2, 3, 4, 5, 6}),
    )
