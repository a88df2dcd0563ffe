"""`tenderwatch`: the command line."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
import structlog

from crawler.config import Settings
from crawler.logs import configure_logging

DEMO_CLOCK = "2026-03-01T12:00:00+01:00"


def _settings(**overrides) -> Settings:
    """The settings: TENDERWATCH_* variables, overridden by the options given. A bad value in the
    environment is a usage error naming the variable, like a bad option."""
    from pydantic import ValidationError

    updates = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**updates)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        source = "--" + field.replace("_", "-") if field in updates else f"TENDERWATCH_{field.upper()}"
        raise click.UsageError(f"{source}: {error['msg'].removeprefix('Value error, ')}") from None


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


@cli.command()
@click.argument("path", type=click.Path(allow_dash=True, dir_okay=False, path_type=str))
@click.option("--url", help="URL the page was saved from (used when the page lacks its request number).")
@click.option("--base-url", default=None, help="Site the canonical tender URL points at. [default: www.flextender.nl]")
def parse(path: str, url: str | None, base_url: str | None) -> None:
    """Parse a saved Flextender detail page (PATH, or - for stdin) and print the Tender as JSON.

    Exits 2 with a one-line reason when the input is not a listing page.
    """
    from crawler.normalize import normalise
    from crawler.pages.flextender import FlextenderDetailPage
    from crawler.pages.raw import UnrecognisedPage

    settings = _settings(flextender_base_url=base_url)
    configure_logging(settings.log_format, settings.log_level)
    try:
        body = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        click.echo(f"error: cannot read {path}: {exc.strerror}", err=True)
        sys.exit(2)
    try:
        raw = FlextenderDetailPage(body, url=url).raw(settings.flextender_base_url)
    except UnrecognisedPage as exc:
        click.echo(f"error: {path} is not a listing page: {exc}", err=True)
        sys.exit(2)
    if not raw.external_id:
        click.echo(f"error: {path} has no request number (aanvraagnummer); pass --url of the page", err=True)
        sys.exit(2)
    now = settings.now or datetime.now(UTC)
    click.echo(normalise(raw, fetched_at=now, now=now).model_dump_json(indent=2))


def _publish_outbox(settings: Settings) -> int | None:
    """Publish the outbox when a broker is configured; None when none is."""
    if not settings.kafka_bootstrap_servers:
        return None
    from kafka.errors import KafkaError

    from consumers.kafka_clients import make_producer
    from crawler.publisher import OutboxPublisher
    from crawler.state import CrawlState

    state = CrawlState(settings.state_path)
    try:
        producer = make_producer(settings)
    except KafkaError as exc:
        structlog.get_logger("tenderwatch.crawl").warning("broker_unavailable_events_kept", error=str(exc),
                                                          outbox_pending=state.pending_count())
        state.close()
        return 0
    try:
        return OutboxPublisher(state, producer, settings.tender_events_topic).drain()
    finally:
        producer.close(timeout=5)
        state.close()


@cli.command()
@click.argument("spider", type=click.Choice(["flextender"]))
@click.option("--base-url", help="www site (listing, AJAX, detail pages). Env: TENDERWATCH_FLEXTENDER_BASE_URL.")
@click.option("--api-url", help="JSON API host. Env: TENDERWATCH_FLEXTENDER_API_URL.")
@click.option("--output", "-o", default=None, help="Also append each new, changed or closed tender as a JSON line to this file; - is stdout.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help="Crawl state and outbox directory. Env: TENDERWATCH_DATA_DIR. [default: ./.tenderwatch]")
def crawl(spider: str, base_url: str | None, api_url: str | None, output: str | None, data_dir: Path | None) -> None:
    """Run one crawl of SPIDER. Each new, changed or closed tender becomes an event in the
    outbox (crawl state directory); with TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS set the outbox
    is then published to Kafka (if the broker is down the events wait for the next publish).

    Exit codes: 0 done; 3 a page was not recognised (layout changed?); 4 the list of open
    listings could not be fetched from either the API or the listing page.
    """
    import signal

    from consumers.children import die_with_parent
    from crawler.crawl import run_crawl
    from crawler.state import CrawlState

    die_with_parent()  # only when `run` started this crawl
    settings = _settings(flextender_base_url=base_url, flextender_api_url=api_url, data_dir=data_dir)
    configure_logging(settings.log_format, settings.log_level)
    outcome = run_crawl(spider, settings, output=output)
    # Scrapy's own SIGTERM/SIGINT handlers do nothing once its reactor stopped: a signal from
    # here on must end the process, not be swallowed while it exits.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    published = _publish_outbox(settings)
    figures = {"published": published} if published is not None else {}
    state = CrawlState(settings.state_path)
    figures["outbox_pending"] = state.pending_count()
    state.close()
    structlog.get_logger("tenderwatch.crawl").info("crawl_finished", spider=spider, exit_code=outcome.exit_code,
                                                   **figures, **outcome.summary())
    sys.exit(outcome.exit_code)


@cli.command()
def setup() -> None:
    """Create what the services need, idempotently: the Kafka topics (when
    TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS is set), the Elasticsearch index template, index and
    alias (when TENDERWATCH_ELASTICSEARCH_URL is set) and the Kibana saved objects (when
    TENDERWATCH_KIBANA_URL is set). Safe to run again.

    The embedded broker and store need no setup: `tenderwatch run` prepares them itself.
    Exit codes: 0; 1 a service could not be reached; 2 nothing configured.
    """
    settings = _settings()
    configure_logging(settings.log_format, settings.log_level)
    if not settings.kafka_bootstrap_servers and not settings.elasticsearch_url and not settings.kibana_url:
        click.echo("error: nothing to set up: set TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS, TENDERWATCH_ELASTICSEARCH_URL "
                   "and/or TENDERWATCH_KIBANA_URL (`tenderwatch run` sets up its embedded broker and store itself)", err=True)
        sys.exit(2)
    if settings.kafka_bootstrap_servers:
        from kafka.errors import KafkaError

        from consumers.topics import create_topics

        try:
            outcome = create_topics(settings)
        except KafkaError as exc:
            raise click.ClickException(f"cannot reach Kafka at {settings.kafka_bootstrap_servers}: {exc}") from exc
        for topic, result in outcome.items():
            click.echo(f"topic {topic}: {result}")
    if settings.elasticsearch_url:
        from elasticsearch import ApiError, UnsupportedProductError

        from consumers.store.base import StoreUnavailable
        from consumers.store.elasticsearch import ElasticsearchStore

        store = ElasticsearchStore.from_settings(settings)
        try:
            store.setup()
        except StoreUnavailable as exc:
            raise click.ClickException(f"cannot reach Elasticsearch at {settings.elasticsearch_url}: {exc}") from exc
        except (ApiError, UnsupportedProductError) as exc:
            raise click.ClickException(
                f"Elasticsearch at {settings.elasticsearch_url} refused the set-up: {exc} (is it Elasticsearch of "
                "the client's major version, and are the credentials right?)") from exc
        finally:
            store.close()
        click.echo(f"elasticsearch: index template {store.alias}, alias {store.alias} -> {store.index}: ready")
    if settings.kibana_url:
        from consumers.kibana.saved_objects import KibanaUnavailable, import_saved_objects

        try:
            imported = import_saved_objects(settings)
        except KibanaUnavailable as exc:
            raise click.ClickException(f"cannot import the saved objects into Kibana at {settings.kibana_url}: {exc}") \
                from exc
        click.echo(f"kibana: {imported} saved objects imported (data view {settings.elasticsearch_index_alias}, "
                   "searches, dashboard \"tenderwatch: tenders\")")


@cli.command()
@click.argument("name", type=click.Choice(["crawler", "snapshot", "indexer", "alerts"]), metavar="NAME")
@click.option("--max-age", default=60, show_default=True, type=click.IntRange(1), help="Seconds a heartbeat stays good.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the heartbeats are (<data dir>/heartbeats). Env: TENDERWATCH_DATA_DIR. [default: ./.tenderwatch]")
def health(name: str, max_age: int, data_dir: Path | None) -> None:
    """Exit 0 when process NAME (crawler, or a consumer: snapshot, indexer, alerts) beat its
    heartbeat within --max-age seconds on this host, reported no fault (its embedded broker or
    a thread died) and still runs; 1 otherwise. For container healthchecks."""
    from consumers.health import check

    report = check(_settings(data_dir=data_dir), name, max_age)
    if not report.healthy:
        click.echo(f"{name}: {report.message}", err=True)
        sys.exit(1)
    click.echo(f"{name}: {report.message}")


def _parse_interval(_ctx, _param, value: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    try:
        seconds = float(value[:-1]) * units[value[-1]] if value and value[-1] in units else float(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a duration like 90s, 15m or 1h") from None
    if seconds <= 0:
        raise click.BadParameter("the interval must be positive")
    return seconds


@cli.command()
@click.option("--once", is_flag=True, help="One crawl cycle; wait until every consumer processed its events; exit.")
@click.option("--interval", default="15m", show_default=True, callback=_parse_interval, help="Time between crawls (90s, 15m, 1h).")
@click.option("--base-url", help="www site of Flextender. Env: TENDERWATCH_FLEXTENDER_BASE_URL.")
@click.option("--api-url", help="JSON API host. Env: TENDERWATCH_FLEXTENDER_API_URL.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help="Everything that must survive a restart. Env: TENDERWATCH_DATA_DIR. [default: ./.tenderwatch]")
@click.option("--consumers", "consumer_names", default="all", show_default=True, metavar="LIST",
              help="Consumers to run in this process: all, none (only crawl and publish), or names like indexer,alerts.")
def run(once: bool, interval: float, base_url: str | None, api_url: str | None, data_dir: Path | None,
        consumer_names: str) -> None:
    """The all-in-one process: broker (embedded unless TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS is
    set), topics, the consumers, and the crawler on its schedule. Ctrl-C stops it cleanly.
    In production (docker compose) it runs with --consumers none beside `consume` services.

    Exit codes: 0; the crawl's own code (3, 4) with --once; 5 when --once saw events left
    unconsumed; 6 when a part died (the embedded broker, a consumer thread): see the log line
    `component_died`. A stop (Ctrl-C, SIGTERM) ends the crawl, the consumers and the broker in
    that order, within about 40 s at the most.
    """
    from consumers.registry import CONSUMERS
    from consumers.runner import Runner

    if consumer_names == "all":
        chosen = list(CONSUMERS)
    elif consumer_names == "none":
        chosen = []
    else:
        chosen = [name.strip() for name in consumer_names.split(",") if name.strip()]
        unknown = [name for name in chosen if name not in CONSUMERS]
        if unknown:
            raise click.BadParameter(f"unknown consumer {', '.join(unknown)} (known: {', '.join(CONSUMERS)}, all, none)",
                                     param_hint="--consumers")
    settings = _settings(flextender_base_url=base_url, flextender_api_url=api_url, data_dir=data_dir)
    configure_logging(settings.log_format, settings.log_level)
    sys.exit(Runner(settings, once=once, interval_s=interval, consumers=chosen).run())


def _date_option(_ctx, param, value: str | None):
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-07-31", param=param) from None


FILTER_OPTIONS = [
    click.option("--keyword", help="Words that must all occur (Dutch stemming: 'projectleiders' finds 'projectleider')."),
    click.option("--region", "regions", multiple=True, help="Province as printed, e.g. Overijssel; repeat for several."),
    click.option("--pay-scale-min", type=click.IntRange(1, 18), help="Lowest pay scale (functieschaal) wanted."),
    click.option("--pay-scale-max", type=click.IntRange(1, 18), help="Highest pay scale wanted."),
    click.option("--hours-min", type=click.IntRange(0, 168), help="Fewest hours per week wanted."),
    click.option("--hours-max", type=click.IntRange(0, 168), help="Most hours per week wanted."),
    click.option("--deadline-after", callback=_date_option, metavar="DATE", help="Closing on or after this date (YYYY-MM-DD, Amsterdam)."),
    click.option("--deadline-before", callback=_date_option, metavar="DATE", help="Closing on or before this date."),
    click.option("--education-level", type=click.Choice(["MBO", "HBO", "WO"], case_sensitive=False),
                 help="Education level asked (any case)."),
    click.option("--client", help="Client organisation, exactly (any case)."),
    click.option("--das/--no-das", default=None, help="Only DAS assignments / only others."),
    click.option("--zzp/--no-zzp", "zzp_allowed", default=None, help="Only those open to / closed to solo freelancers."),
]
FILTER_KEYS = ("keyword", "regions", "pay_scale_min", "pay_scale_max", "hours_min", "hours_max", "deadline_after",
               "deadline_before", "education_level", "client", "das", "zzp_allowed")


def filter_options(command):
    """The search filter's options, shared by `search` and `saved-search add`."""
    for option in reversed(FILTER_OPTIONS):
        command = option(command)
    return command


