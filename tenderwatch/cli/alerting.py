"""Saved searches, users and the API server: saved-search, user, serve."""

from __future__ import annotations

import json

import click

from tenderwatch.cli.app import DATA_DIR_OPTION, BadValues, cli, load_settings, validation_problems
from tenderwatch.cli.searching import filter_options, search_filter_of
from tenderwatch.common.logs import configure_logging
from tenderwatch.common.settings import Settings


def _user_name(_ctx, param, value: str | None) -> str | None:
    from consumers.alerts.repository import check_user_name

    if value is None:
        return None
    try:
        return check_user_name(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param=param) from None


@cli.group("saved-search")
def saved_search() -> None:
    """Saved searches: tenderwatch alerts you (mail, webhook) about each new tender matching one.

    The alert consumer of `tenderwatch run` (or `consume alerts`) picks up changes at once.
    """


@saved_search.command("add")
@click.option("--name", required=True, help="What to call it (shown in every alert).")
@click.option("--email", help="Send alerts to this address.")
@click.option(
    "--webhook",
    "webhook_url",
    help="POST alerts as JSON to this http(s) URL, signed with HMAC-SHA256.",
)
@click.option(
    "--webhook-secret",
    help="Key for the webhook signature (at least 16 characters). [default: generated, printed "
    "once]",
)
@click.option(
    "--daily",
    is_flag=True,
    help="One mail a day (at TENDERWATCH_DIGEST_HOUR) instead of one per tender.",
)
@click.option(
    "--updates",
    "alert_on_updates",
    is_flag=True,
    help="Also alert when a matching tender changes (deadline, pay scale, ...).",
)
@click.option(
    "--language",
    type=click.Choice(["nl", "en"]),
    default="nl",
    show_default=True,
    help="The language of its mails: nl (Dutch) or en (English).",
)
@click.option(
    "--notify-existing",
    is_flag=True,
    help="Also alert once about the tenders already indexed that match now (otherwise only tenders "
    "published or changed from now on alert).",
)
@click.option(
    "--owner",
    default="local",
    show_default=True,
    callback=_user_name,
    help="The user it belongs to (see `tenderwatch user`).",
)
@filter_options
@DATA_DIR_OPTION
def saved_search_add(
    name,
    email,
    webhook_url,
    webhook_secret,
    daily,
    alert_on_updates,
    language,
    notify_existing,
    owner,
    data_dir,
    **filters,
) -> None:
    """Save a search. Give --email and/or --webhook, and any filters of `tenderwatch search`.

    Alerts come for tenders published or changed after the search is saved; the tenders
    already indexed that match now alert only with --notify-existing (once each).

    Example: tenderwatch saved-search add --name "Zwolle, schaal 11+" --email me@example.nl
    --region Overijssel --pay-scale-min 11 --keyword projectleider
    """
    from pydantic import ValidationError

    from consumers.alerts.repository import AlertRepository
    from consumers.alerts.service import TooManySavedSearches, create_saved_search
    from consumers.alerts.webhook import UnsafeWebhook
    from schemas.saved_search import SavedSearchRequest

    settings = load_settings(data_dir=data_dir)
    configure_logging(settings.log_format, "WARNING")
    criteria = search_filter_of(filters, today=settings.today())
    try:
        request = SavedSearchRequest(
            name=name,
            filter=criteria,
            email=email,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            frequency="daily" if daily else "instant",
            alert_on_updates=alert_on_updates,
            language=language,
        )
    except ValidationError as exc:
        raise BadValues(
            validation_problems(
                exc,
                lambda field: "--" + {"webhook_url": "webhook"}.get(field, field).replace("_", "-"),
            )
        ) from None
    repository = AlertRepository(settings.alerts_path)
    try:
        saved, secret = create_saved_search(settings, repository, owner, request)
        click.echo(saved.id)
        if secret is not None and webhook_secret is None:
            click.echo(
                f"webhook secret (shown once; verify X-Tenderwatch-Signature with it): {secret}",
                err=True,
            )
        _existing_matches(settings, repository, saved, notify_existing)
    except (UnsafeWebhook, TooManySavedSearches) as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        repository.close()


def _existing_matches(settings: Settings, repository, saved, notify: bool) -> None:
    """Say how many indexed tenders match already; with `notify`, queue one alert for each."""
    from consumers.alerts.service import alert_existing_matches, current_matches
    from consumers.store.base import StoreUnavailable
    from consumers.store.factory import open_store, store_exists

    if not store_exists(settings):
        click.echo(
            "Nothing is indexed yet: alerts come for tenders as they are published or changed.",
            err=True,
        )
        return
    store = open_store(settings)
    try:
        store.setup()
        if notify:
            queued = alert_existing_matches(repository, store, saved)
            click.echo(
                f"{queued} alert{'s' if queued != 1 else ''} queued for the tenders that match "
                "now; "
                "`tenderwatch run` delivers them.",
                err=True,
            )
        else:
            matching = current_matches(store, saved)
            click.echo(
                f"Alerts come for tenders published or changed from now on. {matching} tender"
                f"{'s' if matching != 1 else ''} indexed already "
                f"match{'es' if matching == 1 else ''}: "
                "add --notify-existing to be alerted about them once.",
                err=True,
            )
    except StoreUnavailable as exc:
        click.echo(
            f"warning: the {store.name} store is unavailable, existing matches not checked: {exc}",
            err=True,
        )
    finally:
        store.close()


