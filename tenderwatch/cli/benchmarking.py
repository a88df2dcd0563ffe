"""`tenderwatch bench`."""

from __future__ import annotations

import json

import click

from tenderwatch.cli.app import cli
from tenderwatch.common.logs import configure_logging


@cli.command()
@click.option("--quick", is_flag=True, help="Smaller sizes: under a minute, the same figures.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object (keys listed in BENCHMARKS.md)."
)
def bench(quick: bool, as_json: bool) -> None:
    """Run every benchmark (parsing, events through the embedded broker, indexing and search,
    alert matching and end-to-end alert latency) and print each figure next to its goal.

    A full run takes about 20 minutes on 2 cores (filling and querying a store of 100,000
    tenders is most of it); --quick about 40 seconds. Figures of a full run: BENCHMARKS.md.
    """
    try:
        from tenderwatch.benchmarks.suite import run_all, table
    except ImportError as exc:  # the Docker image leaves the benchmarks out (.dockerignore)
        raise click.ClickException(
            f"the benchmarks are not installed here ({exc}): run them from a source "
            "checkout with `pip install -e .`"
        ) from None

    configure_logging("json", "ERROR")
    figures = run_all(quick, progress=lambda step: click.echo(f"bench: {step}", err=True))
    click.echo(json.dumps(figures) if as_json else table(figures))