def _search_filter(options: dict, **extra):
    """The `SearchFilter` of the filter options; a bad combination is a usage error."""
    from pydantic import ValidationError

    from schemas.search import SearchFilter

    values = {key: options.pop(key) for key in FILTER_KEYS}
    values["regions"] = tuple(values["regions"])
    try:
        return SearchFilter(**values, **extra)
    except ValidationError as exc:
        error = exc.errors()[0]
        option = "--" + str(error["loc"][0]).replace("_", "-") + ": " if error["loc"] else ""
        raise click.UsageError(option + error["msg"].removeprefix("Value error, ")) from None


def _user_name(_ctx, param, value: str | None) -> str | None:
    from consumers.alerts.repository import check_user_name

    if value is None:
        return None
    try:
        return check_user_name(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param=param) from None


@cli.command()
@click.argument("name", type=click.Choice(["snapshot", "indexer", "alerts"]))
def consume(name: str) -> None:
    """Run one consumer NAME in the foreground (scale out by starting more; partitions limit it):
    snapshot, indexer, or alerts (matching, plus its deliverer on a second thread).

    Needs TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS. SIGINT/SIGTERM finish the batch in hand and stop.
    """
    import threading

    from consumers.registry import CONSUMERS

    settings = _settings()
    configure_logging(settings.log_format, settings.log_level)
    if not settings.kafka_bootstrap_servers:
        click.echo("error: TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS is not set", err=True)
        sys.exit(2)
    spec = CONSUMERS[name]
    loop = spec.loop(settings)
    loop.install_signal_handlers()
    worker_stop = threading.Event()
    worker_thread = None
    if spec.worker is not None:
        worker_thread = threading.Thread(target=spec.worker(settings).run, args=(worker_stop,), name="worker")
        worker_thread.start()
    try:
        loop.run()
    finally:
        worker_stop.set()
        if worker_thread is not None:
            worker_thread.join(timeout=30)


