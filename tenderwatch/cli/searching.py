"""`tenderwatch search` and the filter options it shares with `saved-search add`."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.sources import SOURCES
from schemas.search import SearchFilter
from schemas.search_query import CLOSING, CLOSING_DAYS, TERM_OF_FIELD, TERMS, Term, kind_of
from tenderwatch.cli.app import BadValues, cli, load_settings, validation_problems
from tenderwatch.common.logs import configure_logging
from tenderwatch.common.settings import Settings
from tenderwatch.tables import table


def _date_option(_ctx, param, value: str | None):
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-07-31", param=param) from None


def _region_option(_ctx, param, values: tuple[str, ...]):
    """Each --region a province (Dutch or English, any case): anything else could never match."""
    from schemas.provinces import province_named, unknown_province_message

    unknown = [unknown_province_message(value) for value in values if province_named(value) is None]
    if unknown:
        raise click.BadParameter("; ".join(unknown), param=param)
    return values


def term_option(term: Term):
    """The click option of one term of the search vocabulary, from its `SearchFilter` field:
    a repeated option for a tuple, --x/--no-x for yes/no, a bounded number, a date, a choice."""
    kind, detail = kind_of(term.field)
    names = [f"--{term.option}", term.field]
    if kind == "many":
        choices = {"sources": click.Choice(list(SOURCES), case_sensitive=False)}.get(term.field)
        return click.option(
            *names,
            multiple=True,
            type=choices,
            help=term.help,
            callback=_region_option if term.field == "regions" else None,
        )
    if kind == "yes_no":
        return click.option(
            f"--{term.option}/--no-{term.option}", term.field, default=None, help=term.help
        )
    if kind == "number":
        return click.option(*names, type=click.IntRange(*detail), help=term.help)
    if kind == "date":
        return click.option(*names, callback=_date_option, metavar="DATE", help=term.help)
    if kind == "choice":
        default = SearchFilter.model_fields[term.field].default
        return click.option(
            *names,
            type=click.Choice(list(detail), case_sensitive=False),
            default=default,
            show_default=default is not None,
            help=term.help,
        )
    return click.option(*names, help=term.help)


FILTER_OPTIONS = [
    *(term_option(term) for term in TERMS),
    click.option(
        f"--{CLOSING.option}",
        "closing_within",
        type=click.IntRange(*CLOSING_DAYS),
        metavar="DAYS",
        help=CLOSING.help,
    ),
]


def filter_options(command):
    """The search filter's options, one per term of `schemas.search_query`, shared by `search`
    and `saved-search add`."""
    for option in reversed(FILTER_OPTIONS):
        command = option(command)
    return command


def search_filter_of(options: dict, today=None):
    """The `SearchFilter` of the filter options (taken out of `options`); a bad combination is
    a usage error. `today`: the Amsterdam date --closing-within counts from."""
    from datetime import timedelta

    from pydantic import ValidationError

    values = {term.field: options.pop(term.field) for term in TERMS}
    closing = options.pop("closing_within")
    values = {
        field: tuple(value) if isinstance(value, tuple | list) else value
        for field, value in values.items()
        if value is not None
    }
    if closing is not None:
        if values.get("deadline_after") or values.get("deadline_before"):
            raise click.UsageError(
                f"--{CLOSING.option} sets the deadline dates: give it or "
                "--deadline-after/--deadline-before, not both"
            )
        values["deadline_after"], values["deadline_before"] = today, today + timedelta(days=closing)
    if "education_level" in values:
        values["education_level"] = values["education_level"].upper()
    try:
        return SearchFilter(**values)
    except ValidationError as exc:
        raise BadValues(validation_problems(exc, _option_name)) from None


def _option_name(field: str) -> str:
    """The option that sets a `SearchFilter` field."""
    return "--" + (
        TERM_OF_FIELD[field].option if field in TERM_OF_FIELD else field.replace("_", "-")
    )


@cli.command()
@filter_options
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(0, 100_000), default=0, show_default=True)
@click.option(
    "--all-listings",
    is_flag=True,
    help="Every listing; by default an assignment listed on several platforms is one hit (see "
    "'also on').",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print a JSON array of Tender objects (with assignment_id and also_on).",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the embedded store lives. Env: TENDERWATCH_DATA_DIR.",
)
def search(limit, offset, all_listings, as_json, data_dir, **filters) -> None:
    """Search the tenders that `run` indexed: Elasticsearch when TENDERWATCH_ELASTICSEARCH_URL
    is set, otherwise the embedded store in the data directory.

    Without --keyword results are sorted by deadline (soonest first), with one by relevance.
    Ranges (pay scale, hours) match when they overlap; dates are Amsterdam calendar days, inclusive.
    One assignment listed on several platforms is one hit: its best placed listing, with the
    platforms it is also on (--all-listings shows each listing).
    """
    from consumers.store.base import StoreUnavailable
    from consumers.store.factory import open_store
    from schemas.search import SearchPage

    settings = load_settings(data_dir=data_dir)
    configure_logging(settings.log_format, "WARNING")
    criteria = search_filter_of(filters, today=settings.today())
    _require_embedded_store(settings)
    store = open_store(settings)
    try:
        store.setup()
        result = store.search(
            criteria, SearchPage(limit=limit, offset=offset, all_listings=all_listings)
        )
    except StoreUnavailable as exc:
        raise click.ClickException(f"the {store.name} store is unavailable: {exc}") from exc
    finally:
        store.close()
    if as_json:
        click.echo("[" + ",".join(tender.model_dump_json() for tender in result.tenders) + "]")
        return
    _print_table(result)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _require_embedded_store(settings: Settings) -> None:
    """On the embedded default, refuse to search (and create) a store that was never filled."""
    from consumers.store.embedded import STORE_FILE
    from consumers.store.factory import store_exists

    if not store_exists(settings):
        raise click.ClickException(
            f"nothing has been indexed in {settings.data_dir} (no {STORE_FILE}): run `tenderwatch "
            "run` or "
            "`tenderwatch demo` first, or point --data-dir (TENDERWATCH_DATA_DIR) at the data "
            "directory they used"
        )


def _print_table(result) -> None:
    from schemas.zone import AMSTERDAM

    rows = []
    for tender in result.tenders:
        hours = tender.hours_per_week
        rows.append(
            [
                tender.deadline.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M")
                if tender.deadline
                else "-",
                tender.status,
                tender.region or "-",
                tender.pay_scale.label if tender.pay_scale else "-",
                "-"
                if hours is None
                else str(hours.min)
                if hours.min == hours.max
                else f"{hours.min}-{hours.max}",
                tender.source,
                _shorten(tender.title, 60),
                tender.id,
            ]
        )
        if tender.also_on:
            rows.append(
                [
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "also on: " + ", ".join(listing.source for listing in tender.also_on),
                    ", ".join(listing.url for listing in tender.also_on),
                ]
            )
    click.echo(
        table(["deadline", "status", "region", "scale", "hours", "source", "title", "id"], rows)
    )
    shown = len(result.tenders)
    click.echo(f"{shown} of {result.total} tender{'s' if result.total != 1 else ''}", err=True)
