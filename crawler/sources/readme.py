"""The README's parts that list sources, written from the registry: the sources table, the
sources' settings and the replica example's exports. `python -m crawler.sources` rewrites
them in README.md; a test fails while the README differs from what this writes."""

from __future__ import annotations

import re

from crawler.sources import SOURCES

FIRST_REPLICA_PORT = (
    8808  # `tenderwatch replica --port 8808`: the sources take the ports from it on
)
DEMO_CLOCK = "2026-03-01T12:00:00+01:00"


def sources_table() -> str:
    rows = [
        f"| `{name}` | {source.label}: {source.covers} | {source.reading} | {source.closing} |"
        for name, source in SOURCES.items()
    ]
    return "\n".join(
        [
            "| source | what it covers | how it is read | how closing is detected |",
            "|---|---|---|---|",
            *rows,
        ]
    )


def settings_table() -> str:
    rows = [
        f"| `{setting.variable}` | `{setting.default}` | {setting.description} |"
        for source in SOURCES.values()
        for setting in source.settings
    ]
    return "\n".join(["| variable | default | meaning |", "|---|---|---|", *rows])


def replica_example() -> str:
    exports = []
    for index, source in enumerate(SOURCES.values()):
        url = f"http://127.0.0.1:{FIRST_REPLICA_PORT + index}"
        exports.append(
            "export "
            + " ".join(f"{name}={value}" for name, value in source.replica_variables(url).items())
        )
    return "\n".join(
        [
            "```bash",
            f"export TENDERWATCH_NOW={DEMO_CLOCK}   # when the replica's listings were open",
            *exports,
            "tenderwatch run --once --data-dir ./replica-data",
            "tenderwatch search --data-dir ./replica-data --limit 50               # every open "
            "assignment, once",
            "tenderwatch search --data-dir ./replica-data --keyword procesregisseur   # one of "
            "them",
            "tenderwatch search --data-dir ./replica-data --source striive --region Zuid-Holland",
            "```",
        ]
    )


PARTS = {
    "sources-table": sources_table,
    "sources-settings": settings_table,
    "replica-example": replica_example,
}


def with_generated_parts(readme: str) -> str:
    """`readme` with every generated part (between `<!-- NAME: ... -->` and `<!-- /NAME -->`)
    written anew."""
    for name, write in PARTS.items():
        pattern = re.compile(rf"(<!-- {name}:[^>]*-->\n).*?(<!-- /{name} -->)", re.DOTALL)
        if not pattern.search(readme):
            raise ValueError(f"the README has no <!-- {name}: ... --> ... <!-- /{name} --> part")
        readme = pattern.sub(lambda found: found.group(1) + write() + "\n" + found.group(2), readme)
    return readme