_DATA_DIR_OPTION = click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path),
    help="Where saved searches and alerts live (alerts.sqlite3). Env: TENDERWATCH_DATA_DIR. [default: ./.tenderwatch]")


@cli.group("saved-search")
def saved_search() -> None:
    """Saved searches: tenderwatch alerts you (mail, webhook) about each new tender matching one.

    The alert consumer of `tenderwatch run` (or `consume alerts`) picks up changes at once.
    """


@saved_search.command("add")
@click.option("--name", required=True, help="What to call it (shown in every alert).")
@click.option("--email", help="Send alerts to this address.")
@click.option("--webhook", "webhook_url", help="POST alerts as JSON to this http(s) URL, signed with HMAC-SHA256.")
@click.option("--webhook-secret", help="Key for the webhook signature (at least 16 characters). [default: generated, printed once]")
@click.option("--daily", is_flag=True, help="One mail a day (at TENDERWATCH_DIGEST_HOUR) instead of one per tender.")
@click.option("--updates", "alert_on_updates", is_flag=True, help="Also alert when a matching tender changes (deadline, pay scale, ...).")
@click.option("--notify-existing", is_flag=True,
              help="Also alert once about the tenders already indexed that match now (otherwise only tenders "
                   "published or changed from now on alert).")
@click.option("--owner", default="local", show_default=True, callback=_user_name,
              help="The user it belongs to (see `tenderwatch user`).")
