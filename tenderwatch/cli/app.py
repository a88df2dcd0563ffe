"""`tenderwatch`: the command group, its entry point and what every command shares: the
settings (environment, then options), the one-line error rule and the data-directory option.
The commands live beside it, one module per group of commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from common.settings import Settings


def load_settings(**overrides) -> Settings:
    """The settings: TENDERWATCH_* variables, overridden by the options given. A bad value in the
    environment is a usage error naming the variable, like a bad option."""
    from pydantic import ValidationError

    updates = {key: value for key, value in overrides.items() if value is not None}
    try:
        settings = Settings(**updates)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        source = "--" + field.replace("_", "-") if field in updates else f"TENDERWATCH_{field.upper()}"
        raise click.UsageError(f"{source}: {error['msg'].removeprefix('Value error, ')}") from None
    _check_sources(settings.sources)
    return settings


def _check_sources(sources: str) -> None:
    from crawler.sources import enabled

    try:
        enabled(sources)
    except ValueError as exc:
        raise click.UsageError(f"TENDERWATCH_SOURCES: {exc}") from None


def main() -> None:
    """Entry point: usage errors (unknown option, bad date, bad value) become one line and exit 2."""
    try:
        cli.main(standalone_mode=False)
    except click.UsageError as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        sys.exit(130)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="tenderwatch")
def cli() -> None:
    """tenderwatch: crawls Dutch public-sector freelance assignments (inhuuropdrachten) and
    normalises them into one Tender model.

    Settings come from TENDERWATCH_* environment variables (see README); options override them.
    """


DATA_DIR_OPTION = click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path),
    help="Where saved searches and alerts live (alerts.sqlite3). Env: TENDERWATCH_DATA_DIR. [default: ./.tenderwatch]")