@saved_search.command("list")
@click.option("--owner", help="Only this user's. [default: everyone's]")
@click.option("--json", "as_json", is_flag=True, help="A JSON array (webhook secrets masked).")
@DATA_DIR_OPTION
def saved_search_list(owner, as_json, data_dir) -> None:
    """List saved searches."""
    from consumers.alerts.repository import AlertRepository

    settings = load_settings(data_dir=data_dir)
    repository = AlertRepository(settings.alerts_path)
    saved_searches = repository.list(owner=owner)
    repository.close()
    if as_json:
        click.echo(
            json.dumps([saved.public() for saved in saved_searches], ensure_ascii=False, indent=2)
        )
        return
    for saved in saved_searches:
        channels = ", ".join(
            part
            for part in (
                str(saved.email) if saved.email else "",
                saved.webhook.url if saved.webhook else "",
            )
            if part
        )
        criteria = saved.filter.model_dump(exclude_defaults=True, mode="json")
        click.echo(
            f"{saved.id}  {'on ' if saved.active else 'off'}  {saved.frequency:<7} "
            f"{saved.owner:<10} "
            f"{saved.name!r} -> {channels}  {json.dumps(criteria, ensure_ascii=False)}"
        )
    click.echo(
        f"{len(saved_searches)} saved search{'es' if len(saved_searches) != 1 else ''}", err=True
    )


@saved_search.command("rm")
@click.argument("saved_search_id", metavar="ID")
@DATA_DIR_OPTION
def saved_search_rm(saved_search_id, data_dir) -> None:
    """Remove saved search ID; alerts not yet sent for it are cancelled."""
    from consumers.alerts.repository import AlertRepository

    settings = load_settings(data_dir=data_dir)
    repository = AlertRepository(settings.alerts_path)
    removed = repository.remove(saved_search_id)
    repository.close()
    if not removed:
        raise click.ClickException(f"no saved search {saved_search_id}")
    click.echo(f"removed {saved_search_id}")


@cli.group()
def user() -> None:
    """API users: each gets a personal token for `tenderwatch serve`."""


@user.command("add")
@click.argument("name", callback=_user_name)
@DATA_DIR_OPTION
def user_add(name, data_dir) -> None:
    """Create user NAME (or give them a new token) and print the token; only its hash is stored."""
    from consumers.alerts.repository import AlertRepository

    settings = load_settings(data_dir=data_dir)
    repository = AlertRepository(settings.alerts_path)
    click.echo(repository.add_user(name))
    repository.close()


@user.command("list")
@DATA_DIR_OPTION
def user_list(data_dir) -> None:
    """List API users."""
    from consumers.alerts.repository import AlertRepository

    settings = load_settings(data_dir=data_dir)
    repository = AlertRepository(settings.alerts_path)
    for name in repository.users():
        click.echo(name)
    repository.close()


@cli.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to listen on (0.0.0.0 in a container).",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@DATA_DIR_OPTION
def serve(host, port, data_dir) -> None:
    """The web pages for freelancers (search at /, a tender at /tenders/ID, in Dutch or
    English), the saved-search HTTP API (OpenAPI docs at /docs) and the unsubscribe links of
    alerts. The pages search what `tenderwatch run` indexed (the embedded store in the data
    directory, or Elasticsearch when TENDERWATCH_ELASTICSEARCH_URL is set).

    Freelancers sign in on the pages with an e-mail link (no password); programs use the API
    with `Authorization: Bearer <token>` (`tenderwatch user add NAME`). Set
    TENDERWATCH_PUBLIC_URL to the address users reach it at: alert and sign-in links point
    there, and an https address makes cookies Secure and adds HSTS. Behind a reverse proxy,
    set TENDERWATCH_TRUSTED_PROXIES to its address. Listening on loopback without SMTP,
    sign-in links are also logged; listening on other interfaces, webhooks to this machine
    are refused.
    """
    import uvicorn

    from consumers.alerts.webhook import names_loopback
    from crawler.sources import platforms
    from tenderwatch.web.api import served_settings
    from tenderwatch.web.app import create_app

    settings = served_settings(load_settings(data_dir=data_dir), host)
    configure_logging(settings.log_format, settings.log_level)
    loopback = names_loopback(host)
    # Forwarded headers are believed by the app itself (TENDERWATCH_TRUSTED_PROXIES), not by
    # uvicorn.
    app = create_app(
        settings, platforms=platforms(), announce_signin_links=loopback and not settings.smtp_host
    )
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False, proxy_headers=False)