@filter_options
@_DATA_DIR_OPTION
def saved_search_add(name, email, webhook_url, webhook_secret, daily, alert_on_updates, notify_existing, owner,
                     data_dir, **filters) -> None:
    """Save a search. Give --email and/or --webhook, and any filters of `tenderwatch search`.

    Alerts come for tenders published or changed after the search is saved; the tenders
    already indexed that match now alert only with --notify-existing (once each).

    Example: tenderwatch saved-search add --name "Zwolle, schaal 11+" --email me@example.nl
    --region Overijssel --pay-scale-min 11 --keyword projectleider
    """
    from pydantic import ValidationError

    from consumers.alerts.repository import AlertRepository
    from consumers.alerts.service import create_saved_search
    from consumers.alerts.webhook import UnsafeWebhook
    from schemas.saved_search import SavedSearchRequest

    settings = _settings(data_dir=data_dir)
    configure_logging(settings.log_format, "WARNING")
    criteria = _search_filter(filters)
    try:
        request = SavedSearchRequest(name=name, filter=criteria, email=email, webhook_url=webhook_url,
                                     webhook_secret=webhook_secret, frequency="daily" if daily else "instant",
                                     alert_on_updates=alert_on_updates)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise click.UsageError(f"{where + ': ' if where else ''}{error['msg'].removeprefix('Value error, ')}") from None
    repository = AlertRepository(settings.alerts_path)
    try:
        saved, secret = create_saved_search(settings, repository, owner, request)
        click.echo(saved.id)
        if secret is not None and webhook_secret is None:
            click.echo(f"webhook secret (shown once; verify X-Tenderwatch-Signature with it): {secret}", err=True)
        _existing_matches(settings, repository, saved, notify_existing)
    except UnsafeWebhook as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        repository.close()


