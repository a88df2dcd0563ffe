"""`tenderwatch`: the command line."""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import click
import structlog

from crawler.config import Settings
from crawler.logs import configure_logging

DEMO_CLOCK = "2026-03-01T12:00:00+01:00"


def _settings(**overrides) -> Settings:
    settings = Settings()
    updates = {key: value for key, value in overrides.items() if value is not None}
    return settings.model_copy(update=updates) if updates else settings


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="tenderwatch")
def main() -> None:
    """tenderwatch: crawls Dutch public-sector freelance assignments (inhuuropdrachten) and
    normalises them into one Tender model.

    Settings come from TENDERWATCH_* environment variables (see README); options override them.
    """


@main.command()
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


@main.command()
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
    from crawler.crawl import run_crawl

    settings = _settings(flextender_base_url=base_url, flextender_api_url=api_url, data_dir=data_dir)
    configure_logging(settings.log_format, settings.log_level)
    outcome = run_crawl(spider, settings, output=output)
    published = _publish_outbox(settings)
    structlog.get_logger("tenderwatch.crawl").info("crawl_finished", spider=spider, exit_code=outcome.exit_code,
                                                   published=published, **outcome.summary())
    sys.exit(outcome.exit_code)


@main.command()
def setup() -> None:
    """Create the Kafka topics (idempotent; names from TENDERWATCH_*_TOPIC settings).

    Needs TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS: the embedded broker lives inside `tenderwatch
    run`, which sets itself up.
    """
    settings = _settings()
    configure_logging(settings.log_format, settings.log_level)
    if not settings.kafka_bootstrap_servers:
        click.echo("error: TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS is not set (`tenderwatch run` sets up its embedded broker itself)", err=True)
        sys.exit(2)
    from kafka.errors import KafkaError

    from consumers.topics import create_topics

    try:
        outcome = create_topics(settings)
    except KafkaError as exc:
        click.echo(f"error: cannot reach Kafka at {settings.kafka_bootstrap_servers}: {exc}", err=True)
        sys.exit(1)
    for topic, result in outcome.items():
        click.echo(f"topic {topic}: {result}")


def _parse_interval(_ctx, _param, value: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    try:
        seconds = float(value[:-1]) * units[value[-1]] if value and value[-1] in units else float(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a duration like 90s, 15m or 1h") from None
    if seconds <= 0:
        raise click.BadParameter("the interval must be positive")
    return seconds


@main.command()
@click.option("--once", is_flag=True, help="One crawl cycle; wait until every consumer processed its events; exit.")
@click.option("--interval", default="15m", show_default=True, callback=_parse_interval, help="Time between crawls (90s, 15m, 1h).")
@click.option("--base-url", help="www site of Flextender. Env: TENDERWATCH_FLEXTENDER_BASE_URL.")
@click.option("--api-url", help="JSON API host. Env: TENDERWATCH_FLEXTENDER_API_URL.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help="Everything that must survive a restart. Env: TENDERWATCH_DATA_DIR. [default: ./.tenderwatch]")
def run(once: bool, interval: float, base_url: str | None, api_url: str | None, data_dir: Path | None) -> None:
    """The all-in-one process: broker (embedded unless TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS is
    set), topics, every consumer, and the crawler on its schedule. Ctrl-C stops it cleanly.

    Exit codes: 0; the crawl's own code (3, 4) with --once; 5 when --once saw events left unconsumed.
    """
    from consumers.runner import Runner

    settings = _settings(flextender_base_url=base_url, flextender_api_url=api_url, data_dir=data_dir)
    configure_logging(settings.log_format, settings.log_level)
    sys.exit(Runner(settings, once=once, interval_s=interval).run())


@main.command()
@click.argument("name", type=click.Choice(["snapshot"]))
def consume(name: str) -> None:
    """Run one consumer NAME in the foreground (scale out by starting more; partitions limit it).

    Needs TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS. SIGINT/SIGTERM finish the batch in hand and stop.
    """
    from consumers.loop import ConsumeLoop
    from consumers.registry import CONSUMERS

    settings = _settings()
    configure_logging(settings.log_format, settings.log_level)
    if not settings.kafka_bootstrap_servers:
        click.echo("error: TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS is not set", err=True)
        sys.exit(2)
    spec = CONSUMERS[name]
    loop = ConsumeLoop(name=spec.name, group_id=spec.group_id, topics=spec.topics(settings),
                       handler=spec.handler(settings), settings=settings,
                                 max_records=settings.consumer_max_records)
    loop.install_signal_handlers()
    loop.run()


@main.command()
@click.option("--port", default=8808, show_default=True, help="Port to serve on (127.0.0.1).")
def replica(port: int) -> None:
    """Serve the bundled Flextender replica (five real listings) until Ctrl-C, for offline work:
    point --base-url and --api-url of `crawl` at the printed URL."""
    import time

    from crawler.replica import FlextenderReplica

    with FlextenderReplica(port=port) as site:
        click.echo(f"Flextender replica on {site.url} (listed: {', '.join(site.listed)}); Ctrl-C stops it.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


@main.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help="Keep the demo's data here. [default: a temporary directory]")
def demo(data_dir: Path | None) -> None:
    """Offline showcase: serve the bundled Flextender replica (five real listings), run one
    `run --once` cycle against it on the embedded broker (clock frozen at 2026-03-01, when
    three of the five were open) and print the tenders the consumers received."""
    import json

    from consumers.runner import Runner
    from consumers.snapshot import TenderSnapshot
    from crawler.replica import FlextenderReplica

    with tempfile.TemporaryDirectory(prefix="tenderwatch-demo-") as work, FlextenderReplica() as site:
        settings = _settings(
            flextender_base_url=site.url, flextender_api_url=site.url, data_dir=data_dir or Path(work),
            now=datetime.fromisoformat(DEMO_CLOCK), autothrottle_start_delay=0.0, kafka_bootstrap_servers=None,
            log_level="WARNING",
        )
        configure_logging(settings.log_format, settings.log_level)
        click.echo(f"Crawling the Flextender replica at {site.url}; events through the embedded broker ...", err=True)
        code = Runner(settings, once=True, interval_s=60).run()
        snapshot = TenderSnapshot.for_settings(settings)
        for tender_id, sequence, event_type, tender_json in snapshot.tenders():
            tender = json.loads(tender_json)
            scale = tender["pay_scale"]["label"] if tender["pay_scale"] else "-"
            click.echo(f"{tender_id:<18} {event_type:<17} {tender['deadline'] or '-':<26} "
                       f"{tender['region'] or '-':<11} schaal {scale:<4} {tender['title']}")
        click.echo(f"{len(snapshot.tenders())} tenders received by the consumers.", err=True)
        snapshot.close()
        sys.exit(code)


if __name__ == "__main__":
    main()
