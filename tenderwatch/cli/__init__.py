"""The command line: `tenderwatch` (entry point `main`). Importing the command modules
registers their commands on the group."""

from tenderwatch.cli import alerting, benchmarking, crawling, operating, searching  # noqa: F401  (registration)
from tenderwatch.cli.app import cli, main

__all__ = ["cli", "main"]