def _existing_matches(settings: Settings, repository, saved, notify: bool) -> None:
    """Say how many indexed tenders match already; with `notify`, queue one alert for each."""
    from consumers.alerts.service import alert_existing_matches, current_matches
    from consumers.indexer import open_store
    from consumers.store.base import StoreUnavailable
    from consumers.store.embedded import STORE_FILE

    if not settings.elasticsearch_url and not (Path(settings.data_dir) / STORE_FILE).exists():
        click.echo("Nothing is indexed yet: alerts come for tenders as they are published or changed.", err=True)
        return
    store = open_store(settings)
    try:
        store.setup()
        if notify:
            queued = alert_existing_matches(repository, store, saved)
            click.echo(f"{queued} alert{'s' if queued != 1 else ''} queued for the tenders that match now; "
                       "`tenderwatch run` delivers them.", err=True)
        else:
            matching = current_matches(store, saved)
            click.echo(f"Alerts come for tenders published or changed from now on. {matching} tender"
                       f"{'s' if matching != 1 else ''} indexed already match{'es' if matching == 1 else ''}: "
                       "add --notify-existing to be alerted about them once.", err=True)
    except StoreUnavailable as exc:
        click.echo(f"warning: the {store.name} store is unavailable, existing matches not checked: {exc}", err=True)
    finally:
        store.close()


@saved_search.command("list")
@click.option("--owner", help="Only this user's. [default: everyone's]")
@click.option("--json", "as_json", is_flag=True, help="A JSON array (webhook secrets masked).")
@_DATA_DIR_OPTION
def saved_search_list(owner, as_json, data_dir) -> None:
    """List saved searches."""
    from consumers.alerts.repository import AlertRepository

    settings = _settings(data_dir=data_dir)
    repository = AlertRepository(settings.alerts_path)
    saved_searches = repository.list(owner=owner)
    repository.close()
    if as_json:
        click.echo(json.dumps([saved.public() for saved in saved_searches], ensure_ascii=False, indent=2))
        return
    for saved in saved_searches:
        channels = ", ".join(part for part in (str(saved.email) if saved.email else "",
                                               saved.webhook.url if saved.webhook else "") if part)
        criteria = saved.filter.model_dump(exclude_defaults=True, mode="json")
        click.echo(f"{saved.id}  {'on ' if saved.active else 'off'}  {saved.frequency:<7} {saved.owner:<10} "
                   f"{saved.name!r} -> {channels}  {json.dumps(criteria, ensure_ascii=False)}")
    click.echo(f"{len(saved_searches)} saved search{'es' if len(saved_searches) != 1 else ''}", err=True)


@saved_search.command("rm")
@click.argument("saved_search_id", metavar="ID")
@_DATA_DIR_OPTION
def saved_search_rm(saved_search_id, data_dir) -> None:
    """Remove saved search ID; alerts not yet sent for it are cancelled."""
    from consumers.alerts.repository import AlertRepository

    settings = _settings(data_dir=data_dir)
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
@_DATA_DIR_OPTION
def user_add(name, data_dir) -> None:
    """Create user NAME (or give them a new token) and print the token; only its hash is stored."""
    from consumers.alerts.repository import AlertRepository

    settings = _settings(data_dir=data_dir)
    repository = AlertRepository(settings.alerts_path)
    click.echo(repository.add_user(name))
    repository.close()


