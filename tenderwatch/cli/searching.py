"""`tenderwatch search` and the filter options it shares with `saved-search add`."""

from __future__ import annotations

from pathlib import Path

import click

from common.logs import configure_logging
from common.settings import Settings
from crawler.sources import SOURCES
from tenderwatch.cli.app import BadValues, cli, load_settings, validation_problems
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


FILTER_OPTIONS = [
    click.option("--keyword", help="Words that must all occur (Dutch stemming: 'projectleiders' finds 'projectleider')."),
    click.option("--region", "regions", multiple=True, callback=_region_option,
                 help="Province, in Dutch or English, any case (Overijssel, north holland); repeat for several."),
    click.option("--pay-scale-min", type=click.IntRange(1, 18), help="Lowest pay scale (functieschaal) wanted."),
    click.option("--pay-scale-max", type=click.IntRange(1, 18), help="Highest pay scale wanted."),
    click.option("--hours-min", type=click.IntRange(0, 168), help="Fewest hours per week wanted."),
    click.option("--hours-max", type=click.IntRange(0, 168), help="Most hours per week wanted."),
    click.option("--deadline-after", callback=_date_option, metavar="DATE", help="Closing on or after this date (YYYY-MM-DD, Amsterdam)."),
    click.option("--deadline-before", callback=_date_option, metavar="DATE", help="Closing on or before this date."),
    click.option("--education-level", type=click.Choice(["MBO", "HBO", "WO"], case_sensitive=False),
                 help="Education level asked (any case)."),
    click.option("--client", help="Client organisation, exactly (any case)."),
    click.option("--source", "sources", multiple=True, type=click.Choice(list(SOURCES), case_sensitive=False),
                 help="Only listings of this platform; repeat for several."),
    click.option("--das/--no-das", default=None, help="Only DAS assignments / only others."),
    click.option("--zzp/--no-zzp", "zzp_allowed", default=None, help="Only those open to / closed to solo freelancers."),
]
FILTER_KEYS = ("keyword", "regions", "pay_scale_min", "pay_scale_max", "hours_min", "hours_max", "deadline_after",
               "deadline_before", "education_level", "client", "das", "zzp_allowed", "sources")


def filter_options(command):
    """The search filter's options, shared by `search` and `saved-search add`."""
    for option in reversed(FILTER_OPTIONS):
        command = option(command)
    return command


def search_filter_of(options: dict, **extra):
    """The `SearchFilter` of the filter options; a bad combination is a usage error."""
    from pydantic import ValidationError

    from schemas.search import SearchFilter

    values = {key: options.pop(key) for key in FILTER_KEYS}
    values["regions"] = tuple(values["regions"])
    values["sources"] = tuple(values["sources"])
    try:
        return SearchFilter(**values, **extra)
    except ValidationError as exc:
        raise BadValues(validation_problems(exc, _option_name)) from None


def _option_name(field: str) -> str:
    """The option that sets a `SearchFilter` field."""
    return "--" + {"regions": "region", "sources": "source", "zzp_allowed": "zzp"}.get(field, field).replace("_", "-")


@cli.command()
@filter_options
@click.option("--status", type=click.Choice(["open", "expired", "withdrawn", "all"]), default="open", show_default=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(0, 100_000), default=0, show_default=True)
@click.option("--all-listings", is_flag=True,
              help="Every listing; by default an assignment listed on several platforms is one hit (see 'also on').")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON array of Tender objects (with assignment_id and also_on).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help="Where the embedded store lives. Env: TENDERWATCH_DATA_DIR.")
def search(status, limit, offset, all_listings, as_json, data_dir, **filters) -> None:
    """Search the tenders that `run` indexed: Elasticsearch when TENDERWATCH_ELASTICSEARCH_URL
    is set, otherwise the embedded store in the data directory.

    Without --keyword results are sorted by deadline (soonest first), with one by relevance.
    Ranges (pay scale, hours) match when they overlap; dates are Amsterdam calendar days, inclusive.
    One assignment listed on several platforms is one hit: its best placed listing, with the
    platforms it is also on (--all-listings shows each listing).
    """
    from consumers.indexer import open_store
    from consumers.store.base import StoreUnavailable
    from schemas.search import SearchPage

    settings = load_settings(data_dir=data_dir)
    configure_logging(settings.log_format, "WARNING")
    criteria = search_filter_of(filters, status=status)
    _require_embedded_store(settings)
    store = open_store(settings)
    try:
        store.setup()
        result = store.search(criteria, SearchPage(limit=limit, offset=offset, all_listings=all_listings))
    except StoreUnavailable as exc:
        raise click.ClickException(f"the {store.name} store is unavailable: {exc}") from exc
    finally:
        store.close()
    if as_json:
        click.echo("[" + ",".join(tender.model_dump_json() for tender in result.tenders) + "]")
        return
    _print_table(result)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _require_embedded_store(settings: Settings) -> None:
    """On the embedded default, refuse to search (and create) a store that was never filled."""
    from consumers.indexer import store_exists
    from consumers.store.embedded import STORE_FILE

    if not store_exists(settings):
        raise click.ClickException(
            f"nothing has been indexed in {settings.data_dir} (no {STORE_FILE}): run `tenderwatch run` or "
            f"`tenderwatch demo` first, or point --data-dir (TENDERWATCH_DATA_DIR) at the data directory they used")


def _print_table(result) -> None:
    from crawler.dutch import AMSTERDAM

    rows = []
    for tender in result.tenders:
        hours = tender.hours_per_week
        rows.append([
            tender.deadline.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M") if tender.deadline else "-",
            tender.status, tender.region or "-", tender.pay_scale.label if tender.pay_scale else "-",
            "-" if hours is None else str(hours.min) if hours.min == hours.max else f"{hours.min}-{hours.max}",
            tender.source, _shorten(tender.title, 60), tender.id])
        if tender.also_on:
            rows.append(["", "", "", "", "", "", "also on: " + ", ".join(listing.source for listing in tender.also_on),
                         ", ".join(listing.url for listing in tender.also_on)])
    click.echo(table(["deadline", "status", "region", "scale", "hours", "source", "title", "id"], rows))
    shown = len(result.tenders)
    click.echo(f"{shown} of {result.total} tender{'s' if result.total != 1 else ''}", err=True)
