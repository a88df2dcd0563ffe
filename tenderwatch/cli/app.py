"""`tenderwatch`: the command group, its entry point and what every command shares: the
settings (environment, then options), the one-line error rule and the data-directory option.
The commands live beside it, one module per group of commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from tenderwatch.common.settings import Settings


class BadValues(click.UsageError):
    """Every bad option and variable of one command, each a line of its own (exit 2)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def validation_problems(exc, name_of) -> list[str]:
    """One line per error of a pydantic `ValidationError`: `name_of(field)` names the option or
    variable, then pydantic's reason without its "Value error, " prefix."""
    problems = []
    for error in exc.errors():
        reason = error["msg"].removeprefix("Value error, ")
        problems.append(f"{name_of(str(error['loc'][0]))}: {reason}" if error["loc"] else reason)
    return problems


def load_settings(**overrides) -> Settings:
    """The settings (with every source's own, `CrawlerSettings`): TENDERWATCH_* variables,
    overridden by the options given. Every bad value,
    in the environment or an option, is named at once, each on a line (a usage error)."""
    from pydantic import ValidationError

    from crawler.settings import CrawlerSettings

    updates = {key: value for key, value in overrides.items() if value is not None}
    problems = _source_problems(os.environ.get("TENDERWATCH_SOURCES", "all"))
    try:
        settings = CrawlerSettings(**updates)
    except ValidationError as exc:
        problems = (
            validation_problems(
                exc,
                lambda field: (
                    "--" + field.replace("_", "-")
                    if field in updates
                    else f"TENDERWATCH_{field.upper()}"
                ),
            )
            + problems
        )
        raise BadValues(problems) from None
    if problems:
        raise BadValues(problems)
    return settings


def environment_problems() -> list[str]:
    """What is wrong with the TENDERWATCH_* variables alone (named with the options' errors)."""
    try:
        load_settings()
    except BadValues as exc:
        return exc.problems
    return []


def _source_problems(sources: str) -> list[str]:
    from crawler.sources import enabled

    try:
        enabled(sources)
    except ValueError as exc:
        return [f"TENDERWATCH_SOURCES: {exc}"]
    return []


class CheckedCommand(click.Command):
    """A command that names every bad option at once (click stops at the first), and the bad
    TENDERWATCH_* variables with them, before it runs."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        problems: list[str] = ctx.meta.setdefault(_PROBLEMS, [])
        for param in self.get_params(ctx):
            if "process_value" not in vars(param):
                param.process_value = _collecting(param, param.process_value)
        remaining = super().parse_args(ctx, args)
        if problems:
            raise BadValues(problems + environment_problems())
        return remaining


_PROBLEMS = "tenderwatch.bad_values"


def _collecting(param: click.Parameter, process_value):
    """`process_value` of `param` that records a bad value in the context instead of stopping."""

    def process(ctx: click.Context, value):
        try:
            return process_value(ctx, value)
        except click.BadParameter as exc:
            if exc.param is None:
                exc.param = param
            ctx.meta.setdefault(_PROBLEMS, []).append(exc.format_message())
            return None

    return process


class CheckedGroup(click.Group):
    command_class = CheckedCommand


CheckedGroup.group_class = CheckedGroup


def main() -> None:
    """Entry point: usage errors (unknown option, bad date, bad value) become one line and exit 2.
    Every file and folder tenderwatch makes is private to its user (umask 077): the data
    directory holds accounts, saved searches and mail."""
    os.umask(0o077)
    try:
        cli.main(standalone_mode=False)
    except BadValues as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        sys.exit(2)
    except click.UsageError as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        sys.exit(130)


@click.group(
    cls=CheckedGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="tenderwatch")
def cli() -> None:
    """tenderwatch: crawls Dutch public-sector freelance assignments (inhuuropdrachten) and
    normalises them into one Tender model.

    Settings come from TENDERWATCH_* environment variables (see README); options override them.
    """


DATA_DIR_OPTION = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where saved searches and alerts live (alerts.sqlite3). Env: TENDERWATCH_DATA_DIR. "
    "[default: ./.tenderwatch]",
)