@user.command("list")
@_DATA_DIR_OPTION
def user_list(data_dir) -> None:
    """List API users."""
    from consumers.alerts.repository import AlertRepository

    settings = _settings(data_dir=data_dir)
    repository = AlertRepository(settings.alerts_path)
    for name in repository.users():
        click.echo(name)
    repository.close()


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (0.0.0.0 in a container).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@_DATA_DIR_OPTION
def serve(host, port, data_dir) -> None:
    """The saved-search HTTP API (OpenAPI docs at /docs) and the unsubscribe links of alerts.

    Users authenticate with `Authorization: Bearer <token>` (`tenderwatch user add NAME`).
    Set TENDERWATCH_PUBLIC_URL to the address users reach it at: alert links point there.
    """
    import uvicorn

    from consumers.api import create_app

    settings = _settings(data_dir=data_dir)
    configure_logging(settings.log_format, settings.log_level)
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None, access_log=False)


@cli.command()
@filter_options
@click.option("--status", type=click.Choice(["open", "expired", "withdrawn", "all"]), default="open", show_default=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(0, 100_000), default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of Tender objects.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help="Where the embedded store lives. Env: TENDERWATCH_DATA_DIR.")
def search(status, limit, offset, as_json, data_dir, **filters) -> None:
    """Search the tenders that `run` indexed: Elasticsearch when TENDERWATCH_ELASTICSEARCH_URL
    is set, otherwise the embedded store in the data directory.

    Without --keyword results are sorted by deadline (soonest first), with one by relevance.
    Ranges (pay scale, hours) match when they overlap; dates are Amsterdam calendar days, inclusive.
    """
    from consumers.indexer import open_store
    from consumers.store.base import StoreUnavailable
    from schemas.search import SearchPage

    settings = _settings(data_dir=data_dir)
    configure_logging(settings.log_format, "WARNING")
    criteria = _search_filter(filters, status=status)
    _require_embedded_store(settings)
    store = open_store(settings)
    try:
        store.setup()
        result = store.search(criteria, SearchPage(limit=limit, offset=offset))
    except StoreUnavailable as exc:
        raise click.ClickException(f"the {store.name} store is unavailable: {exc}") from exc
    finally:
        store.close()
    if as_json:
        click.echo("[" + ",".join(tender.model_dump_json() for tender in result.tenders) + "]")
        return
    _print_table(result)


def _require_embedded_store(settings: Settings) -> None:
    """On the embedded default, refuse to search (and create) a store that was never filled."""
    from consumers.store.embedded import STORE_FILE

    if not settings.elasticsearch_url and not (Path(settings.data_dir) / STORE_FILE).exists():
        raise click.ClickException(
            f"nothing has been indexed in {settings.data_dir} (no {STORE_FILE}): run `tenderwatch run` or "
            f"`tenderwatch demo` first, or point --data-dir (TENDERWATCH_DATA_DIR) at the data directory they used")


def _print_table(result) -> None:
    from crawler.dutch import AMSTERDAM

    click.echo(f"{'deadline':<17} {'status':<9} {'region':<14} {'scale':<6} {'hours':<6} {'id':<18} title")
    for tender in result.tenders:
        deadline = tender.deadline.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M") if tender.deadline else "-"
        scale = tender.pay_scale.label if tender.pay_scale else "-"
        hours = (f"{tender.hours_per_week.min}-{tender.hours_per_week.max}" if tender.hours_per_week
                 and tender.hours_per_week.min != tender.hours_per_week.max
                 else str(tender.hours_per_week.min) if tender.hours_per_week else "-")
        click.echo(f"{deadline:<17} {tender.status:<9} {(tender.region or '-')[:14]:<14} {scale:<6} {hours:<6} "
                   f"{tender.id:<18} {tender.title[:70]}")
    shown = len(result.tenders)
    click.echo(f"{shown} of {result.total} tender{'s' if result.total != 1 else ''}", err=True)


