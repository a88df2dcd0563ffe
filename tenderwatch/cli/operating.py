"""Commands that run and watch the services: run, consume, setup, health."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import structlog

from tenderwatch.cli.app import cli, load_settings
from tenderwatch.common.health import PROCESSES
from tenderwatch.common.logs import configure_logging
from tenderwatch.tables import table


@cli.command()
def setup() -> None:
    """Create what the services need, idempotently: the Kafka topics (when
    TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS is set), the index template, index and alias on the
    search cluster (when TENDERWATCH_OPENSEARCH_URL or TENDERWATCH_ELASTICSEARCH_URL is set) and
    the Kibana saved objects (when
    TENDERWATCH_KIBANA_URL is set). Safe to run again.

    The embedded broker and store need no setup: `tenderwatch run` prepares them itself.
    Exit codes: 0; 1 a service could not be reached; 2 nothing configured.
    """
    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    if (
        not settings.kafka_bootstrap_servers
        and not settings.search_cluster_url
        and not settings.kibana_url
    ):
        click.echo(
            "error: nothing to set up: set TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS, "
            "TENDERWATCH_OPENSEARCH_URL or "
            "TENDERWATCH_ELASTICSEARCH_URL, and/or TENDERWATCH_KIBANA_URL (`tenderwatch run` sets "
            "up its embedded broker and store itself)",
            err=True,
        )
        sys.exit(2)
    if settings.kafka_bootstrap_servers:
        from kafka.errors import KafkaError

        from consumers.topics import create_topics

        try:
            outcome = create_topics(settings)
        except KafkaError as exc:
            raise click.ClickException(
                f"cannot reach Kafka at {settings.kafka_bootstrap_servers}: {exc}"
            ) from exc
        for topic, result in outcome.items():
            click.echo(f"topic {topic}: {result}")
    if settings.search_cluster_url:
        from consumers.store.base import StoreUnavailable
        from consumers.store.cluster import AnalysisMissing, ClusterRefused
        from consumers.store.factory import open_store

        engine = "OpenSearch" if settings.opensearch_url else "Elasticsearch"
        store = open_store(settings)
        try:
            store.setup()
        except StoreUnavailable as exc:
            raise click.ClickException(
                f"cannot reach {engine} at {settings.search_cluster_url}: {exc}"
            ) from exc
        except AnalysisMissing as exc:
            raise click.ClickException(
                f"{engine} at {settings.search_cluster_url} cannot hold the tenders index: {exc}"
            ) from exc
        except ClusterRefused as exc:
            raise click.ClickException(
                f"{engine} at {settings.search_cluster_url} refused the set-up: {exc} (is it the "
                "engine and major "
                "version the client expects, and are the credentials right?)"
            ) from exc
        finally:
            store.close()
        click.echo(
            f"{engine.lower()}: index template {store.alias}, alias {store.alias} -> "
            f"{store.index}: ready"
        )
    if settings.kibana_url:
        from consumers.kibana.saved_objects import KibanaUnavailable, import_saved_objects

        try:
            imported = import_saved_objects(settings)
        except KibanaUnavailable as exc:
            raise click.ClickException(
                f"cannot import the saved objects into Kibana at {settings.kibana_url}: {exc}"
            ) from exc
        click.echo(
            f"kibana: {imported} saved objects imported (data view "
            f"{settings.elasticsearch_index_alias}, "
            'searches, dashboard "tenderwatch: tenders")'
        )


@cli.command()
@click.argument("name", type=click.Choice(PROCESSES), metavar="NAME")
@click.option(
    "--max-age",
    default=60,
    show_default=True,
    type=click.IntRange(1),
    help="Seconds a heartbeat stays good.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the heartbeats are (<data dir>/heartbeats). Env: TENDERWATCH_DATA_DIR. [default: "
    "./.tenderwatch]",
)
def health(name: str, max_age: int, data_dir: Path | None) -> None:
    """Exit 0 when process NAME (crawler, or a consumer: snapshot, indexer, alerts) beat its
    heartbeat within --max-age seconds on this host, reported no fault (its embedded broker or
    a thread died) and still runs; 1 otherwise. For container healthchecks."""
    from tenderwatch.common.health import check

    report = check(load_settings(data_dir=data_dir), name, max_age)
    for source, figures in ((report.details or {}).get("sources") or {}).items():
        failing = (
            f", failing since {figures['failing_since']}: {figures['last_error']}"
            if figures.get("failing_since")
            else ""
        )
        click.echo(
            f"  {source}: {figures.get('open_listings')} open, last complete crawl "
            f"{figures.get('last_complete_crawl') or 'never'}{failing}",
            err=not report.healthy,
        )
    if not report.healthy:
        click.echo(f"{name}: {report.message}", err=True)
        sys.exit(1)
    click.echo(f"{name}: {report.message}")


def _parse_interval(_ctx, _param, value: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    try:
        seconds = (
            float(value[:-1]) * units[value[-1]] if value and value[-1] in units else float(value)
        )
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a duration like 90s, 15m or 1h") from None
    if seconds <= 0:
        raise click.BadParameter("the interval must be positive")
    return seconds


@cli.command()
@click.option(
    "--once",
    is_flag=True,
    help="One crawl cycle; wait until every consumer processed its events; exit.",
)
@click.option(
    "--interval",
    default="15m",
    show_default=True,
    callback=_parse_interval,
    help="Time between crawls (90s, 15m, 1h).",
)
@click.option("--base-url", help="www site of Flextender. Env: TENDERWATCH_FLEXTENDER_BASE_URL.")
@click.option("--api-url", help="JSON API host. Env: TENDERWATCH_FLEXTENDER_API_URL.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Everything that must survive a restart. Env: TENDERWATCH_DATA_DIR. [default: "
    "./.tenderwatch]",
)
@click.option(
    "--consumers",
    "consumer_names",
    default="all",
    show_default=True,
    metavar="LIST",
    help="Consumers to run in this process: all, none (only crawl and publish), or names like "
    "indexer,alerts.",
)
def run(
    once: bool,
    interval: float,
    base_url: str | None,
    api_url: str | None,
    data_dir: Path | None,
    consumer_names: str,
) -> None:
    """The all-in-one process: broker (embedded unless TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS is
    set), topics, the consumers, and the crawler on its schedule. Ctrl-C stops it cleanly.
    In production (docker compose) it runs with --consumers none beside `consume` services.

    Exit codes: 0; the crawl's own code (3, 4) with --once; 5 when --once saw events left
    unconsumed; 6 when a part died (the embedded broker, a consumer thread): see the log line
    `component_died`. A stop (Ctrl-C, SIGTERM) ends the crawl, the consumers and the broker in
    that order, within about 40 s at the most.
    """
    from consumers.registry import CONSUMERS
    from tenderwatch.runner import Runner

    if consumer_names == "all":
        chosen = list(CONSUMERS)
    elif consumer_names == "none":
        chosen = []
    else:
        chosen = [name.strip() for name in consumer_names.split(",") if name.strip()]
        unknown = [name for name in chosen if name not in CONSUMERS]
        if unknown:
            raise click.BadParameter(
                f"unknown consumer {', '.join(unknown)} (known: {', '.join(CONSUMERS)}, all, none)",
                param_hint="--consumers",
            )
    settings = load_settings(
        flextender_base_url=base_url, flextender_api_url=api_url, data_dir=data_dir
    )
    configure_logging(settings.log_format, settings.log_level)
    sys.exit(Runner(settings, once=once, interval_s=interval, consumers=chosen).run())


@cli.command()
@click.argument("name", type=click.Choice(["snapshot", "indexer", "alerts"]))
def consume(name: str) -> None:
    """Run one consumer NAME in the foreground (scale out by starting more; partitions limit it):
    snapshot, indexer, or alerts (matching, plus its deliverer on a second thread).

    Needs TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS. SIGINT/SIGTERM finish the batch in hand and stop.
    """
    import threading

    from consumers.registry import CONSUMERS
    from tenderwatch.common.health import report_fault

    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    if not settings.kafka_bootstrap_servers:
        click.echo("error: TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS is not set", err=True)
        sys.exit(2)
    from crawler.sources import platforms

    spec = CONSUMERS[name]
    loop = spec.loop(settings)
    loop.install_signal_handlers()
    worker_stop = threading.Event()
    worker_thread = None
    died: list[str] = []

    def supervised(worker) -> None:
        """The worker's thread: if it dies, the process says so, marks its heartbeat and stops
        (exit 6), as `run` does, instead of consuming on without delivering."""
        try:
            worker.run(worker_stop)
        except BaseException as exc:  # noqa: BLE001 - a dead worker stops the process, loudly
            error = f"{type(exc).__name__}: {exc}"
            structlog.get_logger("tenderwatch.consume").critical(
                "component_died",
                component=f"worker-{type(worker).__name__}",
                error=error,
                action=f"stopping tenderwatch consume {name} (exit 6); restart it",
            )
            report_fault(f"worker-{type(worker).__name__} died: {error}")
            died.append(error)
            loop.stop()

    if spec.worker is not None:
        worker_thread = threading.Thread(
            target=supervised, args=(spec.worker(settings, platforms()),), name="worker"
        )
        worker_thread.start()
    try:
        loop.run()
    finally:
        worker_stop.set()
        if worker_thread is not None:
            worker_thread.join(timeout=30)
    if died:
        sys.exit(6)


@cli.command("sources")
@click.option("--json", "as_json", is_flag=True, help="A JSON array, one object per source.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the crawl state is. Env: TENDERWATCH_DATA_DIR. [default: ./.tenderwatch]",
)
def sources_command(as_json: bool, data_dir: Path | None) -> None:
    """Per source: what it covers, the last complete crawl, open listings, the last error and
    how long it has been failing, so a source that silently breaks shows.

    Exit 1 when a source is failing (its last crawl did not get a complete list), else 0."""
    import json
    from datetime import UTC, datetime

    from crawler.sources import SOURCES
    from crawler.state import CrawlState

    settings = load_settings(data_dir=data_dir)
    rows = []
    state = CrawlState(settings.state_path) if settings.state_path.exists() else None
    try:
        for name, source in SOURCES.items():
            status = state.source_status(name) if state else None
            rows.append(
                {
                    "source": name,
                    "covers": source.description,
                    "last_complete_crawl": status.last_complete_at if status else None,
                    "open_listings": status.open_listings if status else 0,
                    "last_error": status.last_error if status else None,
                    "last_error_at": status.last_error_at if status else None,
                    "failing_since": status.failing_since if status else None,
                }
            )
    finally:
        if state is not None:
            state.close()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        now = datetime.now(UTC)
        lines = []
        for row in rows:
            failing = "-"
            if row["failing_since"]:
                hours = (now - datetime.fromisoformat(row["failing_since"])).total_seconds() / 3600
                failing = f"for {hours:.1f} h: {row['last_error']}"
            lines.append(
                [
                    row["source"],
                    str(row["open_listings"]),
                    row["last_complete_crawl"] or "never",
                    failing,
                ]
            )
        click.echo(
            table(["source", "open", "last complete crawl", "failing"], lines, right=frozenset({1}))
        )
    if state is None:
        raise click.ClickException(
            f"nothing has been crawled in {settings.data_dir} yet (no {settings.state_path.name}): "
            "run `tenderwatch run` or `tenderwatch crawl all` first, or point --data-dir "
            "(TENDERWATCH_DATA_DIR) at the data directory they used"
        )
    if any(row["failing_since"] for row in rows):
        sys.exit(1)