@cli.command()
@click.option("--quick", is_flag=True, help="Smaller sizes: under a minute, the same figures.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (keys listed in BENCHMARKS.md).")
def bench(quick: bool, as_json: bool) -> None:
    """Run every benchmark (parsing, events through the embedded broker, indexing and search,
    alert matching and end-to-end alert latency) and print each figure next to its goal.

    A full run takes about 20 minutes on 2 cores (filling and querying a store of 100,000
    tenders is most of it); --quick about 40 seconds. Figures of a full run: BENCHMARKS.md.
    """
    from benchmarks.suite import run_all, table

    configure_logging("json", "ERROR")
    figures = run_all(quick, progress=lambda step: click.echo(f"bench: {step}", err=True))
    click.echo(json.dumps(figures) if as_json else table(figures))


def _replica_summary(site) -> str:
    listed = len(site.listed)
    return f"{len(site.pages)} real listings, {listed} open and {len(site.pages) - listed} closed"


@cli.command()
@click.option("--port", default=8808, show_default=True, type=click.IntRange(0, 65535),
              help="Port to serve on (127.0.0.1); 0 picks a free one.")
def replica(port: int) -> None:
    """Serve the bundled Flextender replica (five real listings, three of them open) until
    Ctrl-C, for offline work: point --base-url and --api-url of `crawl` or `run` at it.

    The listings closed in 2026: crawl it with the clock frozen at the demo's moment,
    TENDERWATCH_NOW=2026-03-01T12:00:00+01:00, or the three open ones are expired on arrival.
    """
    import errno
    import time

    from crawler.replica import FlextenderReplica

    try:
        site = FlextenderReplica(port=port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise click.ClickException(f"port {port} is in use: stop what listens there, or pass --port 0 "
                                       "for a free one") from None
        raise click.ClickException(f"cannot serve on 127.0.0.1:{port}: {exc.strerror}") from None
    with site:
        click.echo(f"Flextender replica on {site.url}: {_replica_summary(site)}. Ctrl-C stops it.\n"
                   f"In another terminal:\n"
                   f"  export TENDERWATCH_NOW={DEMO_CLOCK}   # when the open listings were open\n"
                   f"  tenderwatch run --once --base-url {site.url} --api-url {site.url} --data-dir ./replica-data\n"
                   f"  tenderwatch search --data-dir ./replica-data")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


DEMO_DATA_DIR = Path(".tenderwatch-demo")


@cli.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=DEMO_DATA_DIR,
              show_default=True, help="Keep the demo's data here (search it afterwards with the same --data-dir).")
def demo(data_dir: Path) -> None:
    """Offline showcase: serve the bundled Flextender replica (five real listings), run one
    `run --once` cycle against it on the embedded broker and print the tenders the consumers
    received. The clock is frozen at 2026-03-01, when three of the five were open; the other
    two had closed. The data stays in --data-dir, so `tenderwatch search` can search it."""
    import json

    from consumers.runner import Runner
    from consumers.snapshot import TenderSnapshot
    from crawler.replica import FlextenderReplica

    with FlextenderReplica() as site:
        settings = _settings(
            flextender_base_url=site.url, flextender_api_url=site.url, data_dir=data_dir,
            now=datetime.fromisoformat(DEMO_CLOCK), autothrottle_start_delay=0.0, kafka_bootstrap_servers=None,
            log_level="WARNING",
        )
        configure_logging(settings.log_format, settings.log_level)
        click.echo(f"Crawling the Flextender replica at {site.url} ({_replica_summary(site)}), clock frozen at "
                   f"{DEMO_CLOCK}; events through the embedded broker ...", err=True)
        code = Runner(settings, once=True, interval_s=60).run()
        snapshot = TenderSnapshot.for_settings(settings)
        tenders = snapshot.tenders()
        snapshot.close()
    click.echo(f"{'tender':<18} {'last event':<17} {'deadline':<26} {'region':<11} {'scale':<11} title")
    for tender_id, _sequence, event_type, tender_json in tenders:
        tender = json.loads(tender_json)
        scale = tender["pay_scale"]["label"] if tender["pay_scale"] else "-"
        click.echo(f"{tender_id:<18} {event_type:<17} {tender['deadline'] or '-':<26} "
                   f"{tender['region'] or '-':<11} schaal {scale:<4} {tender['title']}")
    click.echo(f"{len(tenders)} tenders received by the consumers: the replica's open listings (the closed "
               f"ones were never published, as nobody had seen them open). Search them:\n"
               f"  tenderwatch search --data-dir {data_dir}", err=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
